"""Publication-date candidates from a page and the rule that chooses one (pure: no clock, pass `now`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from crawler import models
from crawler.extract import page

if TYPE_CHECKING:  # annotations only: store imports this module for stated_offset, CLI start stays light
    from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

#: the default: discovery told nothing about the page
NO_HINTS = models.Hints()

#: precedence of date sources, best first (issue 3 section 5 / issue 6)
SOURCE_ORDER = ("jsonld", "meta", "text", "time", "url", "feed", "sitemap", "headline", "htmldate")
#: sources that guess from the page's layout when it states no usable date (crawler.extract.published)
FALLBACK_SOURCES = ("headline", "htmldate")

# Before the web went mainstream news pages are rare; older dates are almost always placeholders
# (1970-01-01, 1900-01-01) unless two independent sources on the page state the same day.
MIN_YEAR = 1995
# Servers and publishers in time zones east of UTC legitimately stamp "tomorrow" relative to UTC.
FUTURE_SLACK = timedelta(days=1)
# The tzinfo of times for which the page states no zone (a bare day, a zone-less clock time, a Unix
# timestamp, a feed date already normalised to UTC): they are taken as UTC, but the publisher's UTC
# offset is unknown (stated_offset() says None). Compared by name: it survives pickling to the pipeline.
NO_ZONE = timezone(timedelta(0), "UTC, zone not stated")

# meta names / properties / itemprops that state the publication time, best first
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "published_time",
    "publication_date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "citation_date",
    "cxenseparse:recs:publishtime",
    "originalpublicationdate",
    "rnews:datepublished",
    "date",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
)

# 2020-07-12, 2020/7/12, 2020.07.12 and the CJK 2020年7月12日 / Korean 2020년 7월 12일
YMD = re.compile(
    r"(?<!\d)(\d{4})(?:[-/.]|\s*[年년]\s*)(\d{1,2})(?:[-/.]|\s*[月월]\s*)(\d{1,2})(?:\s*[日일])?"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?)?"
)
DMY = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d)")
# /2019/10/16/, /2019-10-16-slug, /slug-20191016: a path segment or slug part, never inside a longer number
_URL_DATE = re.compile(
    r"[/_-]((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)
_URL_DATE_SEP = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")
_TIME_HINT = re.compile(r"publi|posted|pubdate|creat|entry-date|article-date|datePublished", re.I)
_HAS_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|[+-]\d{2}|GMT|UTC)\s*$", re.I)
_HAS_CLOCK = re.compile(r"\d{1,2}:\d{2}")
# month names -> number, for dates printed in words: en, de, es, fr, it, pt, nl, sv (with the abbreviations
# their news pages print), and the genitive forms that Polish and Russian print in dates ("5 marca 2020")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar enero ene janvier janv gennaio gen janeiro januari stycznia января",
            "february feb februar febrero février févr fevrier febbraio fevereiro fev februari lutego февраля",
            "march mar märz maerz marzo mars março maart mrt marca марта",
            "april apr abril avril aprile kwietnia апреля",
            "may mai mayo maggio mag maio mei maj maja мая",
            "june jun juni junio juin giugno giu junho czerwca июня",
            "july jul juli julio juillet juil luglio lug julho lipca июля",
            "august aug agosto ago août aout augustus augusti sierpnia августа",
            "september sep sept septiembre setiembre septembre settembre set setembro września сентября",
            "october oct oktober octubre octobre ottobre ott outubro out okt października октября",
            "november nov noviembre novembre novembro listopada ноября",
            "december dec dez dezember diciembre dic décembre déc dicembre dezembro grudnia декабря",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
# ordinal day suffixes: English 11th, French 1er, Spanish/Portuguese/Italian 1º 1°, Dutch 1e 1ste 2de,
# Swedish 1:a 3:e (German and Polish print "2." and Russian "2-го", the dot and hyphen forms)
_ORDINAL = r"st|nd|rd|th|er|ère|e|ste|de|:a|:e|º|°|-?го"
_WORDY = (
    rf"(\d{{1,2}})(?:{_ORDINAL})?\.?\s+(?:de\s+|of\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?(\d{{4}})"
    rf"|({_MONTH_RE})\.?\s+(\d{{1,2}})(?:{_ORDINAL})?,?\s+(\d{{4}})"
)
WORDY_DATE = re.compile(rf"\b(?:{_WORDY})\b", re.I)
# a date the page prints right after a publication label, in the main languages of the monitored sources
# (a printed "Datum 28.04.2023" or "Fecha: 03/02/2026" labels the page's own date as plainly as "Published")
_LABELLED_DATE = re.compile(
    r"\b(?:published|posted|written|created|publication date|ver[öo]ffentlicht|erschienen|erstellt|publiziert|"
    r"publicad[oa]|publi[ée]e?|pubblicat[oa]|publicat|gepubliceerd|geplaatst|opublikowano|publicerad|julkaistu|"
    r"mis en ligne|date de publication|data d[ie] pubblicazione|data de publicação|data publikacji|"
    r"опубликовано|datum|fecha|date\s*:)"
    # a clock time may come first ("Published: 10:30 AM, March 2, 2026", "Publicado: 10:30 - 03/02/2026")
    rf"[^\d]{{0,20}}?(?:\d{{1,2}}[:h]\d{{2}}(?:\s*[ap]\.?m\.?)?[^\d]{{0,8}}?)?"
    rf"(?:(\d{{4}}-\d{{2}}-\d{{2}})|(\d{{1,2}})[./]\s?(\d{{1,2}})[./]\s?(\d{{4}})|{_WORDY})",
    re.I,
)


@dataclass(frozen=True)
class Candidate:
    """One date stated by the page (or its discovery hint), already parsed; `value` None if impossible."""

    source: str  # one of SOURCE_ORDER
    raw: str
    value: datetime | None
    kind: str = "published"  # "published" | "modified"


def parse_datetime(raw: str) -> datetime | None:
    """Parse a machine-readable date string; None when malformed or not a calendar day (e.g. 2026-46-21)."""
    text = (raw or "").strip()
    if not text or len(text) > 64:
        return None
    if text.isdigit():
        return _from_digits(text)
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        pass
    match = YMD.search(text)
    if match:
        return from_ymd_match(match)
    match = DMY.search(text)
    if match:
        return safe_datetime(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    try:
        return _aware(parsedate_to_datetime(text))  # RFC 2822, as in feeds and Last-Modified
    except (TypeError, ValueError, IndexError):
        pass
    # a day in words, as some CMSs put in meta tags: "January 11th, 2024", "11 de enero de 2024", "1er mars 2024"
    match = WORDY_DATE.search(text)
    return wordy_value(match.groups()) if match else None


def _from_digits(text: str) -> datetime | None:
    """YYYYMMDD, or a Unix timestamp in seconds / milliseconds."""
    if len(text) == 8:
        return safe_datetime(int(text[:4]), int(text[4:6]), int(text[6:]))
    if len(text) in (10, 13):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        try:
            return datetime.fromtimestamp(seconds, tz=NO_ZONE)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def from_ymd_match(match: re.Match[str]) -> datetime | None:
    """The datetime of a YMD match (offset-less times are UTC); None if not a calendar day."""
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    hour, minute, second = (int(match.group(i) or 0) for i in (4, 5, 6))
    tz = _parse_offset(match.group(7))
    return safe_datetime(year, month, day, hour, minute, second, tz)


def _parse_offset(text: str | None) -> timezone:
    if not text:
        return NO_ZONE
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return NO_ZONE
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def safe_datetime(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, tz: timezone = NO_ZONE
) -> datetime | None:
    """The datetime, or None when the fields name no real moment."""
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:  # month 46, February 30th, hour 25 ...
        return None


def _aware(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (zone not stated)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=NO_ZONE)


def stated_offset(value: datetime | None) -> timedelta | None:
    """The publisher's UTC offset for a chosen date: stated by the page or derived from its own statements
    (the same time printed as local clock time, the URL's day); None when the page gave no zone."""
    if value is None or value.tzinfo is None or value.tzname() == NO_ZONE.tzname(None):
        return None
    offset = value.utcoffset()
    # real offsets run from -12:00 to +14:00; "+20:00" is a typo, not a zone (the column refuses it)
    return offset if offset is not None and abs(offset) <= timedelta(hours=14) else None


def date_candidates(
    tree: HtmlElement | None,
    url: str,
    *,
    jsonld: Sequence[Mapping[str, Any]] = (),
    meta: Mapping[str, str] | None = None,
    hints: models.Hints = NO_HINTS,
    include_text: bool = True,
    canonical_url: str | None = None,
) -> list[Candidate]:
    """Every date the page states, in precedence order (JSON-LD, meta, labelled text, <time>, URL, hint)."""
    found: list[Candidate] = []
    found.extend(_jsonld_candidates(jsonld))
    found.extend(_meta_candidates(meta or {}))
    if tree is not None:
        found.extend(_time_candidates(tree))
        if include_text:
            found.extend(text_candidates(tree))
    # the fetched URL first; the canonical one (the publisher's own path) when the fetched one has no date
    found.extend(_url_candidates(url) or _url_candidates(canonical_url or ""))
    # the hint's source is named by the source kind that gave it (crawler.fetch.sources: date_source); a hint
    # without a known source is not a candidate (it is never guessed to be a feed date)
    if hints.published is not None and hints.published_source in SOURCE_ORDER:
        found.append(Candidate(hints.published_source, hints.published.isoformat(), _hint_value(hints.published)))
    return found


def _hint_value(value: datetime) -> datetime:
    """A feed or sitemap date keeps the offset it states ("23:30 -0500" is the publisher's March 2nd, not UTC's
    3rd); a naive or UTC one is zone not stated: many feeds normalise to GMT, the publisher's zone is unknown."""
    value = _aware(value)
    return value.astimezone(NO_ZONE) if value.utcoffset() == timedelta(0) else value


def _jsonld_candidates(objects: Sequence[Mapping[str, Any]]) -> Iterable[Candidate]:
    # article-typed objects first: a WebPage or a listed related item can carry other dates
    ranked = sorted(objects, key=lambda obj: 0 if page.is_article(obj) else 1)
    for obj in ranked:
        for key, kind in (("datePublished", "published"), ("dateCreated", "published"), ("dateModified", "modified")):
            value = obj.get(key)
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, str) and value.strip():
                yield Candidate("jsonld", value, parse_datetime(value), kind)


