"""The crawl's typed database writer: all of a run's database work on one thread and one connection.

The reactor awaits each call; the calls themselves run on a single worker thread so that psycopg's
blocking I/O never stalls downloading. Faults are handled here, once:

- a *transient* failure (connection cut or reset, server restarting, a call stuck past the watchdog)
  is retried on a fresh connection with backoff, for at most `outage_seconds` from the first failure;
  past that the database is *lost*: `on_lost` is called once and every later call fails at once with
  `db.DatabaseUnavailable`, so the run stops within that bound instead of fetching on;
- a *row* failure (the database rejected this data) is not retried: `store.save_batch` keeps it to
  its own row under a savepoint, and anything else raises to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg

from crawler import models, outcomes
from crawler.fetch import conditional, docstate
from crawler.store import db, monitor, store

log = logging.getLogger(__name__)

T = TypeVar("T")
#: page checks (article validators, change-capture hints) written per statement batch
CHECKS_BATCH = 100
#: run statuses whose reading of a document is complete: only they may let a later run skip the document
COMPLETED = frozenset({"succeeded", "partial"})


@dataclass(frozen=True)
class Retry:
    """How long a run waits for a lost database (settable: the fault tests shorten it)."""

    outage_seconds: float = 30.0
    first_backoff: float = 0.5
    max_backoff: float = 4.0


class Writer:
    """Typed access to the store for one run of one job (see the module docstring)."""

    def __init__(self, url: str, job: str, run_id: int, *, retry: Retry = Retry(),
                 timeouts: db.Timeouts | None = None) -> None:
        self.url, self.job, self.run_id = url, job, run_id
        self.retry = retry
        self.timeouts = timeouts or db.TIMEOUTS
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediamon-db")
        self.checks: list[tuple[str, conditional.Validators, datetime | None, datetime]] = []  # not yet written
        self.conn: psycopg.Connection | None = None
        self.lost: str | None = None  # why the database was given up, once it was
        self.on_lost: Callable[[str], None] | None = None
        #: source id -> statuses its documents ended with this run ("ok" or "error_source")
        self.source_results: dict[int, set[str]] = {}
        #: document id -> a poll that read it (new validators, body hash, next poll time): written by finish()
        #: only if the run completed, so a failed, interrupted or killed run leaves the next one reading it again
        self.read_polls: dict[int, docstate.Poll] = {}

    # -- the retry loop (runs on the database thread)

    def _conn(self) -> psycopg.Connection:
        if self.conn is None or self.conn.closed:
            self.conn = db.connect(self.url, timeouts=self.timeouts)
        return self.conn

    def _drop_conn(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
            self.conn = None

    def _retrying(self, fn: Callable[..., T], *args: Any) -> T:
        if self.lost is not None:
            raise db.DatabaseUnavailable(self.lost)
        first_failure: float | None = None
        delay = self.retry.first_backoff
        while True:
            try:
                conn = self._conn()
                with db.watchdog(conn, self.timeouts.call):
                    return fn(conn, *args)
            except (psycopg.Error, db.DatabaseUnavailable) as exc:
                if not db.is_transient(exc):
                    if self.conn is not None and not self.conn.closed:
                        with contextlib.suppress(psycopg.Error):
                            self.conn.rollback()
                    raise
                self._drop_conn()
                now = time.monotonic()
                first_failure = first_failure if first_failure is not None else now
                if now - first_failure >= self.retry.outage_seconds:
                    self.lost = f"database lost for {now - first_failure:.0f}s: {str(exc).strip()}"
                    raise db.DatabaseUnavailable(self.lost) from exc
                log.warning("database error, retrying",
                            extra={"job": self.job, "run": self.run_id, "retry_in": delay, "error": str(exc).strip()})
                time.sleep(delay)
                delay = min(delay * 2, self.retry.max_backoff)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, self._retrying, fn, *args)
        except db.DatabaseUnavailable as exc:
            self._lost(str(exc))
            raise

    def _lost(self, why: str) -> None:
        callback, self.on_lost = self.on_lost, None  # once
        if callback is not None:
            callback(why)

    # -- the calls a run makes

    def upsert_sources(self, sources: Any) -> dict[str, int]:
        """Register the job's sources (synchronous, before the reactor starts)."""
        return self.executor.submit(self._retrying, store.upsert_sources, self.job, sources).result()

    def sync_alerts(self, job: Any) -> None:
        """The job's alert subscriptions into the outbox tables (synchronous, before the reactor starts)."""
        from crawler.store import outbox

        self.executor.submit(self._retrying, outbox.sync, job).result()

    def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(conn, *args) on the database thread, waited for (before the reactor starts)."""
        return self.executor.submit(self._retrying, fn, *args).result()

    # -- monitoring state (crawler.store.monitor)

    async def known_pages(self, candidates: list[str]) -> dict[str, docstate.KnownPage]:
        """The candidates this job finished before, with their check state; all of them (as known, never
        revisited) once the database is lost, so nothing is fetched."""
        try:
            return await self._call(monitor.known_pages, self.job, candidates)
        except db.DatabaseUnavailable:
            return {c: docstate.KnownPage(c, None, datetime.now(UTC), None, None, conditional.Validators())
                    for c in candidates}

    async def add_child(self, parent_id: int, url: str, kind: str) -> int:
        return await self._call(monitor.add_child, self.job, parent_id, url, kind)

    async def record_poll(self, doc_id: int, poll: docstate.Poll) -> None:
        with contextlib.suppress(db.DatabaseUnavailable):  # the run is stopping; its status says why
            await self._call(monitor.record_poll, doc_id, poll)

    def hold_poll(self, doc_id: int, poll: docstate.Poll) -> None:
        """A document was read: its poll is written with the run's closing only if the run completes."""
        self.read_polls[doc_id] = poll

    def submit_record_poll(self, doc_id: int, poll: docstate.Poll) -> None:
        self.executor.submit(self._quiet, monitor.record_poll, doc_id, poll)

    async def set_host_verdict(self, host: str, verdict: str, detail: str, url: str) -> None:
        with contextlib.suppress(db.DatabaseUnavailable):
            await self._call(monitor.set_host_verdict, host, verdict, detail, url)

    def note_source(self, source_id: int | None, status: str) -> None:
        """A declared source was read ("ok") or not (error_source): the run's status counts it."""
        self._note_source(source_id, status)

    def submit_record_check(self, url: str, validators: conditional.Validators, hinted_at: datetime | None,
                            now: datetime) -> None:
        """Buffered: written CHECKS_BATCH at a time (one statement per page would slow this thread)."""
        self.checks.append((url, validators, hinted_at, now))
        if len(self.checks) >= CHECKS_BATCH:
            self.flush_checks()

    def flush_checks(self) -> None:
        batch, self.checks = self.checks, []
        if batch:
            self.executor.submit(self._quiet, monitor.record_checks, self.job, batch)

    def _quiet(self, fn: Callable[..., Any], *args: Any) -> None:
        with contextlib.suppress(db.DatabaseUnavailable):  # the next awaited call reports the loss
            self._retrying(fn, *args)

    async def known_urls(self, candidates: list[str]) -> set[str]:
        """The candidates this job finished before; all of them once the database is lost (fetch nothing)."""
        try:
            return await self._call(store.known_urls, self.job, candidates)
        except db.DatabaseUnavailable:
            return set(candidates)

    async def save_batch(self, items: list[models.Page | models.Ended]) -> list[tuple[str, str, str]]:
        return await self._call(store.save_batch, self.job, self.run_id, items)

    def _source_status(self, conn: psycopg.Connection, source_id: int | None, status: str, error: str | None,
                       url: str | None) -> None:
        if source_id is not None:
            store.update_source(conn, source_id, status=status, error=error)
        if url is not None and error:
            store.record_error(conn, self.run_id, self.job, url, outcomes.ERROR_SOURCE, error)

    def _note_source(self, source_id: int | None, status: str) -> None:
        if source_id is not None:
            self.source_results.setdefault(source_id, set()).add(status)

    async def call_source_status(self, source_id: int | None, status: str, error: str | None, url: str | None) -> None:
        self._note_source(source_id, status)
        with contextlib.suppress(db.DatabaseUnavailable):  # the run is stopping; its status says why
            await self._call(self._source_status, source_id, status, error, url)

    def submit_source_status(self, source_id: int | None, status: str, error: str | None, url: str | None) -> None:
        """From a synchronous errback: written in order on the database thread, not awaited."""
        self._note_source(source_id, status)

        def write() -> None:
            with contextlib.suppress(db.DatabaseUnavailable):  # the next awaited call reports the loss
                self._retrying(self._source_status, source_id, status, error, url)
        self.executor.submit(write)

    async def progress(self, counters: dict[str, int]) -> None:
        with contextlib.suppress(db.DatabaseUnavailable):  # the run is stopping; its status says why
            await self._call(store.progress_run, self.run_id, counters)

    def finish(self, status: str, counters: dict[str, int], message: str | None) -> None:
        """Close the run's row (synchronous, after the reactor stopped), with one outage window of retries.

        A completed run (`COMPLETED`) writes its held polls in the same transaction: a document's validators
        and body hash are saved only once every link read from it was followed. Raises db.DatabaseUnavailable
        when the database stays gone for half an outage window: the row is then closed by the parent, or by
        the next run of the job.
        """
        self.flush_checks()
        self.executor.shutdown(wait=True)
        self.lost = None  # half an outage window more for the last word
        retry, self.retry = self.retry, Retry(self.retry.outage_seconds / 2, self.retry.first_backoff,
                                              self.retry.max_backoff)
        polls = self.read_polls if status in COMPLETED else {}

        def close(conn: psycopg.Connection) -> None:
            with conn.transaction():
                monitor.record_polls(conn, polls)
                store.finish_run(conn, self.run_id, status=status, counters=counters, message=message)

        try:
            self._retrying(close)
        finally:
            self.retry = retry

    def close(self) -> None:
        self.flush_checks()
        self.executor.shutdown(wait=True)
        self._drop_conn()
