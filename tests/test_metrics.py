"""Prometheus metrics fed from finished runs, and the /metrics + /healthz HTTP endpoints."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler import config
from crawler.service import metrics, service

MEDIAMON = str(Path(sys.executable).parent / "mediamon")


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def http() -> Iterator[object]:
    servers = []

    def start(m: metrics.Metrics, health: metrics.Health) -> str:
        server = metrics.serve_http("127.0.0.1", 0, m, health)
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_finished_run_feeds_the_counters() -> None:
    m = metrics.Metrics()
    counters = {"fetched": 30, "stored": 19, "duplicate_url": 1, "duplicate_content": 2, "error_http": 2}
    m.observe_run("news", "succeeded", counters, 6.5, now=1_700_000_000.0)
    text = m.render().decode()
    for line in (
        'mediamon_runs_total{job="news",status="succeeded"} 1.0',
        'mediamon_pages_fetched_total{job="news"} 30.0',
        'mediamon_articles_stored_total{job="news"} 19.0',
        'mediamon_duplicates_total{job="news"} 3.0',
        'mediamon_errors_total{job="news",kind="error_http"} 2.0',
        'mediamon_outcomes_total{job="news",outcome="stored"} 19.0',
        'mediamon_run_duration_seconds_count{job="news"} 1.0',
        'mediamon_last_success_timestamp_seconds{job="news"} 1.7e+09',
    ):
        assert line in text


def test_a_failed_run_leaves_last_success_alone() -> None:
    m = metrics.Metrics()
    m.observe_run("news", "failed", {}, 1.0, now=1_700_000_000.0)
    assert "mediamon_last_success_timestamp_seconds{" not in m.render().decode()


def test_metrics_endpoint_answers(http) -> None:  # type: ignore[no-untyped-def]
    m = metrics.Metrics()
    m.observe_skipped("news")
    base = http(m, lambda: {"database": True, "scheduler": True})
    status, body = get(base + "/metrics")
    assert status == 200 and b'mediamon_runs_total{job="news",status="skipped"} 1.0' in body


@pytest.mark.parametrize(
    ("checks", "status", "word"),
    [({"database": True, "scheduler": True}, 200, "ok"), ({"database": False, "scheduler": True}, 503, "unhealthy")],
)
def test_healthz_reports_each_check(http, checks: dict[str, bool], status: int, word: str) -> None:  # type: ignore[no-untyped-def]
    base = http(metrics.Metrics(), lambda: checks)
    code, body = get(base + "/healthz")
    assert code == status
    assert json.loads(body) == {"status": word, **checks}


def test_service_health_is_unhealthy_before_the_scheduler_runs(db_url: str, tmp_path: Path) -> None:
    svc = service.Service(tmp_path, config.Settings(database_url=db_url), db_url=db_url)
    assert svc.health() == {"database": True, "scheduler": False}


def test_service_health_without_a_database(tmp_path: Path) -> None:
    svc = service.Service(tmp_path, config.Settings(), db_url="postgresql://postgres@127.0.0.1:1/none")
    assert svc.health()["database"] is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_get(url: str) -> tuple[int, bytes]:
    deadline = time.monotonic() + 60
    while True:
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_serve_answers_metrics_and_healthz(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "news.toml").write_text(
        'name = "news"\n[schedule]\ninterval = "1h"\n[[topics]]\nname = "cuba"\nquery = "cuba"\n'
        '[[sources]]\nname = "feed"\nkind = "feed"\nurl = "http://127.0.0.1:9/feed.rss"\n',
        encoding="utf-8",
    )
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url}
    proc = subprocess.Popen([MEDIAMON, "serve", str(tmp_path), "--metrics-port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # healthy once the scheduler has started
            code, body = _wait_get(f"http://127.0.0.1:{port}/healthz")
            if code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert code == 200 and json.loads(body)["database"] is True
        code, body = get(f"http://127.0.0.1:{port}/metrics")
        assert code == 200 and b"mediamon_jobs_scheduled 1.0" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out


def test_serve_is_unhealthy_while_the_database_is_unreachable(tmp_path: Path) -> None:
    (tmp_path / "news.toml").write_text(
        'name = "news"\n[schedule]\ninterval = "1h"\n[[topics]]\nname = "cuba"\nquery = "cuba"\n'
        '[[sources]]\nname = "feed"\nkind = "feed"\nurl = "http://127.0.0.1:9/feed.rss"\n',
        encoding="utf-8",
    )
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{_free_port()}/none"}
    proc = subprocess.Popen([MEDIAMON, "serve", str(tmp_path), "--metrics-port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        code, body = _wait_get(f"http://127.0.0.1:{port}/healthz")
        assert code == 503 and json.loads(body) == {"status": "unhealthy", "database": False, "scheduler": False}
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "database unreachable, retrying" in out