def _meta_candidates(meta: Mapping[str, str]) -> Iterable[Candidate]:
    for names, kind in ((PUBLISHED_META, "published"), (MODIFIED_META, "modified")):
        for name in names:
            value = meta.get(name)
            if value:
                yield Candidate("meta", value, parse_datetime(value), kind)


def _time_candidates(tree: HtmlElement) -> Iterable[Candidate]:
    """The <time> that marks the publication: flagged as such, else the first one of the article."""
    times = tree.xpath("//time")
    flagged = [t for t in times if t.get("pubdate") is not None or _TIME_HINT.search(_time_labels(t))]
    if flagged:
        chosen = flagged[0]
    else:
        scoped = tree.xpath("(//article|//main)[1]//time")
        chosen = scoped[0] if scoped else (times[0] if 0 < len(times) <= 2 else None)
    if chosen is not None:
        # datetime attribute when present, else the printed text (<time>31.03.2020</time>)
        raw = (chosen.get("datetime") or chosen.text_content() or "").strip()
        value = parse_datetime(raw) if chosen.get("datetime") else _printed_date(raw)
        yield Candidate("time", raw, value)


def _time_labels(node: HtmlElement) -> str:
    parent = node.getparent()
    labels = (node.get("class"), node.get("itemprop"), parent.get("class") if parent is not None else None)
    return " ".join(label for label in labels if label)


