"""Dates printed for readers: the byline next to the headline, and the days a page shows in its text (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from lxml.html import HtmlElement

from crawler.extract import dates, page

# a byline sits right above or below the headline: the nearest text nodes, a few hundred characters at most
_HEADLINE_NODES_BEFORE, _HEADLINE_NODES_AFTER, _HEADLINE_CHARS = 8, 30, 300
# a text node this long is a sentence of the body, not a byline
_PROSE_CHARS = 80
_INLINE_TAGS = frozenset(["a", "span", "b", "strong", "i", "em", "u", "small", "abbr", "time", "font", "sup", "sub",
                          "mark", "cite", "q", "label"])
# dates printed with a two-digit year (10.12.19) are trusted only in the byline next to the headline
_DMY_SHORT = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d.])")
_VISIBLE = page.VISIBLE
# a time of day printed with the byline's date: "11:30 PM", "23:30", "23h30" (within a few characters of it)
_CLOCK_CORE = r"(?<![\d:])(?P<h>[01]?\d|2[0-3])(?::|h)(?P<m>[0-5]\d)(?![\d:])\s*(?P<ampm>[ap]\.?m\b\.?)?"
_CLOCK = re.compile(rf"[\s,|·-]{{0,6}}(?:(?:um|at|à|a las|alle|às|om|kl\.?|в)\s+)?{_CLOCK_CORE}", re.I)
_CLOCK_BEFORE = re.compile(rf"{_CLOCK_CORE}(?:\s*uhr)?[\s,|·-]{{0,6}}$", re.I)
# an update or an edition day this close to the published instant is the same news cycle, not a re-publication
# (a re-published or refreshed article printing its new day is days to years newer than its first version)
_NEWS_CYCLE = timedelta(hours=12)
# an <h1> naming the page title has at least this many characters (a logo <h1> reads "News" at most)
_TITLE_MATCH_CHARS = 12


def headline_candidates(tree: HtmlElement) -> list[dates.Candidate]:
    """The first date printed next to the article's headline (its byline): what readers see as the date."""
    for head in _headlines(tree):
        after = head.xpath(f"following::text(){_VISIBLE}[normalize-space()][position() <= {_HEADLINE_NODES_AFTER}]")
        before = head.xpath(f"preceding::text(){_VISIBLE}[normalize-space()][position() <= {_HEADLINE_NODES_BEFORE}]")
        for nodes in (after, before):  # preceding:: lists the nearest node first
            window = _byline_window(nodes)
            value = _first_printed_date(window)
            if value is not None:
                return [dates.Candidate("headline", window, value)]
    return []


def _headlines(tree: HtmlElement) -> list[HtmlElement]:
    """<h1> elements that may be the headline, best first: the one repeating the page title, then the first
    one with words in <article>/<main>, then the first on the page (many sites put their logo in an <h1>)."""
    heads = [(h, _squash(h.text_content())) for h in tree.xpath("//h1")]
    heads = [(h, words) for h, words in heads if words]
    title = _squash(" ".join(tree.xpath("//head/title//text() | //head/meta[@property='og:title']/@content"))).lower()
    # the longest: a logo <h1> can repeat the site name that the title also carries
    named = max((pair for pair in heads if len(pair[1]) >= _TITLE_MATCH_CHARS and pair[1].lower() in title),
                key=lambda pair: len(pair[1]), default=None)
    scoped = next((h for h, _ in heads if h.xpath("ancestor::article or ancestor::main")), None)
    ranked: list[HtmlElement] = []
    for head in (named and named[0], scoped, heads[0][0] if heads else None):
        if head is not None and head not in ranked:
            ranked.append(head)
    return ranked


def _byline_window(nodes: Sequence[Any]) -> str:
    """Short text blocks next to the headline, up to the first sentence-length block (where the body starts)."""
    kept: list[str] = []
    for group in _blocks(nodes):
        # a byline is short; a date inside running prose is an event the article talks about
        if len(group) >= _PROSE_CHARS or sum(map(len, kept)) > _HEADLINE_CHARS:
            break
        if group:
            kept.append(group)
    return " | ".join(kept)


def _blocks(nodes: Sequence[Any]) -> Iterable[str]:
    """Consecutive text nodes joined per enclosing block element (inline links and spans do not split a sentence)."""
    current, parts = None, list[str]()
    for node in nodes:
        block = _block_of(node)
        if block is not current and parts:
            yield _squash(" ".join(parts))
            parts = []
        current = block
        parts.append(str(node))
    if parts:
        yield _squash(" ".join(parts))


def _block_of(node: Any) -> Any:
    element = node.getparent() if hasattr(node, "getparent") else None
    while element is not None and element.tag in _INLINE_TAGS:
        element = element.getparent()
    return element


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _first_printed_date(text: str) -> datetime | None:
    """The earliest full date printed in the text, in any of the reader-facing formats."""
    match = _first_date_match(text)
    return _match_value(match) if match else None


def _first_date_match(text: str) -> re.Match[str] | None:
    matches = [m for m in (p.search(text) for p in (dates.YMD, dates.DMY, dates.WORDY_DATE, _DMY_SHORT)) if m]
    return min(matches, key=lambda m: m.start()) if matches else None


