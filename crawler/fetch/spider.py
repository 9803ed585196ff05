"""The one spider: polls a job's due documents (conditionally), schedules new article URLs and changed known ones.

Every discovered link ends in one counted outcome here (skipped_*) or later in the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import models, outcomes
from crawler.fetch import conditional, discover, docstate, failures, polling, revisit, sources, urls
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


@dataclass(frozen=True)
class Doc:
    """A document polled in this run: a declared source, or a sitemap / feed one announced."""

    url: str
    kind: str  # a crawler.fetch.sources kind name
    source: Any  # the job's declared Source it belongs to (language, patterns, max age)
    id: int | None  # its sources row
    state: docstate.Document | None = None  # what earlier polls left; None when polled for the first time
    root_id: int | None = None  # the declared source's row (children are recorded under it); None: itself


class JobSpider(scrapy.Spider):
    name = "mediamon"

    def __init__(self, *, job: Job, run: RunContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.run = run  # RunContext: the typed writer (store.writer.Writer), documents, revisits, now, counters
        # Scrapy's offsite filter takes bare host names (it drops entries with a port); our own
        # urls.allowed() check before scheduling also enforces ports
        self.allowed_domains = sorted({h.rsplit(":", 1)[0] if h.count(":") == 1 else h for h in job.hosts})
        self.requested: dict[str, list[str]] = {}  # canonical URL -> raw URL variants seen this run
        self.polled: set[str] = set()  # canonical URLs of documents requested this run
        self.scheduled = 0
        # hosts whose validators were caught lying (earlier runs or this one): polled by body hash alone
        self.untrusted: set[str] = set(run.untrusted_hosts)
        self.bounds = polling.Bounds(min_interval=job.monitor.min_interval, max_interval=job.monitor.max_interval)

    # --- documents (sources) ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for doc in self.run.documents:
            request = self._doc_request(doc)
            if request is not None:
                yield request
        for page in self.run.revisits:  # young articles whose revisit time has come
            yield self._revisit_request(page, None, None)
        for url in self.run.retries:  # failed fetches of earlier runs, whether or not a feed still lists them
            if url not in self.requested and urls.allowed(url, self.job.hosts):
                self.requested[url] = [url]
                yield self._article_request(url, models.Link(url=url, source_url=url, kind="retry"), None)

    def _doc_request(self, doc: Doc) -> scrapy.Request | None:
        key = urls.canonical_url(doc.url)
        if key in self.polled:
            return None
        self.polled.add(key)
        state = doc.state
        headers: dict[str, str] = {}
        audited = True
        if state is not None and sources.kind(doc.kind).conditional and self.job.monitor.conditional:
            audit = conditional.should_audit(state.polls_since_audit, self.job.monitor.validator_audit_every)
            trusted = urls.host(doc.url) not in self.untrusted and not audit
            headers = conditional.request_headers(state.validators, trusted=trusted)
            audited = not headers
        return scrapy.Request(
            doc.url,
            headers=headers,
            callback=self.parse_source,
            errback=self.source_failed,
            priority=10,  # discover before fetching articles
            dont_filter=True,
            meta={"doc": doc, "audited": audited, "handle_httpstatus_list": [304]},
        )

    async def parse_source(self, response: Response) -> AsyncIterator[Any]:
        doc: Doc = response.meta["doc"]
        kind = sources.kind(doc.kind)
        got = _validators(response)
        if response.status == 304:
            self.run.count(outcomes.NOT_MODIFIED)
            stored = doc.state.validators if doc.state else got
            await self._polled(doc, stored, doc.state.body_hash if doc.state else None, False, new=0,
                               error=_still_broken(doc))
            return
        digest = conditional.body_hash(response.body)
        state = doc.state
        if state is not None:
            await self._judge_host(doc, got, digest, audited=response.meta.get("audited", True))
            if kind.conditional and self.job.monitor.conditional and state.body_hash == digest:
                self.run.count(outcomes.NOT_MODIFIED)  # same bytes: nothing new to parse
                await self._polled(doc, got, digest, response.meta.get("audited", True), new=0,
                                   error=_still_broken(doc))
                return
        found = kind.read(response.body, response.url, content_type=_content_type(response),
                          patterns=tuple(doc.source.article_patterns))
        if doc.kind == "site":
            async for request in self._site_children(doc, found, response):
                yield request
            return
        if found.error and not found.links and not found.sitemaps:
            self.run.count(outcomes.ERROR_SOURCE)
            log.warning("source unusable", extra={"job": self.job.name, "url": response.url, "reason": found.error})
            await self._polled(doc, got, None, True, new=0, ok=False, error=found.error)
            return
        error = None
        if found.error:  # ill-formed, but entries were recovered: counted, and the entries are used
            self.run.count(outcomes.ERROR_SOURCE)
            error = f"{found.error} ({len(found.links)} entries recovered)"
            log.warning("source partly broken", extra={"job": self.job.name, "url": response.url, "reason": error})
        for child in found.sitemaps:
            child_request = await self._child_request(doc, child, kind.child_kind("sitemaps"))
            if child_request is not None:
                yield child_request
        requests, new, complete = await self._article_requests(found.links, doc)
        for request in requests:
            yield request
        # an over-limit poll keeps no hash, so that the next run reads the document again for the rest
        await self._polled(doc, got, digest if complete else None, response.meta.get("audited", True), new=new,
                           error=error, span=_span_hours(found.links, self.run.now))

    async def _site_children(self, doc: Doc, found: Any, response: Response) -> AsyncIterator[scrapy.Request]:
        """A homepage: its announced feeds become child sources, and its robots.txt is read for sitemaps."""
        for feed in found.feeds:
            request = await self._child_request(doc, feed, "feed")
            if request is not None:
                yield request
        robots = urls.absolute(response.url, "/robots.txt")
        if robots is not None:
            yield scrapy.Request(robots, callback=self.parse_robots, errback=self.source_failed, priority=10,
                                 dont_filter=True,
                                 # no robots.txt is no Sitemap: line, not a failed site
                                 meta={"doc": doc, "feeds": len(found.feeds), "handle_httpstatus_list": [404, 410]})

    async def parse_robots(self, response: Response) -> AsyncIterator[Any]:
        doc: Doc = response.meta["doc"]
        found_sitemaps = discover.robots_sitemaps(response.body, response.url) if response.status == 200 else ()
        for sitemap in found_sitemaps:
            request = await self._child_request(doc, sitemap, "sitemap")
            if request is not None:
                yield request
        found_any = response.meta["feeds"] + len(found_sitemaps)
        error = None if found_any else "no feed on the homepage and no Sitemap: line in robots.txt"
        if error:
            self.run.count(outcomes.ERROR_SOURCE)
            log.warning("site without feeds or sitemaps", extra={"job": self.job.name, "url": doc.url})
        log.info("site discovered", extra={"job": self.job.name, "url": doc.url, "feeds": response.meta["feeds"],
                                           "sitemaps": len(found_sitemaps)})
        await self._polled(doc, conditional.Validators(), None, True, new=0, ok=not error, error=error)

    async def _child_request(self, parent: Doc, url: str, kind: str) -> scrapy.Request | None:
        """A sitemap or feed a document announced: registered as a source of its own and polled now unless
        it is already known (then it is polled on its own schedule)."""
        if len(url) > MAX_URL_LENGTH:
            self._skip(outcomes.SKIPPED_LONG_URL, url)
            return None
        if not urls.allowed(url, self.job.hosts) or url in self.run.known_documents:
            return None
        root_id = parent.root_id or parent.id
        assert root_id is not None
        child_id = await self.run.db.add_child(root_id, url, kind)
        self.run.known_documents.add(url)
        return self._doc_request(Doc(url, kind, parent.source, child_id, root_id=root_id))

    async def _judge_host(self, doc: Doc, got: conditional.Validators, digest: str, *, audited: bool) -> None:
        state = doc.state
        assert state is not None
        verdict = conditional.judge(state.validators, state.body_hash, got, digest, audited=audited)
        host = urls.host(doc.url)
        if verdict is None or host in self.untrusted:
            return
        self.untrusted.add(host)
        detail = (f"{verdict}: validators {state.validators} -> {got}, body "
                  f"{'unchanged' if digest == state.body_hash else 'changed'}")
        log.warning("dishonest validators: polling by body hash", extra={"job": self.job.name, "url": doc.url,
                                                                          "host": host, "reason": detail})
        await self.run.db.set_host_verdict(host, verdict, detail, doc.url)

    async def _polled(self, doc: Doc, validators: conditional.Validators, digest: str | None, audited: bool, *,
                      new: int, ok: bool = True, error: str | None = None, span: float | None = None) -> None:
        """Write what this poll showed: validators, hash, and the document's next poll time."""
        if doc.id is None:
            return
        before = doc.state.poll if doc.state else polling.PollState()
        now = self.run.now
        if doc.kind == "site":  # rediscovered on its own rhythm, not by rate
            state = polling.PollState(last_polled_at=now, next_poll_at=now + self.job.monitor.rediscover)
        else:
            state = polling.observe(before, now=now, new_items=new, ok=ok, bounds=self.bounds, span_hours=span)
        if not ok and doc.state is not None:  # a failed poll keeps what the last good one knew
            validators, digest = doc.state.validators, doc.state.body_hash
        status = outcomes.ERROR_SOURCE if error else "ok"
        self.run.db.note_source(doc.root_id or doc.id, status)  # the run's status: sources read or not
        poll = docstate.Poll(validators, digest, audited, state, status, error)
        if ok:  # saved when the run completes: a run that stops early leaves the next one reading it again
            self.run.db.hold_poll(doc.id, poll)
        else:  # keeps the last good poll's validators: written now, for the error streak's backoff
            await self.run.db.record_poll(doc.id, poll)
        if error:
            await self.run.db.call_source_status(None, outcomes.ERROR_SOURCE, error, doc.url)

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
        doc: Doc = request.meta["doc"]
        self.run.db.note_source(doc.root_id or doc.id, outcomes.ERROR_SOURCE)
        self.run.db.submit_source_status(None, outcomes.ERROR_SOURCE, detail, request.url)
        if doc.id is not None:
            before = doc.state.poll if doc.state else polling.PollState()
            state = polling.observe(before, now=self.run.now, new_items=0, ok=False, bounds=self.bounds)
            old = doc.state
            poll = docstate.Poll(old.validators if old else conditional.Validators(), old.body_hash if old else None,
                                False, state, outcomes.ERROR_SOURCE, detail)
            self.run.db.submit_record_poll(doc.id, poll)

    # --- links -> article requests ---------------------------------------------------------------

    async def _article_requests(
        self, links: tuple[models.Link, ...], doc: Doc
    ) -> tuple[list[scrapy.Request], int, bool]:
        """Requests for the new links (and known ones that changed); how many were new; False if over limit."""
        source = doc.source
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
        known = await self.run.db.known_pages([c for c, _ in fresh])
        held = None
        if self.run.claims is not None:  # scale-out: a URL is requested by one worker only
            budget = max(self.job.limits.max_articles_per_run - self.scheduled, 0)
            held = await self.run.claims.claim([c for c, _ in fresh if c not in known][:budget])
        requests: list[scrapy.Request] = []
        new, complete = 0, True
        for canonical, link in fresh:
            page = known.get(canonical)
            if page is not None:
                if page.article_id is not None and revisit.changed_since(page, link):
                    requests.append(self._revisit_request(page, link, doc))
                else:
                    self._skip(outcomes.SKIPPED_KNOWN, link.url)
                continue
            new += 1
            if self.scheduled >= self.job.limits.max_articles_per_run:
                self._skip(outcomes.SKIPPED_LIMIT, link.url)
                complete = False
                continue
            if held is not None and canonical not in held:
                self._skip(outcomes.SKIPPED_CLAIMED, link.url)
                continue
            self.scheduled += 1
            requests.append(self._article_request(canonical, link, doc))
        return requests, new, complete

    def _source_id(self, doc: Doc | None) -> int | None:
        """Articles belong to the declared source (source_stats counts per declared source)."""
        if doc is None:
            return None
        source_id: int | None = self.run.document_ids.get(doc.source.url, doc.id)
        return source_id

    def _article_request(self, canonical: str, link: models.Link, doc: Doc | None) -> scrapy.Request:
        return scrapy.Request(
            canonical,  # tracking parameters stripped, so Scrapy's dupefilter sees one URL per article
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"link": link, "canonical": canonical, "doc": doc, "source_id": self._source_id(doc)},
        )

    def _revisit_request(self, page: docstate.KnownPage, link: models.Link | None, doc: Doc | None) -> scrapy.Request:
        """A known article fetched again, conditionally with its own validators."""
        self.requested.setdefault(page.url, [page.url])
        trusted = urls.host(page.url) not in self.untrusted
        link = link or models.Link(url=page.url, source_url=page.url, kind="revisit")
        return scrapy.Request(
            page.url,
            headers=conditional.request_headers(page.validators, trusted=trusted),
            callback=self.parse_article,
            errback=self.article_failed,
            dont_filter=True,
            meta={"link": link, "canonical": page.url, "doc": doc, "source_id": self._source_id(doc),
                  "revisit": page.article_id, "handle_httpstatus_list": [304]},
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
        link: models.Link = response.meta["link"]
        canonical = response.meta["canonical"]
        hint = revisit.hint_date(link)
        self.run.db.submit_record_check(canonical, _validators(response), hint, self.run.now)
        if response.status == 304:  # only a revisit sends validators: the article is as stored
            yield {"outcome": models.Ended((canonical,), outcomes.REVISITED_UNCHANGED, "304 not modified")}
            return
        self.run.count(outcomes.FETCHED)
        doc: Doc | None = response.meta.get("doc")
        kind = sources.kind(doc.kind) if doc is not None else None
        date_source = kind.date_source if kind is not None else None
        hints = models.Hints(
            title=link.title,
            published=link.published if date_source else None,
            published_source=date_source if link.published else None,
            language=link.language or (doc.source.language if doc is not None else None),
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
            ),
            "revisit": response.meta.get("revisit") is not None,
        }

    def article_failed(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        outcome, detail = failure_outcome(failure)
        # DEBUG: the pipeline logs the final outcome of every page once, at WARNING for errors
        log.debug("article not fetched",
                  extra={"job": self.job.name, "url": request.url, "outcome": outcome, "reason": detail})
        aliases = tuple(u for u, _ in self._aliases(request.meta, None))
        yield {"outcome": models.Ended(aliases, outcome, detail)}


def _still_broken(doc: Doc) -> str | None:
    """An unchanged document that was ill-formed last time is still ill-formed (the run counts it broken)."""
    state = doc.state
    return state.last_error if state is not None and state.last_status == outcomes.ERROR_SOURCE else None


def _span_hours(links: tuple[models.Link, ...], now: datetime) -> float | None:
    """Hours from a document's oldest dated entry to now: a first poll's backlog read as a rate."""
    dated = [d for link in links if (d := revisit.hint_date(link)) is not None]
    return (now - min(dated)).total_seconds() / 3600.0 if dated else None


def _validators(response: Response) -> conditional.Validators:
    etag = response.headers.get(b"ETag")
    modified = response.headers.get(b"Last-Modified")
    return conditional.Validators(etag.decode("latin-1") if etag else None,
                                  modified.decode("latin-1") if modified else None)


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
