"""Discovery: feed / listing-page / homepage bytes -> candidate article links (or feeds) with their hints.

Pure (bytes in, values out, no network) and never raises on bad input: a broken or unusable
document comes back as ``found.Discovery(links=..., error="reason")``. Sitemaps are parsed in
``crawler.fetch.sitemaps``; both modules build on ``crawler.fetch.found`` (the ``Discovery`` value,
``parse_date`` and the text helpers) and never on each other.

Conventions shared by parse_feed, parse_listing and sitemaps.parse_sitemap:
- ``Link.url`` is the absolute URL as found (not canonicalized, so aliases keep their original
  form); links are deduplicated by ``urls.canonical_url`` keeping the first occurrence.
- Only http(s) links are returned. Offsite filtering of feed and sitemap entries is the caller's
  job (``urls.allowed``); ``parse_listing`` filters when given ``hosts``.
- Dates are tz-aware and keep the offset the document states (its day is the publisher's day); naive
  values are taken as UTC; impossible ones (``2026-46-21``, ``2024-02-30``) become None. Languages
  are reduced to their primary subtag (``es-ES`` -> ``es``).
- ``error`` set with non-empty ``links`` means the document was ill-formed but entries were
  recovered: use the links, log the error as a warning. ``error`` with no links: the source failed.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
from w3lib.encoding import html_to_unicode

from crawler import models
from crawler.extract import dates
from crawler.fetch import found, urls

log = logging.getLogger(__name__)


#: feedparser "bozo" exceptions that do not mean the feed is broken (charset declaration quirks).
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _struct_to_datetime(value: Any) -> datetime | None:
    """feedparser's UTC struct_time as a datetime; None when missing."""
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _entry_date(entry: Any, key: str) -> datetime | None:
    """An entry date: strict parse of the raw string; feedparser's own parse only for formats we don't know.

    feedparser silently normalizes impossible dates (2026-46-21 -> 2026-11-01), so its parsed value
    is used only when neither the strict parser nor the page-date parser reads the raw text.
    """
    # dict.get: FeedParserDict.get("updated") silently falls back to "published" (deprecated mapping).
    raw = dict.get(entry, key)
    if not raw or not isinstance(raw, str):
        return None
    parsed = found.parse_date(raw)
    if parsed is not None or found.ISO_DATE_RE.match(raw.strip()) or found.looks_rfc822(raw):
        return parsed
    # the page-date parser next ("2026/03/02 23:30 -0500"): it keeps the stated offset, and feedparser's
    # UTC struct both drops it and misreads such values (that one comes back as the day of parsing)
    stated = dates.parse_datetime(raw)
    if stated is not None or dates.YMD.search(raw) or dates.DMY.search(raw):  # "2026/02/30 10:00" stays None
        return stated
    return _struct_to_datetime(dict.get(entry, f"{key}_parsed"))


# --------------------------------------------------------------------------- feeds


def parse_feed(body: bytes, url: str, *, content_type: str | None = None) -> found.Discovery:
    """Entries of an RSS 0.9x/1.0/2.0, RDF or Atom 0.3/1.0 feed as links with title/date/language hints."""
    if not body or not body.strip():
        return found.Discovery((), error="empty document")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        # sanitize/resolve flags concern entry content HTML, which discovery does not use.
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser's loose parser can fail in many ways; none may stop the run
        log.warning("feed parser crashed", extra={"url": url, "error": repr(exc)})
        return found.Discovery((), error=f"feed parser failed: {exc!r}")
    error = _bozo_error(parsed)
    if not parsed.get("version") and not parsed.entries:
        return found.Discovery((), error="not a feed (no RSS/Atom/RDF root element)")
    feed_lang = found.primary_language(parsed.feed.get("language"))
    is_atom = str(parsed.get("version", "")).startswith("atom")
    links = [link for entry in parsed.entries if (link := _entry_link(entry, url, feed_lang, is_atom))]
    if error and not links:
        return found.Discovery((), error=error)
    return found.Discovery(found.dedupe_links(links), error=error)


def _bozo_error(parsed: Any) -> str | None:
    """Why feedparser flagged the feed as ill-formed; None when it is fine or the flag is a charset quirk."""
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if isinstance(exc, _BENIGN_BOZO):
        return None
    return f"ill-formed feed: {exc}"


def _entry_link(entry: Any, feed_url: str, feed_lang: str | None, is_atom: bool) -> models.Link | None:
    """One feed entry as a Link; None when it has no http(s) link."""
    href = entry.get("link") or ""
    target = urls.absolute(feed_url, href) if href else None
    if target is None and entry.get("id"):  # RSS guid / Atom id that is itself a URL
        target = urls.absolute(feed_url, entry["id"]) if "://" in entry["id"] else None
    if target is None:
        return None
    published = _entry_date(entry, "published")
    updated = _entry_date(entry, "updated")
    if published is None and not is_atom:
        # In RSS 1.0/RDF and many RSS 2.0 feeds dc:date (which feedparser files as "updated")
        # is the publication date; in Atom "updated" is a revision date, so keep it apart there.
        published = updated
    title_detail = entry.get("title_detail") or {}
    return models.Link(
        url=target,
        source_url=feed_url,
        kind="feed",
        title=found.clean_text(entry.get("title")),
        published=published,
        lastmod=updated,
        language=feed_lang or found.primary_language(title_detail.get("language")),
    )