def printed_local_time(tree: HtmlElement) -> datetime | None:
    """The date and clock time the byline next to the headline prints, naive: the publisher's wall clock.

    "March 2, 2026 11:30 PM EST" or "02.03.2026, 23:30 Uhr"; None when the byline prints no time of day.
    """
    found = headline_candidates(tree)
    if not found:
        return None
    window = found[0].raw
    match = _first_date_match(window)
    if match is None:
        return None
    value = _match_value(match)
    if value is None:
        return None
    if match.re is dates.YMD and match.group(4):  # "2026-03-02 23:30" carries its clock
        return value.replace(tzinfo=None)
    # the clock right after the date, else right before it ("23:30, 2. März 2026")
    clock = _CLOCK.match(window, match.end()) or _CLOCK_BEFORE.search(window, max(0, match.start() - 20), match.start())
    if clock is None:
        return None
    hour, minute = int(clock.group("h")), int(clock.group("m"))
    half = (clock.group("ampm") or "").lower().replace(".", "")
    if half and not 1 <= hour <= 12:
        return None
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return value.replace(hour=hour, minute=minute, tzinfo=None)


def prefer_printed(
    chosen: tuple[datetime | None, str | None], candidates: Sequence[dates.Candidate], tree: HtmlElement, now: datetime
) -> tuple[datetime | None, str | None]:
    """Settle conflicts inside the page's own metadata with what it prints for readers.

    1. The metadata states several days (published vs modified, two published tags): the one printed in the
       byline next to the headline wins; it is the date the publisher shows as the article's. Not an update
       stamped within hours of the publication, nor a bare day right after it (a print edition's day): those
       differ from the published instant only across midnight. The byline also overrules a <time> element,
       which may date a comment or a teaser.
    2. Meta tag vs <time> more than a day apart: the day printed anywhere on the page wins over one printed nowhere.
    """
    value, source = chosen
    if value is None or source not in ("jsonld", "meta", "time"):
        return chosen
    return _byline_settles(chosen, candidates, tree, now) or _printed_settles(chosen, candidates, tree, now)


def _byline_settles(
    chosen: tuple[datetime | None, str | None], candidates: Sequence[dates.Candidate], tree: HtmlElement, now: datetime
) -> tuple[datetime, str] | None:
    value, source = chosen
    assert value is not None
    stated = [c for c in candidates if c.source in ("jsonld", "meta", "time") and dates.is_plausible(c.value, now)]
    # a lone <time> is a layout guess (it may date a comment or a teaser); metadata stating one day needs no check
    if source != "time" and all(c.value.date() == value.date() for c in stated):  # type: ignore[union-attr]
        return None
    byline = headline_candidates(tree)
    if not byline or byline[0].value is None or byline[0].value.date() == value.date():
        return None
    day = byline[0].value.date()
    # the metadata's own days when metadata was chosen: a <time> element is most often the printed byline itself
    pool = stated if source == "time" else [c for c in stated if c.source != "time"]
    match = next((c for c in pool if c.value.date() == day and not _same_news_cycle(c, value)), None)  # type: ignore[union-attr]
    if match is not None:
        return match.value, match.source  # type: ignore[return-value]
    return (byline[0].value, byline[0].source) if source == "time" else None


def _same_news_cycle(rival: dates.Candidate, chosen: datetime) -> bool:
    """A stated day that differs from the chosen instant only by crossing midnight, not as another publication.

    An update stamped within hours of the publication (a byline printing "2024/12/04 00:05" for an article
    published at 23:17 the evening before shows its update time), and a bare day right after a stated instant
    (the print edition's day of an article put online the evening before): the instant is the publication.
    A second *published* instant hours later stays a candidate (a first draft saved the evening before).
    """
    assert rival.value is not None
    if rival.kind != "modified" and not dates.is_bare_day(rival):
        return False
    return abs(rival.value - chosen) < _NEWS_CYCLE


def _printed_settles(
    chosen: tuple[datetime | None, str | None], candidates: Sequence[dates.Candidate], tree: HtmlElement, now: datetime
) -> tuple[datetime | None, str | None]:
    value, source = chosen
    assert value is not None
    # JSON-LD keeps its precedence here: an article object's datePublished is a deliberate statement (test_extract)
    if source != "meta":
        return chosen
    rivals = [
        c for c in candidates
        if c.source == "time" and c.kind == "published" and dates.is_plausible(c.value, now)
        and abs((c.value.date() - value.date()).days) > 1  # type: ignore[union-attr]
    ]
    if not rivals:
        return chosen
    # only on a conflict: scanning all visible text is the slow part
    shown = printed_days(tree)
    if value.date() in shown:
        return chosen
    rival = next((c for c in rivals if c.value.date() in shown), None)  # type: ignore[union-attr]
    return (rival.value, rival.source) if rival else chosen


def printed_days(tree: HtmlElement) -> set[date]:
    """Every full date printed in the visible text of the page body."""
    text = page.visible_text(tree)
    found: set[date] = set()
    for pattern in (dates.YMD, dates.DMY, dates.WORDY_DATE):
        for match in pattern.finditer(text):
            value = _match_value(match)
            if value is not None:
                found.add(value.date())
    return found


def _match_value(match: re.Match[str]) -> datetime | None:
    """The datetime of a match of dates.YMD, dates.DMY, _DMY_SHORT or dates.WORDY_DATE."""
    if match.re is dates.YMD:
        return dates.from_ymd_match(match)
    if match.re is dates.WORDY_DATE:
        return dates.wordy_value(match.groups())
    year = int(match.group(3)) + (2000 if match.re is _DMY_SHORT else 0)
    return dates.safe_datetime(year, int(match.group(2)), int(match.group(1)))
