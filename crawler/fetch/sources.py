"""Source kinds, declared once (Fundus-style): each kind of discovery source is one class with one interface.

A kind says how to read its document (``read``: bytes -> links, child sitemaps, announced feeds), which date
source its entry dates are (``date_source``, a name of ``crawler.extract.dates.SOURCE_ORDER``), whether it is
polled conditionally (validators and body hash), and which outcomes it can produce. The spider never asks
``if kind == ...``: it looks the kind up here. Adding a kind = one class here + its name in the job model's
``Source.kind`` (``tests/test_sources.py`` keeps the two in step) and in the ``sources.kind`` SQL ``CHECK``.

Pure: bytes in, values out. Dispatches to ``crawler.fetch.discover`` and ``crawler.fetch.sitemaps``, which
both build on ``crawler.fetch.found`` and never on each other.
"""

from __future__ import annotations

from typing import ClassVar

from crawler import outcomes
from crawler.errors import MediamonError
from crawler.fetch import discover, found, sitemaps

#: outcomes every polled document can end in (besides the per-link ones of its kind)
_POLL = frozenset({outcomes.NOT_MODIFIED, outcomes.ERROR_SOURCE})
_LINKS = frozenset(
    {outcomes.DISCOVERED, outcomes.SKIPPED_KNOWN, outcomes.SKIPPED_SEEN, outcomes.SKIPPED_OFFSITE,
     outcomes.SKIPPED_LIMIT, outcomes.REVISITED_UNCHANGED, outcomes.REVISED}
)


class UnknownSourceKind(MediamonError):
    """A source kind no class is registered for (a job model / registry mismatch: a bug, not a user error)."""


class Kind:
    """One kind of discovery source. Subclasses set the class attributes and implement `read`."""

    name: ClassVar[str]
    #: where a link's `published` date comes from, as a dates.SOURCE_ORDER name; None: its links carry no dates
    date_source: ClassVar[str | None] = None
    #: polled with If-None-Match / If-Modified-Since and skipped when its body hash is unchanged
    conditional: ClassVar[bool] = True
    #: every outcome a document of this kind or one of its links can end in
    outcomes: ClassVar[frozenset[outcomes.Outcome]] = _POLL | _LINKS

    def read(self, body: bytes, url: str, *, content_type: str | None = None,
             patterns: tuple[str, ...] = ()) -> found.Discovery:
        raise NotImplementedError

    def child_kind(self, child: str) -> str:
        """Kind of a child document this kind announced (`sitemaps` -> "sitemap", `feeds` -> "feed")."""
        return {"sitemaps": "sitemap", "feeds": "feed"}[child]


KINDS: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    """Class decorator: make a kind known by its `name` (once)."""
    if cls.name in KINDS:
        raise ValueError(f"source kind {cls.name!r} registered twice")
    KINDS[cls.name] = cls()
    return cls


def kind(name: str) -> Kind:
    """The registered kind called `name`."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownSourceKind(f"unknown source kind {name!r} (known: {', '.join(sorted(KINDS))})") from None


@register
class Feed(Kind):
    """RSS 0.9x/1.0/2.0, RDF or Atom: entries with title, published / updated dates and language."""

    name = "feed"
    date_source = "feed"
    outcomes = _POLL | _LINKS | {outcomes.SKIPPED_OLD}

    def read(self, body: bytes, url: str, *, content_type: str | None = None,
             patterns: tuple[str, ...] = ()) -> found.Discovery:
        return discover.parse_feed(body, url, content_type=content_type)


@register
class Sitemap(Kind):
    """A sitemap or sitemap index (plain, gzipped or text); <lastmod> is the entry's change date."""

    name = "sitemap"
    date_source = "sitemap"
    outcomes = _POLL | _LINKS | {outcomes.SKIPPED_OLD}

    def read(self, body: bytes, url: str, *, content_type: str | None = None,
             patterns: tuple[str, ...] = ()) -> found.Discovery:
        return sitemaps.parse_sitemap(body, url)


@register
class NewsSitemap(Sitemap):
    """A Google News sitemap: same reader, news:publication_date is the entry's publication date."""

    name = "news_sitemap"

    def child_kind(self, child: str) -> str:
        return "news_sitemap" if child == "sitemaps" else super().child_kind(child)


@register
class Listing(Kind):
    """A section or "latest" page: links matching the source's article patterns; no dates."""

    name = "listing"
    date_source = None
    outcomes = _POLL | _LINKS | {outcomes.SKIPPED_PATTERN}

    def read(self, body: bytes, url: str, *, content_type: str | None = None,
             patterns: tuple[str, ...] = ()) -> found.Discovery:
        # no hosts= here: offsite links are counted as skipped_offsite by the spider, not dropped silently
        return discover.parse_listing(body, url, patterns=patterns, content_type=content_type)


@register
class Site(Kind):
    """A homepage only: its announced feeds (and its robots.txt Sitemap: lines) become child sources."""

    name = "site"
    date_source = None
    conditional = False  # rediscovered on its own schedule (weekly), then read whole
    outcomes = _POLL

    def read(self, body: bytes, url: str, *, content_type: str | None = None,
             patterns: tuple[str, ...] = ()) -> found.Discovery:
        return discover.parse_homepage(body, url, content_type=content_type)
