"""One run of one job: validated in the parent, crawled in a child process (crawler.run.engine)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from crawler import config, logs, models, outcomes
from crawler.fetch import docstate, urls
from crawler.jobs import jobs
from crawler.match import topics
from crawler.run import engine, lifeline
from crawler.store import db, lease, migrate, monitor, store, writer

log = logging.getLogger(__name__)

#: how often a running crawl writes its counters to crawl_runs (seconds; the live display reads them)
PROGRESS_SECONDS = 1.0
#: how often it logs a progress line (seconds)
PROGRESS_LOG_SECONDS = 10.0


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    job: str
    status: str
    counters: dict[str, int]
    message: str | None
    seconds: float


@dataclass(frozen=True)
class RunPlan:
    """Everything the crawl child needs, validated in the parent and sent once (pickled by spawn).

    The child never re-reads the job file: what was validated is what is crawled.
    """

    job: jobs.Job
    run_id: int
    db_url: str
    settings: config.Settings
    scrapy: dict[str, Any]  # Scrapy settings from the job's limits (`scrapy_settings`)
    timeouts: db.Timeouts
    retry: writer.Retry
    parent_pid: int


def plan_run(job: jobs.Job, run_id: int, db_url: str, settings: config.Settings) -> RunPlan:
    return RunPlan(
        job=job, run_id=run_id, db_url=db_url, settings=settings, scrapy=scrapy_settings(job, settings),
        timeouts=db.timeouts_from(settings), retry=writer.Retry(outage_seconds=settings.db_outage_seconds),
        parent_pid=os.getpid(),
    )


@dataclass(frozen=True)
class Plan:
    """What a run polls and fetches besides new links: due documents, due revisits, retries of failures."""

    documents: tuple[Any, ...]  # crawler.fetch.spider.Doc
    revisits: tuple[docstate.KnownPage, ...]
    retries: tuple[str, ...]
    known_documents: frozenset[str]
    untrusted_hosts: frozenset[str]


#: how many scheduled revisits and retries one run takes on at most
REVISITS_PER_RUN = 500
RETRIES_PER_RUN = 200


def plan_monitoring(conn: psycopg.Connection, job: Any, source_ids: dict[str, int], now: datetime) -> Plan:
    """The documents due at `now` (declared ones never polled included), due revisits and retries."""
    from crawler.fetch.spider import Doc

    declared = {s.url: s for s in job.sources}
    everything = monitor.documents(conn, job.name)
    docs = []
    for doc in monitor.due_among(everything, job, now):
        source = declared[doc.root_url]
        polled = doc if doc.polls_since_audit or doc.poll.last_polled_at else None
        docs.append(Doc(doc.url, doc.kind, source, doc.id, polled, root_id=source_ids.get(doc.root_url)))
    untrusted = frozenset(urls.host(d.url) for d in everything if d.host_verdict)
    revisits = tuple(monitor.due_revisits(conn, job.name, now, job.monitor.revisit_offsets, REVISITS_PER_RUN))
    since = now - timedelta(days=job.limits.max_age_days)
    retries = tuple(monitor.retry_urls(conn, job.name, since, RETRIES_PER_RUN))
    return Plan(tuple(docs), revisits, retries, frozenset(d.url for d in everything), untrusted)


class RunContext:
    """What the spider and pipeline share during one run: counters, the writer, clock reading."""

    def __init__(self, *, job: jobs.Job, run_id: int, dbw: writer.Writer, source_ids: dict[str, int],
                 workers: int, plan: Plan | None = None, now: datetime | None = None) -> None:
        self.job_name = job.name
        self.run_id = run_id
        self.db = dbw
        self.source_ids = source_ids
        self.workers = workers
        self.now = now or datetime.now(UTC)
        self.matcher = topics.compile_topics(job.topics)
        self.counters: Counter[str] = Counter()
        self.stats: Any = None  # Scrapy stats collector, set when the crawler exists
        self.claims: Any = None  # scale-out workers: crawler.scale.claims.Claims (inline mode: None)
        self._last_progress = time.monotonic()
        self._last_progress_log = time.monotonic()
        self.db_failed: str | None = None  # why the database was given up
        self.stop: Callable[[str], None] | None = None  # closes the spider (set when the crawler exists)
        self.pending: list[models.Ended] = []  # outcomes raised outside the item flow (filtered redirects)
        dbw.on_lost = self.database_lost
        plan = plan or Plan((), (), (), frozenset(), frozenset())
        self.documents = plan.documents
        self.revisits = plan.revisits
        self.retries = plan.retries
        self.known_documents = set(plan.known_documents)  # every document URL of the job, due or not
        self.untrusted_hosts = plan.untrusted_hosts
        self.document_ids = dict(source_ids)  # declared source URL -> sources.id

    def count(self, outcome: str, n: int = 1) -> None:
        self.counters[outcome] += n
        if self.stats is not None:
            self.stats.inc_value(outcomes.stat_key(outcome), n)

    def database_lost(self, why: str) -> None:
        """The writer gave the database up: stop the run now (it cannot store what it fetches)."""
        self.db_failed = why
        log.error("database unavailable, stopping the run", extra={"job": self.job_name, "run": self.run_id,
                                                                  "error": why})
        if self.stop is not None:
            self.stop("database_unavailable")

    async def progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_progress_log >= PROGRESS_LOG_SECONDS:
            self._last_progress_log = now
            log.info("progress", extra={"job": self.job_name, "run": self.run_id, **_short(self.counters)})
        if force or now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            await self.db.progress(dict(self.counters))


def final_status(why: str, *, db_lost: str | None, source_results: dict[int, set[str]], n_sources: int
                 ) -> tuple[str, str | None]:
    """The run's status from how Scrapy closed, the database and what the sources gave (README: Reliability).

    succeeded: every source read; partial: some sources failed; failed: none could be read, the
    database was lost, or the crawl closed abnormally; interrupted: stopped by a signal.
    """
    if db_lost:
        return "failed", db_lost
    if why == "shutdown":
        return "interrupted", "stopped by signal"
    if why != "finished" and not why.startswith("closespider"):
        return "failed", f"crawl closed: {why}"
    read = sum(1 for statuses in source_results.values() if "ok" in statuses)
    broken = sum(1 for statuses in source_results.values() if outcomes.ERROR_SOURCE in statuses)
    if n_sources and read == 0 and broken:
        return "failed", "no source could be read"
    if broken:
        return "partial", f"{broken} of {n_sources} sources failed"
    return "succeeded", None


def _short(counters: Counter[str]) -> dict[str, int]:
    keys = ("discovered", "fetched", "skipped_known", "stored", "off_topic", "duplicate_url", "duplicate_content")
    out = {k: counters.get(k, 0) for k in keys}
    out["errors"] = sum(v for k, v in counters.items() if k in outcomes.ERRORS)
    return out


def scrapy_settings(job: Any, settings: config.Settings) -> dict[str, Any]:
    """Scrapy settings from the job's politeness limits."""
    limits = job.limits
    return {
        "USER_AGENT": settings.user_agent,
        # robots.txt: our RobotsMiddleware checks every request (Scrapy's lets waiters through unchecked)
        "ROBOTSTXT_OBEY": False,
        "ROBOTSTXT_USER_AGENT": "mediamon",
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": limits.concurrency_per_host,
        # pacing per host (delay floor, Crawl-delay, Retry-After) is enforced at dequeue time
        "DOWNLOADER": "crawler.fetch.downloader.PoliteDownloader",
        "DOWNLOAD_DELAY": limits.delay_seconds,
        "DOWNLOAD_DELAY_JITTER": 0.0,  # Scrapy's jitter goes below the floor; ours only above it
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": limits.delay_seconds,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(limits.concurrency_per_host),
        "DOWNLOAD_TIMEOUT": limits.timeout_seconds,
        # the whole body must be judged by extraction; Scrapy stops downloads above this
        "DOWNLOAD_MAXSIZE": limits.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": 1,
        "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG",  # the failed request is logged once, with its outcome, by us
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_ENABLED": False,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.fetch.middlewares.RobotsMiddleware": 100,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
            "crawler.fetch.middlewares.CappedCompressionMiddleware": 590,
            "crawler.fetch.middlewares.RedirectGuardMiddleware": 650,  # sees 3xx before RedirectMiddleware (600)
            "crawler.fetch.middlewares.SizeCapMiddleware": 990,  # next to the downloader: nothing retries it
        },
        "DUPEFILTER_CLASS": "crawler.fetch.middlewares.RunDupeFilter",
        "ITEM_PIPELINES": {"crawler.fetch.pipelines.PagePipeline": 300},
        "MEDIAMON_WORKERS": settings.workers,  # extraction processes (crawler.fetch.pipelines)
        "CONCURRENT_ITEMS": 64,
    }


