"""Scrapy components: robots.txt `Crawl-delay` (Scrapy parses it but does not apply it), and a dupefilter
that gives filtered redirects an outcome."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.fetch import urls

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


class OffsiteRedirectMiddleware:
    """Refuse a redirect to a host outside the job *before* Scrapy follows it.

    Scrapy's own offsite filter drops such a redirected request silently when it is scheduled (no
    errback), so the link would end without an outcome. Raising IgnoreRequest from process_response
    calls the original request's errback instead: the link ends `skipped_offsite`. Sits above
    RedirectMiddleware (600) so it sees the 3xx response first.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> OffsiteRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Any, spider: Any = None) -> Any:
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        location = response.urljoin(response.headers[b"Location"].decode("latin-1"))
        job = getattr(self.crawler.spider, "job", None)
        if job is not None and not urls.allowed(location, job.hosts):
            raise IgnoreRequest(f"Filtered offsite redirect to {urls.host(location)!r}")
        return response
