"""Frozen value objects that cross stage boundaries (discover -> fetch -> extract -> topics -> dedup -> store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotation only: models stays free of numpy at import time
    from crawler.store.dedup import Signature


@dataclass(frozen=True)
class Link:
    """A candidate article URL found by a discovery source, with the hints that source gave."""

    url: str
    source_url: str  # the feed / sitemap / listing page it was found on
    kind: str  # how it was found: "feed" | "sitemap" | "listing" (a parser), "revisit" | "retry" (the spider)
    title: str | None = None
    published: datetime | None = None  # feed entry date or news:publication_date (tz-aware)
    lastmod: datetime | None = None  # sitemap <lastmod> / feed "updated"
    language: str | None = None


@dataclass(frozen=True)
class Hints:
    """What discovery told us about a page before we fetched it; passed to extraction."""

    title: str | None = None
    published: datetime | None = None
    published_source: str | None = None  # the source kind's date_source (crawler.fetch.sources): "feed" | "sitemap"
    language: str | None = None  # language declared by the source / job


@dataclass(frozen=True)
class Article:
    """A page that extraction accepted as an article."""

    url: str  # the URL the page was fetched from (after redirects)
    canonical_url: str | None  # rel=canonical / og:url as found on the page (not yet validated)
    title: str
    text: str
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None  # tz-aware
    date_source: str | None = None  # one of crawler.extract.dates.SOURCE_ORDER (SQL: mm_date_sources())
    modified_at: datetime | None = None
    language: str | None = None  # ISO 639-1
    site_name: str | None = None
    description: str | None = None
    image: str | None = None
    date_problems: tuple[str, ...] = ()  # stated dates that were refused (impossible, in the future)


@dataclass(frozen=True)
class Rejected:
    """A page that did not become an article. `reason` is an outcome name (see crawler.outcomes)."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class TopicMatch:
    """One topic that matched an article."""

    topic: str
    terms: tuple[str, ...]
    score: float = 1.0
    where: tuple[str, ...] = field(default_factory=tuple)  # "title" | "lead" | "body"


@dataclass(frozen=True)
class Page:
    """An accepted article ready for the store: extraction + topics + dedup keys, and every URL it answered to."""

    article: Article
    canonical_url: str  # the article's identity (crawler.fetch.urls.choose_canonical)
    urls: tuple[tuple[str, str], ...]  # (canonicalised url, via): fetched / redirect / discovered
    content_hash: str
    topics: tuple[TopicMatch, ...]
    signature: Signature | None = None  # near-duplicate keys
    source_id: int | None = None


@dataclass(frozen=True)
class Ended:
    """A URL that ended without becoming a stored article (off topic, not an article, error...)."""

    urls: tuple[str, ...]  # canonicalised; first is the requested URL
    outcome: str
    detail: str = ""