# --- child process ------------------------------------------------------------------------------

#: exit code of a crawl child that could not close its row because the database stayed gone
EXIT_DB_LOST = engine.EXIT_DB_LOST


def _child_main(plan: RunPlan, alive: Any) -> None:
    """Entry point of the crawl process: run the spider once (crawler.run.engine), closing the crawl_runs row."""
    os.setpgrp()  # terminal Ctrl-C reaches the parent only, which forwards it once
    lifeline.die_with_parent(plan.parent_pid, alive)
    logs.setup(plan.settings.log_level, plan.settings.log_format)
    db.TIMEOUTS = plan.timeouts
    order = engine.CrawlOrder(job=plan.job, run_id=plan.run_id, db_url=plan.db_url, scrapy=plan.scrapy,
                              workers=plan.settings.workers, timeouts=plan.timeouts, retry=plan.retry)
    crawl_engine = engine.Engine(plan.settings)

    async def main() -> int:
        status = await crawl_engine.run_crawl(order)
        return EXIT_DB_LOST if status == engine.DB_LOST else 0  # the parent reads the status from the row

    code = crawl_engine.run(main)
    if code:
        sys.exit(code)


# --- parent -------------------------------------------------------------------------------------


def prepare(settings: config.Settings) -> str:
    """Database URL, with the schema migrated (and this process's connection limits set)."""
    db.configure(settings)
    url = db.resolve_url(settings)
    with db.connect(url, attempts=3) as conn:
        migrate.migrate(conn)
    return url