def _printed_date(text: str) -> datetime | None:
    """A date printed for readers: ISO, 31.03.2020 or a month name; None for anything less certain."""
    match = YMD.search(text)
    if match:
        return from_ymd_match(match)
    match = DMY.search(text) or WORDY_DATE.search(text)
    if not match:
        return None
    if match.re is DMY:
        return safe_datetime(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return wordy_value(match.groups())


def text_candidates(tree: HtmlElement) -> list[Candidate]:
    """The first date printed after a publication label ("Published on", "Veröffentlicht am") in visible text."""
    # whitespace squashed: a label and its date often sit in separate elements on separate lines
    match = _LABELLED_DATE.search(_SPACES.sub(" ", page.visible_text(tree)))
    return [Candidate("text", match.group(0), _labelled_value(match))] if match else []


_SPACES = re.compile(r"\s+")
_ENGLISH_LABELS = ("published", "posted", "written", "created", "publication", "date")


def _labelled_value(match: re.Match[str]) -> datetime | None:
    iso, day, month, year, *wordy = match.groups()
    if iso:
        return parse_datetime(iso)
    if year:
        first, second = int(day), int(month)
        # 03/02/2026 is day first as printed outside the US; month first when the second number cannot be a
        # month, or for a slashed date after an English label ("Published 3/2/2026")
        english = match.group(0).lower().startswith(_ENGLISH_LABELS)
        if second > 12 or ("/" in match.group(0) and english and first <= 12):
            first, second = second, first
        return safe_datetime(int(year), second, first)
    return wordy_value(tuple(wordy))


def wordy_value(groups: Sequence[str | None]) -> datetime | None:
    """Groups of _WORDY: (day, month name, year) or (month name, day, year)."""
    d2, mon2, y2, mon3, d3, y3 = groups
    if y2 and mon2 and d2:
        return safe_datetime(int(y2), _MONTHS[mon2.lower()], int(d2))
    if y3 and mon3 and d3:
        return safe_datetime(int(y3), _MONTHS[mon3.lower()], int(d3))
    return None


def _url_candidates(url: str) -> list[Candidate]:
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.I).split("?")[0]
    match = _URL_DATE_SEP.search(path) or _URL_DATE.search(path)
    if not match:
        return []
    year, month, day = (int(g) for g in match.groups())
    return [Candidate("url", match.group(0), safe_datetime(year, month, day))]


