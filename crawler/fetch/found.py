"""What discovery documents yield, and the parsing helpers every discovery parser shares.

Pure. ``crawler.fetch.discover`` (feeds, listings, homepages) and ``crawler.fetch.sitemaps`` both build on
this module and never on each other; ``crawler.fetch.sources`` is the one place that dispatches to them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from crawler import langtags, models
from crawler.extract import dates
from crawler.fetch import urls

GZIP_MAGIC = b"\x1f\x8b"
#: how much of a document's start the sniffers read: roots sit after at most an XML declaration,
#: comments and a stylesheet PI
SNIFF_BYTES = 2048

@dataclass(frozen=True)
class Discovery:
    """What one discovery document yielded: article links, child sitemaps and feeds, and why it failed if it did."""

    links: tuple[models.Link, ...]
    sitemaps: tuple[str, ...] = ()
    error: str | None = None
    feeds: tuple[str, ...] = ()  # feeds a homepage announces (<link rel="alternate">)


# --------------------------------------------------------------------------- dates and text

ISO_DATE_RE = re.compile(r"^\d{4}-\d{1,2}(-\d{1,2})?([T ]|$)")
_YEAR_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_UNPADDED_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(\D.*)?$")


def parse_date(text: str | None) -> datetime | None:
    """A W3C/ISO 8601 or RFC 822 date string as a tz-aware datetime; None when absent or impossible.

    The offset the document states is kept ("23:30:00 -0500" stays at -05:00): the publication day is the
    publisher's day, and converting to UTC first would move a late-evening item to the next day. A value
    without an offset is taken as UTC.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    value = _parse_iso(text) if ISO_DATE_RE.match(text) else _parse_rfc822(text)
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _parse_iso(text: str) -> datetime | None:
    """Strict ISO 8601 / W3C datetime (date, date-time, "Z" or offset, fraction); None if invalid."""
    if match := _YEAR_MONTH_RE.match(text):  # W3C allows YYYY-MM: take the first of the month
        text = f"{match[1]}-{match[2]}-01"
    elif match := _UNPADDED_RE.match(text):  # "2024-1-2" is common enough in feeds
        text = f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}{match[4] or ''}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _parse_rfc822(text: str) -> datetime | None:
    """RFC 822/2822 date-time, or a bare "02 Jan 2024" day; None if invalid."""
    try:
        return parsedate_to_datetime(text)  # raises on impossible days/months
    except (TypeError, ValueError, IndexError):
        pass
    # a day in words ("02 Jan 2024", "2 janvier 2024"): the month table of the page-date parser
    match = dates.WORDY_DATE.search(text)
    return dates.wordy_value(match.groups()) if match else None

def looks_rfc822(text: str) -> bool:
    """True when text has the "02 Jan 2024" core of an RFC 822 date."""
    return bool(dates.WORDY_DATE.search(text))


_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


def clean_text(text: str | None) -> str | None:
    """Markup-free, entity-decoded, whitespace-collapsed text; None when empty."""
    if not text:
        return None
    cleaned = _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", text))).strip()
    return cleaned or None


def primary_language(code: str | None) -> str | None:
    """Primary language subtag, lowercased ("es-ES" -> "es"); None when not a language code."""
    return langtags.primary(code)


def dedupe_links(links: list[models.Link]) -> tuple[models.Link, ...]:
    """Links deduplicated by canonical URL, first occurrence kept, order preserved."""
    seen: dict[str, models.Link] = {}
    for link in links:
        seen.setdefault(urls.canonical_url(link.url), link)
    return tuple(seen.values())


