"""Dates printed for readers: the byline next to the headline, and the days a page shows in its text (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from lxml.html import HtmlElement

from crawler import dates

# a byline sits right above or below the headline: the nearest text nodes, a few hundred characters at most
_HEADLINE_NODES_BEFORE, _HEADLINE_NODES_AFTER, _HEADLINE_CHARS = 8, 30, 300
# a text node this long is a sentence of the body, not a byline
_PROSE_CHARS = 80
_INLINE_TAGS = frozenset("a span b strong i em u small abbr time font sup sub mark cite q label".split())
# dates printed with a two-digit year (10.12.19) are trusted only in the byline next to the headline
_DMY_SHORT = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d.])")
_VISIBLE = "[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"


def headline_candidates(tree: HtmlElement) -> list[dates.Candidate]:
    """The first date printed next to the article's headline (its byline): what readers see as the date."""
    heads = tree.xpath("(//article//h1|//main//h1)[1]") or tree.xpath("(//h1)[1]")
    if not heads:
        return []
    head = heads[0]
    after = head.xpath(f"following::text(){_VISIBLE}[position() <= {_HEADLINE_NODES_AFTER}]")
    before = head.xpath(f"preceding::text(){_VISIBLE}[position() <= {_HEADLINE_NODES_BEFORE}]")
    for nodes in (after, before):  # preceding:: lists the nearest node first
        window = _byline_window(nodes)
        value = _first_printed_date(window)
        if value is not None:
            return [dates.Candidate("headline", window, value)]
    return []


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
    current, parts = None, []
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
    matches = [m for m in (p.search(text) for p in (dates.YMD, dates.DMY, dates.WORDY_DATE, _DMY_SHORT)) if m]
    if not matches:
        return None
    return _match_value(min(matches, key=lambda m: m.start()))


def prefer_printed(
    chosen: tuple[datetime | None, str | None], candidates: Sequence[dates.Candidate], tree: HtmlElement, now: datetime
) -> tuple[datetime | None, str | None]:
    """Meta tag vs <time> more than a day apart: the day printed on the page wins over one printed nowhere."""
    value, source = chosen
    # JSON-LD keeps its precedence: an article object's datePublished is a deliberate statement (test_extract)
    if value is None or source != "meta":
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
    body = tree.find("body")
    if body is None:
        return set()
    text = " ".join(body.xpath(f".//text(){_VISIBLE}"))
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