def _job(job: Path | jobs.Job) -> jobs.Job:
    return job if isinstance(job, jobs.Job) else jobs.load_job(job)  # a broken file fails here, before a crawl


def run_job(job_or_path: Path | jobs.Job, settings: config.Settings, *, trigger: str = "cli",
            db_url: str | None = None, on_start: Any = None, watch: Any = None,
            keeper: lease.Keeper | None = None) -> RunSummary:
    """Crawl a validated job once in a child process; return the finished run.

    With a `keeper` (the job's lease), the child is killed as soon as the lease could expire.
    """
    job = _job(job_or_path)
    url = db_url or prepare(settings)
    with db.connect(url) as conn:
        run_id = store.start_run(conn, job.name, trigger=trigger)
    log.info("run started", extra={"job": job.name, "run": run_id})
    started = time.monotonic()
    plan = plan_run(job, run_id, url, settings)
    ctx = multiprocessing.get_context("spawn")
    alive_r, alive_w = ctx.Pipe(duplex=False)  # the child's lifeline: EOF when this process is gone
    child = ctx.Process(target=_child_main, args=(plan, alive_r), name=f"mediamon-crawl-{job.name}")
    child.start()
    alive_r.close()
    if on_start is not None:
        on_start(run_id, child)
    _forward_signals(child)
    lease_lost = False
    try:
        while child.is_alive():
            child.join(timeout=0.5)
            if keeper is not None and keeper.expired and child.is_alive():
                log.error("job lease lost: stopping the crawl", extra={"job": job.name, "run": run_id})
                lease_lost = True
                _kill_group(child)
                child.join()
            if watch is not None:
                with contextlib.suppress(psycopg.Error, db.DatabaseUnavailable):
                    watch(run_id)
    finally:
        alive_w.close()
    if child.exitcode != 0:
        _kill_group(child)  # its extraction workers must not outlive it
    return _close(url, job.name, run_id, child.exitcode, lease_lost, time.monotonic() - started)


