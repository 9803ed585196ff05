"""The crawl engine of one crawl process: one asyncio Twisted reactor for the process's life, running
crawls one after another (Scrapy's `AsyncCrawlerRunner`; `CrawlerProcess.start()` can run only once).

`run_crawl` is the one place that turns a run into a Scrapy crawl: it plans the run (sources, alert
subscriptions, due documents), builds the RunContext, wires `run.stop` (a lost database closes the
spider at once), connects the spider signals and closes the run row with its final status. The inline
crawl child (crawler.run.crawl) runs it once; the long-lived crawl process of a `mediamon worker` slot
(crawler.scale.hostcrawl) runs it for task after task.

Signals: the first SIGTERM/SIGINT closes the running crawl gracefully (reason "shutdown": no new
requests, pages in flight are stored, the run ends `interrupted`) and the process takes no more crawls;
a second one exits at once with EXIT_INTERRUPTED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler import config, logs
from crawler.fetch import pagepool
from crawler.jobs import jobs
from crawler.store import db, writer

log = logging.getLogger(__name__)

#: exit code of a crawl child that could not start or close its run because the database stayed gone
EXIT_DB_LOST = 3
#: exit code of a crawl stopped by a signal (a worker hands its task back)
EXIT_INTERRUPTED = 4
#: what `run_crawl` returns when the run row could not be started or closed (the database is gone)
DB_LOST = "db_lost"

_ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


@dataclass(frozen=True)
class CrawlOrder:
    """One run to crawl: the (validated) job, its crawl_runs row and how to reach the database."""

    job: jobs.Job
    run_id: int
    db_url: str
    scrapy: dict[str, Any]  # Scrapy settings (crawl.scrapy_settings or the worker's variant)
    workers: int  # extraction processes
    timeouts: db.Timeouts
    retry: writer.Retry
    claims: Callable[[writer.Writer], Any] | None = None  # worker mode: URL claims on the run's writer
    #: seconds to wait before the first request (worker mode: the job's delay, so that two tasks of one
    #: host back to back keep the delay between them, whichever worker runs the next one)
    lead_in: float = 0.0


def exit_code(status: str) -> int:
    """A worker task's exit status from the run's final status (crawler.scale.worker reads it)."""
    if status == DB_LOST:
        return EXIT_DB_LOST
    if status == "interrupted":
        return EXIT_INTERRUPTED
    return 0 if status in ("succeeded", "partial") else 1


class Engine:
    """The process's reactor, its crawler runner and the crawl in progress (one at a time)."""

    def __init__(self, settings: config.Settings) -> None:
        from scrapy.utils.reactor import install_reactor

        install_reactor(_ASYNCIO_REACTOR)
        from scrapy.crawler import AsyncCrawlerRunner

        self.settings = settings
        self.runner = AsyncCrawlerRunner({"LOG_ENABLED": False, "TELNETCONSOLE_ENABLED": False})
        self.current: Any = None  # the running scrapy Crawler
        self.stopping = False  # a signal came: the running crawl closes, no new one starts
        self.on_stop: Callable[[], None] | None = None  # also told at the first signal (the task reader)
        self.crawls = 0

    # -- signals

    def install_signals(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._signalled)

    def _signalled(self, signum: int, _frame: Any) -> None:
        from twisted.internet import reactor

        if self.stopping:  # second signal: no more waiting
            os._exit(EXIT_INTERRUPTED)
        self.stopping = True
        reactor.callFromThread(self._shutdown, signum)  # not in the handler: it may interrupt a log write

    def _shutdown(self, signum: int) -> None:
        log.info("signal received: closing the crawl", extra={"signal": signal.Signals(signum).name})
        self._stop_current()
        if self.on_stop is not None:
            self.on_stop()

    def _stop_current(self) -> None:
        crawler = self.current
        if crawler is not None and crawler.crawling:
            asyncio.get_running_loop().create_task(crawler.stop_async())  # close reason "shutdown"

    # -- the reactor

    def run(self, main: Callable[[], Coroutine[Any, Any, int]]) -> int:
        """Run `main()` on the reactor until it returns; then stop the reactor and the extraction pool."""
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet import reactor as installed

        reactor: Any = installed  # the asyncio reactor (the stubs know only the interfaces)
        self._install_resolver()
        result: dict[str, Any] = {}

        def done(value: Any) -> None:
            result["value"] = value
            with contextlib.suppress(RuntimeError):
                reactor.stop()

        reactor.callWhenRunning(lambda: deferred_from_coro(main()).addBoth(done))
        self.install_signals()
        try:
            reactor.run(installSignalHandlers=False)
        finally:
            pagepool.close_process_pool()
        value = result.get("value")
        if isinstance(value, int):
            return value
        if value is not None and hasattr(value, "raiseException"):  # a twisted Failure
            value.raiseException()
        return 1

    def _install_resolver(self) -> None:
        """Scrapy's caching DNS resolver, as CrawlerProcess installs it."""
        from scrapy.resolver import CachingThreadedResolver
        from twisted.internet import reactor

        resolver = CachingThreadedResolver.from_crawler(self.runner, reactor)  # type: ignore[arg-type]
        resolver.install_on_reactor()

    # -- one run

    async def run_crawl(self, order: CrawlOrder) -> str:
        """Plan, crawl and close one run; its final status, or DB_LOST if its row could not be written."""
        job = order.job
        dbw = writer.Writer(order.db_url, job.name, order.run_id, retry=order.retry, timeouts=order.timeouts)
        try:
            return await self._run(order, dbw)
        finally:
            dbw.close()

    async def _run(self, order: CrawlOrder, dbw: writer.Writer) -> str:
        from scrapy import signals
        from scrapy.crawler import Crawler

        from crawler.fetch.spider import JobSpider
        from crawler.run import crawl

        job = order.job
        now = datetime.now(UTC)
        try:
            # in a thread: the reactor keeps answering signals while the database is retried
            source_ids = await asyncio.to_thread(dbw.upsert_sources, job.sources)
            await asyncio.to_thread(dbw.sync_alerts, job)  # before the first batch: alerts are queued per subscription
            # the documents due, the revisits and the retries: without this plan the spider polls nothing
            monitoring = await asyncio.to_thread(dbw.run_sync, crawl.plan_monitoring, job, source_ids, now)
        except db.DatabaseUnavailable as exc:
            log.error("database unavailable before the crawl began", extra={"job": job.name, "error": str(exc)})
            return DB_LOST
        run = crawl.RunContext(job=job, run_id=order.run_id, dbw=dbw, source_ids=source_ids, workers=order.workers,
                               plan=monitoring, now=now)
        if order.claims is not None:
            run.claims = order.claims(dbw)
        crawler = Crawler(JobSpider, order.scrapy)
        logs.setup(self.settings.log_level, self.settings.log_format)  # Scrapy configured logging too: ours wins
        close_reason: dict[str, str] = {}

        def opened(spider: Any) -> None:
            run.stats = crawler.stats

        def started() -> None:
            if self.stopping:  # the signal came while the spider was opening
                self._stop_current()

        def closed(spider: Any, reason: str) -> None:
            close_reason["value"] = reason

        def stop(reason: str) -> None:
            if crawler.engine is not None and "value" not in close_reason:
                asyncio.get_running_loop().create_task(crawler.engine.close_spider_async(reason=reason))

        run.stop = stop
        crawler.signals.connect(opened, signal=signals.spider_opened)
        crawler.signals.connect(started, signal=signals.engine_started)
        crawler.signals.connect(closed, signal=signals.spider_closed)
        status: str = "failed"
        message: str | None = "crawl raised"
        self.current, self.crawls = crawler, self.crawls + 1
        try:
            if order.lead_in > 0 and not self.stopping:
                await asyncio.sleep(order.lead_in)
            if self.stopping:
                close_reason["value"] = "shutdown"  # stopped before it began: nothing fetched
            else:
                await self.runner.crawl(crawler, job=job, run=run)
            status, message = crawl.final_status(
                close_reason.get("value", "unknown"), db_lost=run.db_failed or dbw.lost,
                source_results=dbw.source_results, n_sources=len(job.sources))
        except Exception as exc:  # noqa: BLE001 - recorded on the run, then re-raised
            message = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.current = None
            try:
                await asyncio.to_thread(dbw.finish, status, dict(run.counters), message)
            except db.DatabaseUnavailable as exc:
                log.error("run not closed: database unavailable", extra={"job": job.name, "run": order.run_id,
                                                                         "status": status, "error": str(exc)})
                status = DB_LOST
        return status
