"""The one spider: reads a job's sources (feeds, sitemaps, listings), schedules only new article URLs.

Every discovered link ends in one counted outcome here (skipped_*) or later in the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import models, outcomes
from crawler.fetch import discover, failures, sitemaps, urls
from crawler.run import work

if TYPE_CHECKING:
    from crawler.jobs.jobs import Job
    from crawler.run.crawl import RunContext

log = logging.getLogger(__name__)

#: links longer than this are not requested (the limit of browsers and many servers; Scrapy's URLLENGTH_LIMIT)
MAX_URL_LENGTH = 2083


def failure_outcome(failure: Failure) -> tuple[str, str]:
    """Map a download failure to (outcome, detail), by exception type (`crawler.fetch.failures`)."""
    assert failure.value is not None
    return failures.outcome_of(failure.value)


class JobSpider(scrapy.Spider):
    name = "mediamon"

    def __init__(self, *, job: Job, run: RunContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.run = run  # the typed writer (store.writer.Writer), source ids, now, counters
        # Scrapy's offsite filter takes bare host names (it drops entries with a port); our own
        # urls.allowed() check before scheduling also enforces ports
        self.allowed_domains = sorted({h.rsplit(":", 1)[0] if h.count(":") == 1 else h for h in job.hosts})
        self.requested: dict[str, list[str]] = {}  # canonical URL -> raw URL variants seen this run
        self.scheduled = 0

    # --- sources ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.job.sources:
            yield self._source_request(source.url, source)

    def _source_request(self, url: str, source: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_source,
            errback=self.source_failed,
            priority=10,  # discover before fetching articles
            meta={"source": source},
        )

    async def parse_source(self, response: Response) -> AsyncIterator[Any]:
        source = response.meta["source"]
        kind = source.kind
        if kind == "feed":
            found = discover.parse_feed(response.body, response.url, content_type=_content_type(response))
        elif kind == "sitemap":
            found = sitemaps.parse_sitemap(response.body, response.url)
        else:
            # no hosts= here: offsite links are counted as skipped_offsite below, not dropped silently
            found = discover.parse_listing(
                response.body, response.url, patterns=tuple(source.article_patterns), content_type=_content_type(response)
            )
        source_id = self.run.source_ids.get(source.url)
        if found.error and not found.links and not found.sitemaps:
            self.run.count(outcomes.ERROR_SOURCE)
            log.warning(
                "source unusable", extra={"job": self.job.name, "url": response.url, "reason": found.error}
            )
            await self.run.db.call_source_status(source_id, outcomes.ERROR_SOURCE, found.error, response.url)
            return
        if found.error:  # ill-formed, but entries were recovered: counted, and the entries are used
            self.run.count(outcomes.ERROR_SOURCE)
            detail = f"{found.error} ({len(found.links)} entries recovered)"
            log.warning("source partly broken", extra={"job": self.job.name, "url": response.url, "reason": detail})
            await self.run.db.call_source_status(source_id, outcomes.ERROR_SOURCE, detail, response.url)
        else:
            await self.run.db.call_source_status(source_id, "ok", None, None)
        for child in found.sitemaps:
            if len(child) > MAX_URL_LENGTH:
                self._skip(outcomes.SKIPPED_LONG_URL, child)
            elif urls.allowed(child, self.job.hosts):
                yield self._source_request(child, source)
        async for request in self._article_requests(found.links, source, source_id):
            yield request

    def source_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        kind, detail = failure_outcome(failure)
        # one failure, one name: the log line carries the outcome the run counts, and the kind of failure
        self.run.count(outcomes.ERROR_SOURCE)
        log.error(
            "source failed",
            extra={"job": self.job.name, "url": request.url, "outcome": outcomes.ERROR_SOURCE, "kind": kind,
                   "reason": detail},
        )
        source = request.meta["source"]
        self.run.db.submit_source_status(self.run.source_ids.get(source.url), outcomes.ERROR_SOURCE, detail, request.url)

    # --- links -> article requests ---------------------------------------------------------------

    async def _article_requests(
        self, links: tuple[models.Link, ...], source: Any, source_id: int | None
    ) -> AsyncIterator[scrapy.Request]:
        max_age_days = self.job.source_max_age_days(source)
        oldest = self.run.now - timedelta(days=max_age_days)
        fresh: list[tuple[str, models.Link]] = []
        for link in links:
            canonical = urls.canonical_url(link.url)
            if canonical in self.requested:
                if link.url not in self.requested[canonical]:
                    self.requested[canonical].append(link.url)
                continue  # counted once, when first discovered
            self.requested[canonical] = [link.url]
            self.run.count(outcomes.DISCOVERED)
            if not urls.allowed(canonical, self.job.hosts):
                self._skip(outcomes.SKIPPED_OFFSITE, link.url)
                continue
            if len(canonical) > MAX_URL_LENGTH:
                self._skip(outcomes.SKIPPED_LONG_URL, link.url)
                continue
            date = link.published or link.lastmod
            if date is not None and date < oldest:
                self._skip(outcomes.SKIPPED_OLD, link.url)
                continue
            fresh.append((canonical, link))
        known = await self.run.db.known_urls([c for c, _ in fresh])
        held = None
        if self.run.claims is not None:  # scale-out: a URL is requested by one worker only
            budget = max(self.job.limits.max_articles_per_run - self.scheduled, 0)
            held = await self.run.claims.claim([c for c, _ in fresh if c not in known][:budget])
        for canonical, link in fresh:
            if canonical in known:
                self._skip(outcomes.SKIPPED_KNOWN, link.url)
                continue
            if self.scheduled >= self.job.limits.max_articles_per_run:
                self._skip(outcomes.SKIPPED_LIMIT, link.url)
                continue
            if held is not None and canonical not in held:
                self._skip(outcomes.SKIPPED_CLAIMED, link.url)
                continue
            self.scheduled += 1
            yield scrapy.Request(
                canonical,  # tracking parameters stripped, so Scrapy's dupefilter sees one URL per article
                callback=self.parse_article,
                errback=self.article_failed,
                meta={"link": link, "canonical": canonical, "source": source, "source_id": source_id},
            )

    def _skip(self, outcome: str, url: str) -> None:
        self.run.count(outcome)
        # a link too long to request is a site's bug worth seeing; the other skips are routine
        level = logging.WARNING if outcome == outcomes.SKIPPED_LONG_URL else logging.DEBUG
        shown = url if len(url) <= 200 else f"{url[:200]}... ({len(url)} characters)"
        log.log(level, "link skipped", extra={"job": self.job.name, "url": shown, "outcome": outcome})

    # --- articles --------------------------------------------------------------------------------

    def _aliases(self, request_meta: dict[str, Any], response_url: str | None) -> tuple[tuple[str, str], ...]:
        canonical = request_meta["canonical"]
        out: dict[str, str] = {canonical: "fetched"}
        for raw in request_meta.get("redirect_urls", []):
            out.setdefault(urls.canonical_url(raw), "redirect")
        if response_url:
            out.setdefault(urls.canonical_url(response_url), "fetched")
        for known in list(out):
            for raw in self.requested.get(known, []):
                out.setdefault(raw, "discovered")  # raw variants (tracking parameters) as found
        return tuple(out.items())

    def duplicate_filtered(self, request: scrapy.Request) -> None:
        """Scrapy dropped a request for a URL already requested this run: give the link its outcome.

        A redirect that lands there makes the old URL an alias; a direct link to a page that an earlier
        redirect already reached is skipped_seen.
        """
        if "link" not in request.meta:
            return
        if not request.meta.get("redirect_urls"):
            self._skip(outcomes.SKIPPED_SEEN, request.url)
            return
        target = urls.canonical_url(request.url)
        old = request.meta["canonical"]
        if target == old or target in {urls.canonical_url(u) for u in request.meta["redirect_urls"]}:
            # a loop the 3xx guard could not see (e.g. a meta refresh back to itself)
            self.run.pending.append(models.Ended((old,), outcomes.ERROR_REDIRECT, f"redirect loop back to {target}"))
            return
        self.requested.setdefault(target, []).extend(request.meta["redirect_urls"])
        self.run.pending.append(
            models.Ended((old, target), outcomes.DUPLICATE_URL, f"redirects to {target}, already requested")
        )

    def parse_article(self, response: Response) -> Any:
        self.run.count(outcomes.FETCHED)
        link: models.Link = response.meta["link"]
        source = response.meta["source"]
        hints = models.Hints(
            title=link.title,
            published=link.published,
            published_source=link.kind if link.published else None,
            language=link.language or getattr(source, "language", None),
        )
        yield {
            "fetched": work.Fetched(
                body=response.body,
                url=response.url,
                content_type=_content_type(response),
                hints=hints,
                aliases=self._aliases(response.meta, response.url),
                source_id=response.meta.get("source_id"),
                now=self.run.now,
            )
        }

    def article_failed(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        outcome, detail = failure_outcome(failure)
        # DEBUG: the pipeline logs the final outcome of every page once, at WARNING for errors
        log.debug(
            "article not fetched", extra={"job": self.job.name, "url": request.url, "outcome": outcome, "reason": detail}
        )
        aliases = tuple(u for u, _ in self._aliases(request.meta, None))
        yield {"outcome": models.Ended(aliases, outcome, detail)}


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
