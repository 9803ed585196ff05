"""Scrapy components: robots.txt for every request, the page size cap as a typed failure, redirect
guards, and a dupefilter that gives filtered redirects an outcome. Pacing lives in `downloader.py`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.httpobj import urlparse_cached

from crawler import outcomes
from crawler.fetch import failures, robots, urls

log = logging.getLogger(__name__)

#: robots.txt larger than this is not read (RFC 9309 asks parsers to read at least 500 KiB)
ROBOTS_MAX_BYTES = 512 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)


class RobotsMiddleware:
    """robots.txt checked for every request, including those that arrive while it is being fetched.

    Replaces Scrapy's RobotsTxtMiddleware, which under the asyncio reactor hands the parser only to
    the first request waiting for a host's robots.txt (`Deferred.asFuture` consumes the result; the
    other waiters get None and go through unchecked). Here each origin has one `asyncio.Future`, and
    every waiter awaits it (shielded, so a cancelled waiter cannot cancel it for the others).
    A robots.txt that answers 429/5xx or not at all blocks the origin for this run (RFC 9309).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.user_agent: str = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self._rules: dict[str, asyncio.Future[robots.Rules]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            return
        rules = await self.rules(f"{parts.scheme}://{parts.netloc}", request)
        if rules.unreachable is not None:
            raise failures.RobotsUnreachable(rules.unreachable, rules.outcome)
        if not rules.allowed(request.url, self.user_agent):
            self.crawler.stats.inc_value("robotstxt/forbidden")
            raise failures.RobotsDisallowed("forbidden by robots.txt")

    async def rules(self, origin: str, request: Request) -> robots.Rules:
        """The rules of `origin`, fetched once per crawl; concurrent callers share the one fetch."""
        future = self._rules.get(origin)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._rules[origin] = future
            try:
                rules = await self._fetch(origin)
                await self.crawler.signals.send_catch_log_async(
                    signal=signals.robots_parsed, robotparser=rules, request=request
                )
            except BaseException:  # cancelled (shutdown): waiters must not hang on a future never set
                future.set_result(robots.unreachable("fetch cancelled", outcomes.ERROR_CONNECTION))
                raise
            future.set_result(rules)
        return await asyncio.shield(future)

    async def _fetch(self, origin: str) -> robots.Rules:
        request = Request(
            origin + "/robots.txt",
            priority=1000,
            meta={"dont_obey_robotstxt": True, "download_maxsize": ROBOTS_MAX_BYTES},
            callback=NO_CALLBACK,
            dont_filter=True,
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - whatever stopped the download, robots.txt is unreachable
            _, detail = failures.outcome_of(exc)
            log.debug("robots.txt unreachable", extra={"url": request.url, "reason": detail})
            return robots.unreachable(detail, failures.unreachable_outcome(exc))
        self.crawler.stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        return robots.from_response(response.status, response.body)


class SizeCapMiddleware:
    """Ends a download over the size cap (announced by Content-Length or counted while it arrives,
    e.g. without Content-Length) as `failures.TooLarge`, before Scrapy's own check would cancel it
    with an untyped DownloadCancelledError. The cap is DOWNLOAD_MAXSIZE or the request's
    `download_maxsize`. Sits closest to the downloader, so no other middleware retries it."""

    _RECEIVED = "mediamon_bytes_received"
    _OVER = "mediamon_too_large"

    def __init__(self, crawler: Any) -> None:
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SizeCapMiddleware:
        return cls(crawler)

    def _cap(self, request: Request) -> int:
        return int(request.meta.get("download_maxsize", self.maxsize))

    def headers_received(self, headers: Any, body_length: Any, request: Request, spider: Any = None) -> None:
        request.meta[self._RECEIVED] = 0  # a retried request starts counting again
        cap = self._cap(request)
        if cap and isinstance(body_length, int) and body_length > cap:
            request.meta[self._OVER] = f"over the size cap: Content-Length {body_length} > {cap} bytes"
            raise StopDownload(fail=True)

    def bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        received = request.meta.get(self._RECEIVED, 0) + len(data)
        request.meta[self._RECEIVED] = received
        cap = self._cap(request)
        if cap and received > cap:
            request.meta[self._OVER] = f"over the size cap: more than {cap} bytes received"
            raise StopDownload(fail=True)

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        if isinstance(exception, StopDownload) and self._OVER in request.meta:
            raise failures.TooLarge(request.meta.pop(self._OVER))


class CappedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, but a body that exceeds the cap while decompressing (a gzip bomb, or a
    large page sent gzipped) ends as `failures.TooLarge`, not as an anonymous IgnoreRequest."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
                cap = request.meta.get("download_maxsize", self._max_size)
                raise failures.TooLarge(
                    f"over the size cap while decompressing: {len(response.body)} bytes compressed, more than "
                    f"{cap} bytes decompressed"
                ) from exc
            raise


class RedirectGuardMiddleware:
    """Checks a 3xx *before* Scrapy's RedirectMiddleware (600) follows it.

    - a target outside the job's hosts: `failures.OffsiteRedirect` (Scrapy's own offsite filter would
      drop the redirected request silently when it is scheduled, with no errback, so no outcome);
    - a target already in this request's redirect chain, or one redirect too many: `failures.RedirectLoop`
      (the redirected request would otherwise be dropped by the dupefilter and look like a duplicate).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        header = response.headers.get(b"Location")
        if response.status not in _REDIRECTS or not header or request.meta.get("dont_redirect"):
            return response
        location = response.urljoin(header.decode("latin-1"))
        job = getattr(self.crawler.spider, "job", None)
        robots_txt = request.meta.get("dont_obey_robotstxt")  # RFC 9309 lets robots.txt redirect
        if not robots_txt and job is not None and not urls.allowed(location, job.hosts):
            raise failures.OffsiteRedirect(f"Filtered offsite redirect to {urls.host(location)!r}")
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if location in chain or _canonical(location) in {_canonical(u) for u in chain}:
            raise failures.RedirectLoop(f"redirect loop: {request.url} -> {location}")
        if len(chain) > self.max_redirects:
            raise failures.RedirectLoop(f"more than {self.max_redirects} redirects, last to {location}")
        return response


def _canonical(url: str) -> str:
    try:
        return urls.canonical_url(url)
    except ValueError:
        return url


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
