"""Prometheus metrics of `mediamon serve` and a small HTTP server for /metrics and /healthz."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from crawler import outcomes

log = logging.getLogger(__name__)

# the *_created series double every counter's output and no dashboard here uses them
disable_created_metrics()

#: run duration buckets (seconds): a quiet feed takes seconds, a large sitemap job up to an hour
DURATION_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)


class Metrics:
    """The service's metrics in their own registry (tests create as many as they like)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter("mediamon_runs", "Finished runs by job and status", ["job", "status"], registry=r)
        self.pages = Counter("mediamon_pages_fetched", "Article pages fetched", ["job"], registry=r)
        self.stored = Counter("mediamon_articles_stored", "New articles stored", ["job"], registry=r)
        self.duplicates = Counter("mediamon_duplicates", "Pages that were duplicates (URL or content)", ["job"], registry=r)
        self.errors = Counter("mediamon_errors", "Errors by job and kind (outcome names)", ["job", "kind"], registry=r)
        self.outcomes = Counter("mediamon_outcomes", "Every outcome counter of finished runs", ["job", "outcome"], registry=r)
        self.duration = Histogram(
            "mediamon_run_duration_seconds", "Wall time of a run", ["job"], buckets=DURATION_BUCKETS, registry=r
        )
        self.last_success = Gauge(
            "mediamon_last_success_timestamp_seconds", "Unix time the job last finished successfully", ["job"], registry=r
        )
        self.running = Gauge("mediamon_runs_in_progress", "Runs in progress in this process", ["job"], registry=r)
        self.jobs = Gauge("mediamon_jobs_scheduled", "Jobs currently scheduled", registry=r)
        self.db_up = Gauge("mediamon_database_up", "1 when the last database check succeeded", registry=r)
        self.alerts_sent = Counter("mediamon_alerts_sent", "Alert messages delivered", ["channel"], registry=r)
        self.alerts_failed = Counter(
            "mediamon_alerts_failed", "Alert messages given up after their last attempt", ["channel"], registry=r
        )
        self.alerts_retried = Counter(
            "mediamon_alerts_retried", "Failed alert delivery attempts to be retried", ["channel"], registry=r
        )
        self.alerts_pending = Gauge("mediamon_alerts_pending", "Alert messages waiting in the outbox", ["channel"],
                                    registry=r)

    def observe_run(self, job: str, status: str, counters: Mapping[str, int], seconds: float, now: float) -> None:
        """Count one finished run from its final counters (crawl_runs.counters)."""
        self.runs.labels(job, status).inc()
        self.duration.labels(job).observe(seconds)
        self.pages.labels(job).inc(counters.get(outcomes.FETCHED, 0))
        self.stored.labels(job).inc(counters.get(outcomes.STORED, 0))
        self.duplicates.labels(job).inc(
            counters.get(outcomes.DUPLICATE_URL, 0) + counters.get(outcomes.DUPLICATE_CONTENT, 0)
        )
        for name, value in counters.items():
            if value:
                self.outcomes.labels(job, name).inc(value)
                if name in outcomes.ERRORS:
                    self.errors.labels(job, name).inc(value)
        if status in ("succeeded", "partial"):  # a run that read something (README, "Reliability")
            self.last_success.labels(job).set(now)

    def observe_alerts(self, sent: Mapping[str, int], retried: Mapping[str, int], failed: Mapping[str, int],
                       outbox: Mapping[tuple[str, str], int]) -> None:
        """One delivery round (counts by channel kind) and the outbox afterwards ((kind, status) -> rows)."""
        for kind, n in sent.items():
            self.alerts_sent.labels(kind).inc(n)
        for kind, n in retried.items():
            self.alerts_retried.labels(kind).inc(n)
        for kind, n in failed.items():
            self.alerts_failed.labels(kind).inc(n)
        for kind in {k for k, _ in outbox}:
            self.alerts_pending.labels(kind).set(outbox.get((kind, "pending"), 0))

    def observe_skipped(self, job: str) -> None:
        self.runs.labels(job, "skipped").inc()

    def observe_error(self, job: str, kind: str) -> None:
        """An error outside a run's counters (e.g. the database was gone before the run could start)."""
        self.errors.labels(job, kind).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


Health = Callable[[], Mapping[str, bool]]


class _Handler(BaseHTTPRequestHandler):
    server: _MetricsServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, CONTENT_TYPE_LATEST, self.server.metrics.render())
        elif path == "/healthz":
            checks = dict(self.server.health())
            ok = all(checks.values())
            body = json.dumps({"status": "ok" if ok else "unhealthy", **checks}).encode()
            self._send(200 if ok else 503, "application/json", body)
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        log.debug("metrics request " + format, *args)


class _MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], metrics: Metrics, health: Health) -> None:
        super().__init__(address, _Handler)
        self.metrics = metrics
        self.health = health


def serve_http(host: str, port: int, metrics: Metrics, health: Health) -> ThreadingHTTPServer:
    """Serve /metrics and /healthz on host:port (0 = an ephemeral port) in a daemon thread; stop with .shutdown()."""
    server = _MetricsServer((host, port), metrics, health)
    thread = threading.Thread(target=server.serve_forever, name="mediamon-metrics", daemon=True)
    thread.start()
    log.info("metrics listening", extra={"url": f"http://{host}:{server.server_address[1]}/metrics"})
    return server
