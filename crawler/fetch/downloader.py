"""Scrapy's downloader with the per-host pacing of `crawler.fetch.politeness` enforced at dequeue time.

Scrapy applies a slot's delay (with jitter both ways) when it takes a request off the slot's queue,
and AutoThrottle or jitter can take that delay below a robots.txt Crawl-delay. Here every dequeue
asks `politeness.Hosts` instead: the floor, one request in flight under a Crawl-delay, Retry-After
and 429 backoff. Used through Scrapy's `DOWNLOADER` setting. It overrides three internal methods of
scrapy 2.19's `Downloader` (`_get_slot`, `_process_queue`, `_download`); scrapy is pinned exactly,
and tests/test_politeness.py checks the behaviour end to end against a server's own request log.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from time import monotonic
from typing import Any

from scrapy import Request, signals
from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _process_pending_io, _schedule_coro

from crawler.fetch import failures, politeness

log = logging.getLogger(__name__)

#: upward jitter of the delay between two requests to one host (0.2: 1.0-1.2 x the floor)
DELAY_JITTER = 0.2


class HostSlot(Slot):
    """A Scrapy download slot that knows its key (the host its pacing state is filed under)."""

    def __init__(self, concurrency: int, delay: float, key: str) -> None:
        super().__init__(concurrency, delay, 0.0)
        self.key = key


class PoliteDownloader(Downloader):
    """Downloader whose queues start a request only when `politeness.Hosts` says the host is ready."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.hosts = politeness.Hosts(self._delay, crawler.settings.getfloat("MEDIAMON_DELAY_JITTER", DELAY_JITTER))
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self.clock = monotonic
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        """robots.txt of a host was read: its Crawl-delay becomes that host's floor (and slot delay)."""
        key = self.get_slot_key(request)
        delay = self.hosts.set_crawl_delay(key, robotparser.crawl_delay(self.user_agent))
        if delay:
            log.info("robots.txt crawl-delay", extra={"host": key, "delay": delay})
            slot = self.slots.get(key)
            if slot is not None and slot.delay < delay:
                slot.delay = delay  # AutoThrottle starts from the floor

    def _get_slot(self, request: Request, spider: Any = None) -> tuple[str, Slot]:
        key = self.get_slot_key(request)
        if key not in self.slots:
            slot_settings = self.per_slot_settings.get(key, {})
            concurrency = slot_settings.get("concurrency", self.ip_concurrency or self.domain_concurrency)
            delay = max(float(slot_settings.get("delay", self._delay)), self.hosts.floor(key))
            self.slots[key] = HostSlot(concurrency, delay, key)
            self._start_slot_gc()
        return key, self.slots[key]

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # a timer is already set to come back
        key = slot.key if isinstance(slot, HostSlot) else ""
        if reason := self.hosts.paused(key):
            self._fail_queued(slot, reason)
            return
        limit = self.hosts.max_in_flight(key, slot.concurrency)
        while slot.queue and len(slot.transferring) < limit:
            now = self.clock()
            wait = self.hosts.wait(key, slot.delay, now)
            if wait > 0:
                slot.latercall = call_later(wait, self._latercall, slot)
                return
            request, queue_dfd = slot.queue.popleft()
            slot.lastseen = now
            self.hosts.started(key, now)
            # counted as in flight now: _download runs in a task that has not started yet, and
            # Scrapy's own loop, which counts only there, can start a whole burst past the limit
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))

    def _fail_queued(self, slot: Slot, reason: str) -> None:
        while slot.queue:
            _, queue_dfd = slot.queue.popleft()
            queue_dfd.errback(failures.HostPaused(reason))

    async def _download(self, slot: Slot, request: Request) -> Response:
        slot.transferring.add(request)
        key = slot.key if isinstance(slot, HostSlot) else ""
        try:
            response: Response = await self.handlers.download_request_async(request)
            retry_after = response.headers.get(b"Retry-After")
            self.hosts.answered(
                key, response.status, retry_after.decode("latin-1") if retry_after else None, self.clock(),
                datetime.now(UTC),
            )
            if self.hosts.paused(key):
                log.warning("host paused for this run", extra={"host": key, "reason": self.hosts.paused(key)})
            self.signals.send_catch_log(
                signal=signals.response_downloaded, response=response, request=request, spider=self.crawler.spider
            )
            return response
        except Exception:
            await _process_pending_io()
            raise
        finally:
            self.hosts.ended(key, self.clock())
            slot.transferring.remove(request)
            self._process_queue(slot)
            self.signals.send_catch_log(
                signal=signals.request_left_downloader, request=request, spider=self.crawler.spider
            )
