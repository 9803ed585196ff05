"""One run of one job: validated in the parent, crawled in a child process with a fresh Twisted reactor."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from crawler import config, logs, models, outcomes
from crawler.fetch import docstate, urls
from crawler.jobs import jobs
from crawler.match import topics
from crawler.store import db, migrate, monitor, store
from crawler.store import outbox as alerts_outbox

log = logging.getLogger(__name__)

#: how often a running crawl writes its counters to crawl_runs (seconds; the live display reads them)
PROGRESS_SECONDS = 1.0
#: how often it logs a progress line (seconds)
PROGRESS_LOG_SECONDS = 10.0
#: database retries for a batch before the run gives up (1 + 2 + 4 + 8 s of backoff)
DB_ATTEMPTS = 5
#: page checks (article validators, change-capture hints) written per statement batch
CHECKS_BATCH = 100


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    job: str
    status: str
    counters: dict[str, int]
    message: str | None
    seconds: float


class DbWorker:
    """All database work of a crawl on one thread and one connection, awaited from the reactor."""

    def __init__(self, url: str, job: str, run_id: int) -> None:
        self.url, self.job, self.run_id = url, job, run_id
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediamon-db")
        self.conn: psycopg.Connection | None = None
        self.checks: list[tuple[str, Any, datetime | None, datetime]] = []  # page_checks not yet written

    def _conn(self) -> psycopg.Connection:
        if self.conn is None or self.conn.closed:
            self.conn = db.connect(self.url)
        return self.conn

    def _retrying(self, fn: Any, *args: Any) -> Any:
        delay = 1.0
        for attempt in range(1, DB_ATTEMPTS + 1):
            try:
                return fn(self._conn(), *args)
            except (psycopg.OperationalError, db.DatabaseUnavailable) as exc:
                if self.conn is not None:
                    self.conn.close()
                if attempt == DB_ATTEMPTS:
                    raise
                log.warning("database error, retrying", extra={"attempt": attempt, "retry_in": delay, "error": str(exc)})
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._retrying, fn, *args)

    async def known_urls(self, candidates: list[str]) -> set[str]:
        return await self._call(store.known_urls, self.job, candidates)

    async def save_batch(self, items: list[models.Page | models.Ended]) -> list[tuple[str, str, str]]:
        return await self._call(store.save_batch, self.job, self.run_id, items)

    def _source_status(self, conn: psycopg.Connection, source_id: int | None, status: str, error: str | None, url: str | None) -> None:
        if source_id is not None:
            store.update_source(conn, source_id, status=status, error=error)
        if url is not None and error:
            store.record_error(conn, self.run_id, self.job, url, outcomes.ERROR_SOURCE, error)

    async def call_source_status(self, source_id: int | None, status: str, error: str | None, url: str | None) -> None:
        await self._call(self._source_status, source_id, status, error, url)

    def submit_source_status(self, source_id: int | None, status: str, error: str | None, url: str | None) -> None:
        self.executor.submit(self._retrying, self._source_status, source_id, status, error, url)

    # --- monitoring state (crawler.store.monitor) ---

    async def known_pages(self, candidates: list[str]) -> dict[str, docstate.KnownPage]:
        pages: dict[str, docstate.KnownPage] = await self._call(monitor.known_pages, self.job, candidates)
        return pages

    async def add_child(self, parent_id: int, url: str, kind: str) -> int:
        child_id: int = await self._call(monitor.add_child, self.job, parent_id, url, kind)
        return child_id

    async def record_poll(self, doc_id: int, poll: docstate.Poll) -> None:
        await self._call(monitor.record_poll, doc_id, poll)

    def submit_record_poll(self, doc_id: int, poll: docstate.Poll) -> None:
        self.executor.submit(self._retrying, monitor.record_poll, doc_id, poll)

    async def set_host_verdict(self, host: str, verdict: str, detail: str, url: str) -> None:
        await self._call(monitor.set_host_verdict, host, verdict, detail, url)

    def submit_record_check(self, url: str, validators: Any, hinted_at: datetime | None, now: datetime) -> None:
        """Buffered: written CHECKS_BATCH at a time (one statement per page would slow the store thread)."""
        self.checks.append((url, validators, hinted_at, now))
        if len(self.checks) >= CHECKS_BATCH:
            self.flush_checks()

    def flush_checks(self) -> None:
        batch, self.checks = self.checks, []
        if batch:
            self.executor.submit(self._retrying, monitor.record_checks, self.job, batch)

    async def progress(self, counters: dict[str, int]) -> None:
        await self._call(store.progress_run, self.run_id, counters)

    def close(self) -> None:
        self.flush_checks()
        self.executor.shutdown(wait=True)
        if self.conn is not None:
            self.conn.close()


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


def plan_run(conn: psycopg.Connection, job: Any, source_ids: dict[str, int], now: datetime) -> Plan:
    """The documents due at `now` (declared ones never polled included), due revisits and retries."""
    from crawler.fetch.spider import Doc

    declared = {s.url: s for s in job.sources}
    docs = []
    for doc in monitor.due_sources(conn, job, now):
        source = declared[doc.root_url]
        polled = doc if doc.polls_since_audit or doc.poll.last_polled_at else None
        docs.append(Doc(doc.url, doc.kind, source, doc.id, polled, root_id=source_ids.get(doc.root_url)))
    everything = monitor.documents(conn, job.name)
    untrusted = frozenset(urls.host(d.url) for d in everything if d.host_verdict)
    revisits = tuple(monitor.due_revisits(conn, job.name, now, job.monitor.revisit_offsets, REVISITS_PER_RUN))
    since = now - timedelta(days=job.limits.max_age_days)
    retries = tuple(monitor.retry_urls(conn, job.name, since, RETRIES_PER_RUN))
    return Plan(tuple(docs), revisits, retries, frozenset(d.url for d in everything), untrusted)


class RunContext:
    """What the spider and pipeline share during one run: counters, db worker, clock reading."""

    def __init__(self, *, job: Any, run_id: int, dbw: DbWorker, source_ids: dict[str, int], workers: int,
                 plan: Plan | None = None, now: datetime | None = None) -> None:
        self.job_name = job.name
        self.run_id = run_id
        self.db = dbw
        self.source_ids = source_ids
        self.workers = workers
        self.now = now or datetime.now(UTC)
        self.matcher = topics.compile_topics(job.topics)
        self.counters: Counter[str] = Counter()
        self.stats: Any = None  # Scrapy stats collector, set when the crawler exists
        self._last_progress = time.monotonic()
        self._last_progress_log = time.monotonic()
        self.db_failed = False
        self.pending: list[models.Ended] = []  # outcomes raised outside the item flow (filtered redirects)
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

    async def progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_progress_log >= PROGRESS_LOG_SECONDS:
            self._last_progress_log = now
            log.info("progress", extra={"job": self.job_name, "run": self.run_id, **_short(self.counters)})
        if force or now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            await self.db.progress(dict(self.counters))


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
        "CONCURRENT_ITEMS": 64,
    }


# --- child process ------------------------------------------------------------------------------


def _child_main(job_path: str, db_url: str, run_id: int, settings: config.Settings) -> None:
    """Entry point of the crawl process: run the spider, then close the crawl_runs row."""
    os.setpgrp()  # terminal Ctrl-C reaches the parent only, which forwards it once
    logs.setup(settings.log_level, settings.log_format)
    from scrapy.crawler import CrawlerProcess

    from crawler.fetch.spider import JobSpider

    job = jobs.load_job(Path(job_path))
    dbw = DbWorker(db_url, job.name, run_id)
    with db.connect(db_url, attempts=3) as conn:
        source_ids = store.upsert_sources(conn, job.name, job.sources)
        alerts_outbox.sync(conn, job)  # before the first batch: the store queues alerts per subscription
        now = datetime.now(UTC)
        plan = plan_run(conn, job, source_ids, now)
    run = RunContext(job=job, run_id=run_id, dbw=dbw, source_ids=source_ids, workers=settings.workers, plan=plan,
                     now=now)
    close_reason: dict[str, str] = {}

    process = CrawlerProcess(scrapy_settings(job, settings))
    logs.setup(settings.log_level, settings.log_format)  # Scrapy configured logging too: ours wins
    crawler = process.create_crawler(JobSpider)

    def opened(spider: Any) -> None:
        run.stats = crawler.stats

    def closed(spider: Any, reason: str) -> None:
        close_reason["value"] = reason

    from scrapy import signals

    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler, job=job, run=run)
    status, message = "succeeded", None
    try:
        process.start()
    except Exception as exc:  # noqa: BLE001 - recorded on the run, then re-raised
        status, message = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        why = close_reason.get("value", "unknown")
        if status == "succeeded" and why == "shutdown":
            status, message = "interrupted", "stopped by signal"
        elif run.db_failed:
            status, message = "failed", "database unavailable"
        elif status == "succeeded" and why not in ("finished",) and not why.startswith("closespider"):
            status, message = "failed", f"crawl closed: {why}"
        dbw.close()
        # a fresh connection: one held through the run may have been cut by a database restart since
        with db.connect(db_url, attempts=DB_ATTEMPTS) as conn:
            store.finish_run(conn, run_id, status=status, counters=dict(run.counters), message=message)


# --- parent -------------------------------------------------------------------------------------


def prepare(settings: config.Settings) -> str:
    """Database URL, with the schema migrated."""
    url = db.resolve_url(settings)
    with db.connect(url, attempts=3) as conn:
        migrate.migrate(conn)
    return url


def run_job(job_path: Path, settings: config.Settings, *, trigger: str = "cli", db_url: str | None = None,
            on_start: Any = None, watch: Any = None) -> RunSummary:
    """Validate the job, then crawl it once in a child process; return the finished run."""
    job = jobs.load_job(job_path)  # a broken job file fails here, before anything is crawled
    url = db_url or prepare(settings)
    with db.connect(url) as conn:
        run_id = store.start_run(conn, job.name, trigger=trigger)
    log.info("run started", extra={"job": job.name, "run": run_id})
    started = time.monotonic()
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(
        target=_child_main, args=(str(job_path), url, run_id, settings), name=f"mediamon-crawl-{job.name}"
    )
    child.start()
    if on_start is not None:
        on_start(run_id, child)
    _forward_signals(child)
    while child.is_alive():
        child.join(timeout=0.5)
        if watch is not None:
            watch(run_id)
    if child.exitcode != 0:
        _kill_group(child)  # its extraction workers must not outlive it
    with db.connect(url, attempts=3) as conn:
        if child.exitcode in (-signal.SIGTERM, -signal.SIGINT):  # stopped before Scrapy took over signals
            store.close_if_running(conn, run_id, "interrupted", f"stopped by signal {-child.exitcode} while starting")
        elif child.exitcode != 0:
            store.fail_if_running(conn, run_id, f"crawl process exited with code {child.exitcode}")
        status, counters, message = store.run_status(conn, run_id)
    return RunSummary(run_id, job.name, status, counters, message, time.monotonic() - started)


def lock_key(job: str) -> int:
    """Stable signed 64-bit advisory lock key of a job name (the same in every process and version)."""
    digest = hashlib.blake2b(f"mediamon:job:{job}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def run_exclusive(job_path: Path, settings: config.Settings, *, trigger: str = "cli", db_url: str | None = None,
                  on_start: Any = None, watch: Any = None) -> RunSummary:
    """`run_job` under the job's advisory lock: when another process (cron, a `serve` replica) is
    running the job, record a 'skipped' run instead of crawling it twice."""
    job = jobs.load_job(job_path)
    url = db_url or prepare(settings)
    with db.connect(url, autocommit=True, attempts=3) as lock_conn:
        if not store.try_lock(lock_conn, lock_key(job.name)):
            message = "another process is running this job"
            run_id = store.record_skipped_run(lock_conn, job.name, trigger=trigger, message=message)
            log.info("run skipped: job locked by another process", extra={"job": job.name, "run": run_id})
            return RunSummary(run_id, job.name, "skipped", {}, message, 0.0)
        try:
            return run_job(job_path, settings, trigger=trigger, db_url=url, on_start=on_start, watch=watch)
        finally:
            if not lock_conn.closed:
                store.unlock(lock_conn, lock_key(job.name))


def _kill_group(child: multiprocessing.process.BaseProcess) -> None:
    """SIGKILL what is left of the crawl child's process group (it made itself the group leader)."""
    try:
        os.killpg(child.pid or 0, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _forward_signals(child: multiprocessing.process.BaseProcess) -> None:
    """SIGTERM/SIGINT to the parent reach the crawl child (its first = graceful stop, second = forced)."""

    def forward(signum: int, _frame: Any) -> None:
        if child.pid and child.is_alive():
            os.kill(child.pid, signum)

    import threading

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, forward)
