"""Frozen description of every fixture page, so tests assert exact rows without repeating them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ArticleSpec:
    """An article page and what a correct crawl of the fixture job does with it."""

    key: str
    site: str  # "a" | "b" | "bench"
    path: str
    url: str  # base URL + path: the clean URL the site links to (or would)
    canonical_url: str  # rel=canonical / og:url on the page
    title: str
    language: str  # ISO 639-1
    author: str
    published_at: datetime  # tz-aware, whole minutes; the true publication date
    date_source: str  # where the pipeline should take it from: "jsonld" | "meta" | "feed" | "sitemap"
    topics: tuple[str, ...]  # topic names that must match; () = off topic
    expected: str  # outcome name from crawler.outcomes for this article in a first run
    traps: tuple[str, ...]  # which traps this article carries (see TRAPS in catalog.py)
    links: tuple[str, ...]  # where it is linked: "rss", "atom", "news-sitemap", "old-sitemap", "listing", "b-feed"
    aliases: tuple[str, ...] = ()  # other URLs that lead to it (tracking-param variants, redirecting old paths)
    duplicate_of: str | None = None  # key of the article whose identical text this page republishes
    text: str = ""  # the body paragraphs joined by blank lines (what extraction should keep)


@dataclass(frozen=True)
class TrapSpec:
    """A linked URL that is not a storable article, and the outcome a correct crawl gives it."""

    key: str
    site: str  # "a" | "b" | "offsite"
    url: str
    status: int  # HTTP status the server answers (before any redirect)
    expected: str  # outcome name from crawler.outcomes
    linked_from: tuple[str, ...]  # "rss", "atom", "listing", "broken-rss", "sitemap-index", "job"
    note: str


@dataclass(frozen=True)
class Manifest:
    """Every article and trap the fixture sites serve, relative to one `now`."""

    now: datetime
    articles: tuple[ArticleSpec, ...]
    traps: tuple[TrapSpec, ...]
    bench: tuple[ArticleSpec, ...] = ()

    def article(self, key: str) -> ArticleSpec:
        """The article with this key (KeyError when unknown)."""
        for spec in self.articles + self.bench:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def trap(self, key: str) -> TrapSpec:
        """The trap with this key (KeyError when unknown)."""
        for spec in self.traps:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def expecting(self, outcome: str) -> tuple[ArticleSpec, ...]:
        """Articles whose expected first-run outcome is `outcome` (e.g. outcomes.STORED)."""
        return tuple(a for a in self.articles if a.expected == outcome)

    def on_topic(self, topic: str) -> tuple[ArticleSpec, ...]:
        """Articles expected to be stored with this topic."""
        return tuple(a for a in self.articles if topic in a.topics and a.expected == "stored")