def _close(url: str, job: str, run_id: int, exitcode: int | None, lease_lost: bool, seconds: float) -> RunSummary:
    """Read the run's end (closing its row if the child could not); DatabaseUnavailable if the database is gone."""
    try:
        with db.connect(url, attempts=3) as conn, db.watchdog(conn, db.TIMEOUTS.call):
            if lease_lost:
                store.fail_if_running(conn, run_id, "job lease lost (database unreachable): crawl stopped")
            elif exitcode in (-signal.SIGTERM, -signal.SIGINT):  # stopped before Scrapy took over signals
                store.close_if_running(conn, run_id, "interrupted", f"stopped by signal {-exitcode} while starting")
            elif exitcode == engine.EXIT_INTERRUPTED:  # a second signal: the crawl was not waited for
                store.close_if_running(conn, run_id, "interrupted", "stopped by a second signal")
            elif exitcode == EXIT_DB_LOST:
                store.fail_if_running(conn, run_id, "database lost during the run")
            elif exitcode != 0:
                store.fail_if_running(conn, run_id, f"crawl process exited with code {exitcode}")
            status, counters, message = store.run_status(conn, run_id)
    except (psycopg.Error, db.DatabaseUnavailable) as exc:
        if isinstance(exc, db.DatabaseConfigError):
            raise
        raise db.DatabaseUnavailable(
            f"run {run_id} of job {job}: database lost ({str(exc).strip()}); the next crawl of the job marks it failed"
        ) from None
    return RunSummary(run_id, job, status, counters, message, seconds)


def lock_key(job: str) -> int:
    """Stable signed 64-bit key of a job name (kept for callers of the former advisory lock)."""
    digest = hashlib.blake2b(f"mediamon:job:{job}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def run_exclusive(job_or_path: Path | jobs.Job, settings: config.Settings, *, trigger: str = "cli",
                  db_url: str | None = None, on_start: Any = None, watch: Any = None) -> RunSummary:
    """`run_job` under the job's lease (crawler.store.lease): when another process (cron, a `serve`
    replica) is running the job, record a 'skipped' run instead of crawling it twice. The holder of
    the lease first closes rows that dead runs of the job left 'running'."""
    job = _job(job_or_path)
    url = db_url or prepare(settings)
    name = lease.job_lease(job.name)
    with db.connect(url, autocommit=True, attempts=3) as conn, db.watchdog(conn, db.TIMEOUTS.call):
        acquired_at = time.monotonic()
        held = lease.acquire(conn, name, settings.lease_seconds)
        if held is None:
            message = "another process is running this job"
            run_id = store.record_skipped_run(conn, job.name, trigger=trigger, message=message)
            log.info("run skipped: job locked by another process", extra={"job": job.name, "run": run_id})
            return RunSummary(run_id, job.name, "skipped", {}, message, 0.0)
        for stale in store.fail_stale_runs(conn, job.name, "crawl process died (found by the next run of the job)"):
            log.warning("stale run marked failed", extra={"job": job.name, "run": stale})
    keeper = lease.Keeper(url, held, acquired_at=acquired_at).start()
    try:
        return run_job(job, settings, trigger=trigger, db_url=url, on_start=on_start, watch=watch, keeper=keeper)
    finally:
        keeper.stop()


def _kill_group(child: multiprocessing.process.BaseProcess) -> None:
    """SIGKILL what is left of the crawl child's process group (it made itself the group leader)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid or 0, signal.SIGKILL)


def _forward_signals(child: multiprocessing.process.BaseProcess) -> None:
    """SIGTERM/SIGINT to the parent reach the crawl child (its first = graceful stop, second = forced)."""

    def forward(signum: int, _frame: Any) -> None:
        if child.pid and child.is_alive():
            os.kill(child.pid, signum)

    import threading

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, forward)
