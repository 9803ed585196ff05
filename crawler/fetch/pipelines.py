"""Item pipeline: extraction in a process pool (off the reactor), then batched stores in the DB thread."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler import models, outcomes
from crawler.fetch import pagepool
from crawler.run import work
from crawler.store import db

log = logging.getLogger(__name__)

#: a batch is flushed at this many items or after FLUSH_SECONDS, whichever comes first
BATCH_SIZE = 100
FLUSH_SECONDS = 2.0


_REVISIT_OUTCOME = {outcomes.DUPLICATE_URL: outcomes.REVISITED_UNCHANGED, outcomes.UPDATED: outcomes.REVISED}


class PagePipeline:
    """fetched page -> work.process_page (process pool) -> store.save_batch (one transaction per batch)."""

    def __init__(self, crawler: Any, *, workers: int, batch_size: int = BATCH_SIZE,
                 flush_seconds: float = FLUSH_SECONDS) -> None:
        self.crawler = crawler
        self.workers, self.batch_size, self.flush_seconds = workers, batch_size, flush_seconds
        self.buffer: list[models.Page | models.Ended] = []
        self.last_flush = time.monotonic()
        self.pool: pagepool.PagePool | None = None
        self.closing = False
        self.revisits: set[str] = set()  # canonical URLs of known articles fetched again (change capture)

    @classmethod
    def from_crawler(cls, crawler: Any) -> PagePipeline:
        """Plain values from the Scrapy settings (set by crawl.scrapy_settings from the run plan)."""
        settings = crawler.settings
        return cls(
            crawler,
            workers=settings.getint("MEDIAMON_WORKERS", 1),
            batch_size=settings.getint("MEDIAMON_BATCH_SIZE", BATCH_SIZE),
            flush_seconds=settings.getfloat("MEDIAMON_FLUSH_SECONDS", FLUSH_SECONDS),
        )

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        self.run = spider.run
        job = spider.job
        config = work.WorkerConfig(
            matcher=self.run.matcher,
            store_off_topic=job.limits.store_off_topic,
            min_text_chars=job.limits.min_text_chars,
            max_page_bytes=job.limits.max_page_bytes,
        )
        self.worker_config = config
        self.packed = work.PackedConfig.of(config)  # pickled once per crawl, sent with each page
        # the process's pool, warm across the crawls a process runs; recycled: caches do not grow
        self.pool = pagepool.process_pool(workers=self.workers, initializer=work.init_worker,
                                          initargs=(None, work.WORKER_MEMORY_LIMIT, os.getpid()),
                                          pages_per_worker=work.WORKER_MAX_PAGES, preload=work.PRELOAD)
        # pages must not wait for the next page to be stored (the last ones of a run, or while only
        # slow requests are in flight): flush on a timer too
        self.stop_ticker = asyncio.Event()
        self.ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _extract(self, fetched: work.Fetched) -> models.Page | models.Ended:
        """One page through the pool. A worker that dies (its memory limit, a crash in C) breaks the
        pool: it is rebuilt and the page tried once more, so a bad page costs one extract_failed."""
        if self.pool is None:
            raise RuntimeError("the page pipeline is not open")
        for attempt in (1, 2):
            executor = None
            try:
                executor, future = self.pool.submit(work.process_keyed, self.packed, fetched)
                result: models.Page | models.Ended = await asyncio.wrap_future(future)
                return result
            except BrokenProcessPool as exc:
                if executor is not None and not self.closing and self.pool.rebuild(executor):
                    log.warning("extraction worker died: pool rebuilt", extra={"url": fetched.url, "error": repr(exc)})
                if attempt == 2 or self.closing:
                    return models.Ended(tuple(u for u, _ in fetched.aliases), outcomes.EXTRACT_FAILED,
                                        "extraction worker died (memory limit or crash)")
        raise AssertionError("unreachable")

    async def _tick(self) -> None:
        while not self.stop_ticker.is_set():
            try:
                await asyncio.wait_for(self.stop_ticker.wait(), self.flush_seconds)
            except TimeoutError:
                if self.buffer:
                    await self.flush()

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if "fetched" in item:
            fetched: work.Fetched = item["fetched"]
            if item.get("revisit"):
                self.revisits.add(fetched.aliases[0][0])
            try:
                result = await self._extract(fetched)
            except Exception as exc:  # noqa: BLE001 - a failure in one page's extraction costs that page
                log.warning("extraction crashed", extra={"url": fetched.url, "error": repr(exc)})
                urls_ = tuple(u for u, _ in fetched.aliases)
                result = models.Ended(urls_, outcomes.EXTRACT_FAILED, repr(exc))
            if isinstance(result, models.Page) or result.outcome == outcomes.OFF_TOPIC:
                self.run.count(outcomes.EXTRACTED)
            if isinstance(result, models.Page) and result.article.date_problems:
                self.run.count(outcomes.DATE_REJECTED, len(result.article.date_problems))
                for problem in result.article.date_problems:
                    log.warning("date rejected",
                                extra={"job": self.run.job_name, "url": fetched.url, "reason": problem})
        else:
            result = item["outcome"]
        self.buffer.append(result)
        if len(self.buffer) >= self.batch_size or time.monotonic() - self.last_flush > self.flush_seconds:
            await self.flush()
        return {}

    async def flush(self) -> None:
        """Store what is buffered; count each item's outcome from what the database did."""
        batch, self.buffer = self.buffer, []
        if self.closing:  # redirect aliases point at pages that may still be in extraction until now
            batch += self.run.pending
            self.run.pending.clear()
        self.last_flush = time.monotonic()
        if not batch:
            return
        try:
            results = await self.run.db.save_batch(batch)
        except db.DatabaseUnavailable:
            # the database is lost (the writer stopped the run): nothing of the batch was written, and
            # the next run fetches these pages again (error_db is one rejected row, not this)
            log.warning("batch not stored: database lost", extra={"job": self.run.job_name, "pages": len(batch)})
            return
        for url, outcome, detail in results:
            if url in self.revisits:  # a known article checked again: same text, or a revision written
                self.revisits.discard(url)
                outcome = _REVISIT_OUTCOME.get(outcome, outcome)
            self.run.count(outcome)
            level = logging.WARNING if outcome in outcomes.ERRORS else logging.DEBUG
            log.log(level, "page done", extra={"job": self.run.job_name, "url": url[:300], "outcome": outcome,
                                               "reason": detail})
        await self.run.progress()

    async def close_spider(self) -> None:
        self.closing = True
        # never cancel the ticker: a cancelled flush would store rows without counting their outcomes
        self.stop_ticker.set()
        if asyncio.current_task() is not self.ticker:  # the ticker's own failed flush may be closing us
            await self.ticker
        try:
            await self.flush()
        finally:
            if self.pool is not None:  # the pool stays up for the process's next crawl
                self.pool.settle()
