"""Scrapy components: robots.txt `Crawl-delay` (Scrapy parses it but does not apply it), and a dupefilter
that gives filtered redirects an outcome."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Request

log = logging.getLogger(__name__)

#: never wait longer than this between requests to one host, whatever robots.txt says
MAX_CRAWL_DELAY = 60.0


class CrawlDelayMiddleware:
    """Keeps each host's download slot delay at least its robots.txt Crawl-delay (AutoThrottle included)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.user_agent = crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}  # netloc -> seconds
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            netloc = request.url.split("/")[2]
            self.delays[netloc] = min(float(delay), MAX_CRAWL_DELAY)
            log.info("robots.txt crawl-delay", extra={"host": netloc, "delay": self.delays[netloc]})

    def process_request(self, request: Request, spider: Any = None) -> None:
        delay = self.delays.get(request.url.split("/")[2])
        if not delay:
            return
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None and slot.delay < delay:
            slot.delay = delay  # AutoThrottle lowers delays; put the robots floor back before each request


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, but a filtered redirect still ends in an outcome (an alias), not silence.

    A redirect whose target was already requested in this run (e.g. an old path 301 -> a page the
    feed also links) is dropped here; the spider records the old URL as an alias of the target.
    """

    def log(self, request: Request, spider: Any) -> None:
        super().log(request, spider)
        handler = getattr(spider, "duplicate_filtered", None)
        if handler is not None:
            handler(request)