# --------------------------------------------------------------------------- sitemaps


# --------------------------------------------------------------------------- listing pages

#: Ancestors whose links are site chrome, not articles (cheap check; patterns do the real filtering).
_CHROME_TAGS = frozenset({"nav", "footer"})
_CHROME_ROLES = frozenset({"navigation", "contentinfo", "menu", "menubar"})


def parse_listing(
    body: bytes,
    url: str,
    *,
    patterns: tuple[str, ...] = (),
    hosts: frozenset[str] = frozenset(),
    content_type: str | None = None,
) -> found.Discovery:
    """Article-candidate links of a listing/section page, filtered by allowed hosts and URL patterns."""
    if not body or not body.strip():
        return found.Discovery((), error="empty document")
    try:
        compiled = _compile(patterns)
    except re.error as exc:
        return found.Discovery((), error=f"invalid article pattern: {exc}")
    try:
        _, text = html_to_unicode(content_type, body)
        doc = lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError) as exc:
        return found.Discovery((), error=f"unparsable HTML: {exc}")
    base = _base_href(doc, url)
    page = urls.canonical_url(url)
    anchors: dict[str, list[str | None]] = {}  # canonical -> [url as found, title]
    for anchor in doc.iter("a"):
        target = urls.absolute(base, anchor.get("href") or "")
        if target is None or _in_chrome(anchor):
            continue
        if hosts and not urls.allowed(target, hosts):
            continue
        if compiled and not _matches(target, compiled):
            continue
        key = urls.canonical_url(target)
        if key == page:
            continue
        entry = anchors.setdefault(key, [target, None])
        entry[1] = entry[1] or _anchor_title(anchor)  # image link first, headline link second
    links = tuple(models.Link(url=u or "", source_url=url, kind="listing", title=t) for u, t in anchors.values())
    return found.Discovery(links)


@lru_cache(maxsize=256)
def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Compiled article URL patterns (cached: the same job patterns are used for every listing page)."""
    return tuple(re.compile(p) for p in patterns)


def _matches(target: str, compiled: tuple[re.Pattern[str], ...]) -> bool:
    """True when the URL's path (+ "?query") matches any pattern (re.search)."""
    parts = urlsplit(target)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return any(p.search(path) for p in compiled)


def _base_href(doc: Any, url: str) -> str:
    """The document's <base href> resolved against its URL, else the URL."""
    for base in doc.iter("base"):
        if href := base.get("href"):
            return urls.absolute(url, href) or url
    return url


def _in_chrome(anchor: Any) -> bool:
    """True when the link sits inside navigation or a footer."""
    for parent in anchor.iterancestors():
        if parent.tag in _CHROME_TAGS or (parent.get("role") or "").lower() in _CHROME_ROLES:
            return True
    return False


def _anchor_title(anchor: Any) -> str | None:
    """Title hint of a link: its text, else its title attribute, else an image's alt text."""
    text = found.clean_text(anchor.text_content()) or found.clean_text(anchor.get("title"))
    if text:
        return text
    image = next(anchor.iter("img"), None)
    return found.clean_text(image.get("alt")) if image is not None else None


# --------------------------------------------------------------------------- sniffing


def looks_like_feed(body: bytes) -> bool:
    """True when the document's start has an RSS, Atom or RDF root element."""
    head = body[:found.SNIFF_BYTES].lower()
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel"))


def looks_like_sitemap(body: bytes) -> bool:
    """True for a gzip body or a document whose start has a <urlset> or <sitemapindex> element."""
    head = body[:found.SNIFF_BYTES].lower()
    return body[:2] == found.GZIP_MAGIC or b"<urlset" in head or b"<sitemapindex" in head


# --------------------------------------------------------------------------- homepages (the `site` kind)

#: MIME types of <link rel="alternate"> that announce a feed (RSS, Atom, RDF)
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml"})
_ROBOTS_SITEMAP_RE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def parse_homepage(body: bytes, url: str, *, content_type: str | None = None) -> found.Discovery:
    """The feeds a homepage announces with ``<link rel="alternate" type="application/rss+xml" href=...>``."""
    if not body or not body.strip():
        return found.Discovery((), error="empty document")
    try:
        _, text = html_to_unicode(content_type, body)
        doc = lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError) as exc:
        return found.Discovery((), error=f"unparsable HTML: {exc}")
    base = _base_href(doc, url)
    feeds: dict[str, str] = {}
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and (target := urls.absolute(base, link.get("href") or "")):
            feeds.setdefault(urls.canonical_url(target), target)
    if not feeds:
        return found.Discovery((), error="no feed announced (<link rel=\"alternate\"> of an RSS/Atom type)")
    return found.Discovery((), feeds=tuple(feeds.values()))


def robots_sitemaps(body: bytes, url: str) -> tuple[str, ...]:
    """The absolute http(s) URLs of a robots.txt's ``Sitemap:`` lines, in order, without repeats."""
    text = body.decode("utf-8", errors="replace")
    seen: dict[str, str] = {}
    for raw in _ROBOTS_SITEMAP_RE.findall(text):
        if target := urls.absolute(url, raw):
            seen.setdefault(urls.canonical_url(target), target)
    return tuple(seen.values())