def htmldate_candidate(tree: HtmlElement, url: str, now: datetime) -> Candidate | None:
    """htmldate's guess (original date, extensive search), the last resort."""
    import htmldate  # imported lazily: only pages without structured dates need it

    try:
        found = htmldate.find_date(
            tree, extensive_search=True, original_date=True, url=url,
            min_date=datetime(MIN_YEAR, 1, 1), max_date=(now + FUTURE_SLACK).replace(tzinfo=None),
        )
    except Exception as exc:  # noqa: BLE001 - htmldate raises assorted errors on odd pages; a date is optional
        logger.debug("htmldate failed", extra={"url": url, "error": repr(exc)})
        return None
    return Candidate("htmldate", found, parse_datetime(found)) if found else None


def is_plausible(value: datetime | None, now: datetime, corroborated: bool = False) -> bool:
    """A real, not-future date; before MIN_YEAR only when another source states the same day."""
    if value is None:
        return False
    if value > _aware(now) + FUTURE_SLACK:
        return False
    return value.year >= MIN_YEAR or (corroborated and value.year >= 1900)


def rejected_dates(candidates: Sequence[Candidate], now: datetime) -> tuple[str, ...]:
    """Why each stated publication date was refused: not a calendar date (e.g. 2026-46-21) or in the future."""
    problems = []
    for c in candidates:
        if c.kind != "published":
            continue
        if c.value is None:
            problems.append(f"{c.source} date {c.raw!r} is not a calendar date")
        elif c.value > _aware(now) + FUTURE_SLACK:
            problems.append(f"{c.source} date {c.raw!r} is in the future")
    return tuple(problems)


