"""The hand-written content of one fixture article and where the site places it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Story:
    """One fixture article: its text, its URL path and which feeds/sitemaps/listing link to it.

    ``date_in_html`` says which dates the page itself carries:
    "both" (JSON-LD datePublished + meta article:published_time), "jsonld", "meta",
    "bad-meta" (meta with an impossible month 46 + a valid JSON-LD date) or "none"
    (the only date is the feed's or the sitemap's).
    ``links`` names where the article is linked: "rss", "atom", "news-sitemap",
    "old-sitemap" (the gzipped child sitemap), "listing", "b-feed" (site B's feed).
    """

    key: str
    site: str  # "a" | "b"
    lang: str  # ISO 639-1
    path: str
    section: str
    title: str
    dek: str
    author: str
    hours_ago: float  # published this long before the server's `now`
    topics: tuple[str, ...]  # () = off topic
    paragraphs: tuple[str, ...]
    links: tuple[str, ...]
    date_in_html: str = "both"
    traps: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()  # (commenter, text)
    og_type_article: bool = True  # some pages omit og:type=article on purpose
