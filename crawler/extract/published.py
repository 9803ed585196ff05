"""The date stage: one entry point, `choose`, that turns a parsed page into its publication date (pure).

The rule, in order: the best-ranked date the page states (`dates.SOURCE_ORDER`: JSON-LD, meta, labelled text,
<time>, URL, the discovery hint), with labelled text scanned only when no better source answered; conflicts
inside the page's metadata settled by what it prints for readers (`bylines.prefer_printed`), and against the
URL's day when the page states that day twice; a UTC time takes the offset of the wall clock the byline prints;
when the page states nothing usable, the date printed in the headline's byline, then htmldate's guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from crawler import models
from crawler.extract import bylines, dates, page

if TYPE_CHECKING:
    from lxml.html import HtmlElement


#: the default: discovery told nothing about the page
NO_HINTS = models.Hints()

@dataclass(frozen=True)
class DateChoice:
    """The chosen publication date, its source, the modification date and the stated dates refused."""

    published: datetime | None
    source: str | None
    modified: datetime | None = None
    problems: tuple[str, ...] = ()

    @property
    def stated(self) -> bool:
        """The date is one the page (or its discovery hint) states, not a fallback guess from its layout."""
        return self.published is not None and self.source not in dates.FALLBACK_SOURCES


def choose(
    tree: HtmlElement, url: str, data: page.PageData, *, hints: models.Hints = NO_HINTS,
    now: datetime,
) -> DateChoice:
    """The publication date of a parsed page (articles or not), by the rule in the module docstring."""
    candidates = dates.date_candidates(
        tree, url, jsonld=data.jsonld, meta=data.meta, hints=hints, include_text=False,
        canonical_url=page.canonical_url(tree, data, url),
    )
    published, source = dates.choose_published_at(candidates, now)
    if source is None or dates.SOURCE_ORDER.index(source) > dates.SOURCE_ORDER.index("text"):
        # scanning the visible text for labelled dates is slow: only when no better-ranked source answered
        published, source = dates.choose_published_at([*candidates, *dates.text_candidates(tree)], now)
    published, source = bylines.prefer_printed((published, source), candidates, tree, now)
    published, source = _url_settles((published, source), candidates, tree, now)
    if source not in dates.FALLBACK_SOURCES:
        published = _printed_offset(published, tree)
    if published is None:
        published, source = _fallback(tree, url, now)
    modified = dates.choose_modified_at(candidates, now)
    return DateChoice(published, source, modified, dates.rejected_dates(candidates, now))


def _url_settles(
    chosen: tuple[datetime | None, str | None], candidates: list[dates.Candidate], tree: HtmlElement, now: datetime,
) -> tuple[datetime | None, str | None]:
    """Metadata vs the URL's day more than a day apart: the URL wins when the page also states its day elsewhere.

    The path is written once, when the article is first published; metadata is re-stamped by CMS updates and
    templates. Two statements of one day (the URL and a printed or another stated date) beat one.
    """
    value, source = chosen
    if value is None or source not in ("jsonld", "meta"):
        return chosen
    url = next((c for c in candidates if c.source == "url" and dates.is_plausible(c.value, now)), None)
    if url is None or url.value is None or abs((url.value.date() - value.date()).days) <= 1:
        return chosen
    day = url.value.date()
    stated = any(
        c.source not in ("url", source) and c.value is not None and c.value.date() == day for c in candidates
    )
    if stated or day in bylines.printed_days(tree):
        return url.value, "url"
    return chosen


def _printed_offset(value: datetime | None, tree: HtmlElement) -> datetime | None:
    """A time stated in UTC, shown in the byline as the publisher's wall clock: the difference is the offset.

    "2026-03-03T04:30:00Z" in the metadata and "March 2, 2026 11:30 PM" under the headline is the
    publisher's March 2nd at -05:00, not UTC's March 3rd.
    """
    # a bare day (midnight) is no instant; a stated non-zero offset is already the publisher's
    if value is None or value.utcoffset() != timedelta(0) or value.timetz().replace(tzinfo=None) == time(0):
        return value
    local = bylines.printed_local_time(tree)
    if local is None:
        return value
    delta = local - value.astimezone(UTC).replace(tzinfo=None)
    # a real UTC offset: non-zero, at most 14 hours, a whole number of quarter hours (so the minutes agree: a
    # modification time printed in the byline almost never does)
    if delta and abs(delta) <= timedelta(hours=14) and delta % timedelta(minutes=15) == timedelta(0):
        return value.astimezone(timezone(delta))
    return value


def _fallback(tree: HtmlElement, url: str, now: datetime) -> tuple[datetime | None, str | None]:
    """When the page states no usable date: htmldate, overruled by a date printed in the headline's byline."""
    extra = dates.htmldate_candidate(tree, url, now)
    guess = dates.choose_published_at([extra] if extra else [], now)
    # htmldate pads a bare year or month to the 1st ("2020" -> 2020-01-01): a 1st the page never states is a guess
    if guess[0] is not None and guess[0].day == 1 and not _states_day(tree, url, guess[0].date()):
        guess = (None, None)
    byline = dates.choose_published_at(bylines.headline_candidates(tree), now)
    # htmldate scores dates all over the page; the byline is what readers see as the article's date
    if byline[0] is not None and (guess[0] is None or byline[0].date() != guess[0].date()):
        return byline
    return guess


def _states_day(tree: HtmlElement, url: str, day: date) -> bool:
    """The page states this full day: printed in its text, or as an ISO date in its URL, markup or scripts."""
    iso = day.isoformat()
    if iso in url or day.strftime("/%Y/%m/%d/") in url:
        return True
    if tree.xpath("boolean(//@*[contains(., $iso)] | //text()[contains(., $iso)])", iso=iso):
        return True
    return day in bylines.printed_days(tree)