def choose_published_at(candidates: Sequence[Candidate], now: datetime) -> tuple[datetime | None, str | None]:
    """The best plausible publication date and its source, by SOURCE_ORDER precedence."""
    return _choose(candidates, now, "published")


def choose_modified_at(candidates: Sequence[Candidate], now: datetime) -> datetime | None:
    """The best plausible modification date."""
    return _choose(candidates, now, "modified")[0]


def _choose(candidates: Sequence[Candidate], now: datetime, kind: str) -> tuple[datetime | None, str | None]:
    pool = [c for c in candidates if c.kind == kind and c.value is not None]
    for source in SOURCE_ORDER:
        for cand in pool:
            if cand.source != source:
                continue
            corroborated = any(o.source != source and o.value and o.value.date() == cand.value.date() for o in pool)  # type: ignore[union-attr]
            if is_plausible(cand.value, now, corroborated):
                return _reconcile(cand, [c for c in candidates if c.value is not None and c is not cand], now)
    return None, None


def _reconcile(winner: Candidate, others: Sequence[Candidate], now: datetime) -> tuple[datetime, str]:
    """Express the winner in the publisher's local time when the page reveals it; let the URL overrule <time>."""
    assert winner.value is not None
    url_day = next((c.value for c in others if c.source == "url" and is_plausible(c.value, now)), None)
    # a <time> element is a layout guess; the URL path is the publisher's own record of the day
    if winner.source == "time" and url_day is not None and abs((winner.value.date() - url_day.date()).days) > 1:
        return url_day, "url"
    value = winner.value
    # a bare day ("2024-03-01") is no instant: there is no offset to find for it
    if value.utcoffset() == timedelta(0) and not is_bare_day(winner):
        value = _local_offset(value, winner, others) or _url_day_offset(value, url_day) or value
    return value, winner.source


def is_bare_day(candidate: Candidate) -> bool:
    """The candidate states a day without a time of day ("2024-04-26"), not an instant."""
    value = candidate.value
    return value is not None and not _HAS_CLOCK.search(candidate.raw) and value.timetz().replace(tzinfo=None) == time(0)


def _local_offset(value: datetime, winner: Candidate, others: Sequence[Candidate]) -> datetime | None:
    """The same instant stated elsewhere with an offset, or as a naive local wall clock time, gives the offset."""
    # only statements of the same event: a modification time 2 hours later is not an offset
    for other in (o for o in others if o.kind == winner.kind):
        assert other.value is not None
        offset = other.value.utcoffset()
        if offset and abs(other.value - value) < timedelta(minutes=1):
            return value.astimezone(other.value.tzinfo)
        if not _HAS_ZONE.search(other.raw) and _HAS_CLOCK.search(other.raw):
            delta = other.value.replace(tzinfo=None) - value.astimezone(UTC).replace(tzinfo=None)
            # a real UTC offset: non-zero, at most 14 hours, a whole number of quarter hours
            if delta and abs(delta) <= timedelta(hours=14) and delta % timedelta(minutes=15) == timedelta(0):
                return value.astimezone(timezone(delta))
    return None


def _url_day_offset(value: datetime, url_day: datetime | None) -> datetime | None:
    """A UTC time one day off the URL's day: the publisher is in another zone; shift to an offset on that day."""
    if url_day is None:
        return None
    gap = (url_day.date() - value.date()).days
    # 8 / 14: shifts of at most 8 hours west (the Americas) or 10 hours east (up to eastern Australia);
    # a larger shift means the URL day is more likely a scheduling day than a time zone
    if gap == -1 and value.hour < 8:  # publisher west of UTC, late evening local time
        return value.astimezone(timezone(-timedelta(hours=value.hour + 1)))
    if gap == 1 and value.hour >= 14:  # publisher east of UTC, early morning local time
        return value.astimezone(timezone(timedelta(hours=24 - value.hour)))
    return None
