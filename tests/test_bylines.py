"""Tests for crawler.extract.bylines: dates printed next to the headline and on the page (pure, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import html as lxml_html

from crawler.extract import bylines, dates

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def cand(source: str, raw: str, kind: str = "published") -> dates.Candidate:
    return dates.Candidate(source, raw, dates.parse_datetime(raw), kind)


_LONG = "This sentence is long enough to be a paragraph of the article body, not a byline at all. "


@pytest.mark.parametrize(
    ("snippet", "day"),
    [
        # the byline under the headline, date split from the author by inline markup
        (
            '<h1>Storm hits coast</h1><div class="by">By <a href="/a">Ann Lee</a>, 4. 2. 2022</div><p>x</p>',
            "2022-02-04",
        ),
        ("<h1>Sturm an der Küste</h1><p>1. Februar 2022, Daniel Muster</p>", "2022-02-01"),
        # above the headline, with a two-digit year (trusted only here)
        ('<span class="kicker">Meinung</span><span>Di 10.12.19</span><h1>Titel</h1>', "2019-12-10"),
        ("<h1>新しい記事</h1><p>2020年07月12日</p>", "2020-07-12"),  # CJK year-month-day
        ("<h1>새 기사</h1><p>입력 2021년 3월 5일 오후</p>", "2021-03-05"),  # Korean
        ("<h1>Titre</h1><p>le douzième jour</p>", None),  # no date in a supported format: no guess
        # a date inside the first sentence is an event the article reports, not its date
        (f"<h1>Match report</h1><p>The next game is on 5 March 2020 at the old stadium. {_LONG}</p>", None),
        # the body starts before any date: dates further down are not the byline
        (f"<h1>Match report</h1><p>{_LONG}</p><p>Posted 5 March 2020</p>", None),
        ("<p>no headline 5 March 2020</p>", None),
    ],
)
def test_headline_byline_dates(snippet: str, day: str | None) -> None:
    tree = lxml_html.fromstring(f"<html><body>{snippet}</body></html>")
    found = bylines.headline_candidates(tree)
    assert (found[0].value.date().isoformat() if found and found[0].value else None) == day
    assert all(c.source == "headline" for c in found)


def test_headline_is_the_h1_repeating_the_title_not_the_logo() -> None:
    tree = lxml_html.fromstring(
        "<html><head><title>Storm hits the coast | Daily Planet</title></head><body>"
        f'<header><h1><a href="/"><img alt="logo"></a> Daily Planet</h1><p>{_LONG}</p></header>'
        "<div><h1>Storm hits the coast</h1><ul><li>13 Oct 2020 18:29</li><li>1479 views</li></ul>"
        f"<p>{_LONG}</p></div></body></html>"
    )
    found = bylines.headline_candidates(tree)
    assert [c.value.date().isoformat() for c in found if c.value] == ["2020-10-13"]


def test_headline_window_skips_blank_text_nodes() -> None:
    blanks = "<span> </span>\n" * 40
    tree = lxml_html.fromstring(
        f"<html><body><h1>Tomaten schneiden</h1>{blanks}<p>von Marianne am 20.09.2020</p></body></html>"
    )
    found = bylines.headline_candidates(tree)
    assert [c.value.date().isoformat() for c in found if c.value] == ["2020-09-20"]


def _settle(byline: str, candidates: list[dates.Candidate]) -> tuple[str | None, str | None]:
    tree = lxml_html.fromstring(
        f"<html><body><article><h1>Storm hits coast</h1><p>{byline}</p><p>{_LONG}</p></article></body></html>"
    )
    value, source = bylines.prefer_printed(dates.choose_published_at(candidates, NOW), candidates, tree, NOW)
    return (value.date().isoformat() if value else None, source)


def test_byline_picks_among_conflicting_metadata_days() -> None:
    # datePublished of the first version, dateModified of the one shown: the page prints the modified day
    candidates = [cand("jsonld", "2017-08-21T13:09:00Z"), cand("jsonld", "2019-04-03T08:04:01Z", "modified")]
    assert _settle("Drucken | 03.04.2019 | Von Olaf Kempin", candidates) == ("2019-04-03", "jsonld")


def test_byline_ignored_when_metadata_agrees() -> None:
    # one day everywhere in the metadata: a different day in the byline (an event, a print edition) does not win
    candidates = [cand("jsonld", "2019-10-19T19:08:22+02:00"), cand("meta", "2019-10-19T19:08:22+02:00")]
    assert _settle("Aus der ZEIT Nr. 43/2019, 16. Oktober 2019", candidates) == ("2019-10-19", "jsonld")


def test_byline_day_not_stated_in_metadata_does_not_win_over_it() -> None:
    candidates = [cand("jsonld", "2023-11-03T10:25:56Z"), cand("jsonld", "2023-11-06T14:26:51Z", "modified")]
    assert _settle("Von Katharina Schmidt, 1. November 2023", candidates) == ("2023-11-03", "jsonld")


def test_byline_update_stamp_hours_after_publication_keeps_published() -> None:
    # published at 23:17, updated at 00:06 the next day; the byline prints the update time: same news cycle
    candidates = [cand("jsonld", "2023-12-03T23:17:00+09:00"), cand("jsonld", "2023-12-04T00:06:42+09:00", "modified")]
    assert _settle("2023/12/04 00:05 | Scrap", candidates) == ("2023-12-03", "jsonld")


def test_byline_edition_day_after_a_stated_instant_keeps_the_instant() -> None:
    # online the evening before, in the print edition of the next day (a bare day in a meta tag)
    candidates = [cand("jsonld", "2024-04-25T19:30:04+02:00"), cand("meta", "2024-04-26")]
    assert _settle("Aus: Ausgabe vom 26.04.2024, Seite 1", candidates) == ("2024-04-25", "jsonld")


def test_byline_picks_a_second_published_instant_hours_later() -> None:
    # two published stamps with times of day: the earlier one can be a draft saved the evening before
    candidates = [cand("meta", "2021-10-27T20:35:36+01:00"), cand("meta", "2021-10-28T13:21:30+01:00")]
    assert _settle("Berlin, 28.10.2021, 058/21", candidates) == ("2021-10-28", "meta")


def test_byline_does_not_pick_a_time_element_over_metadata() -> None:
    # the <time> under the headline prints the byline itself: no second statement of its day
    candidates = [cand("jsonld", "2023-12-03T23:17:00+09:00"), cand("time", "2023-12-04T00:05")]
    assert _settle("2023/12/04 00:05 | Scrap", candidates) == ("2023-12-03", "jsonld")


def test_byline_overrules_a_time_element() -> None:
    # a <time> found by layout (a comment, a teaser) vs the date printed under the headline
    assert _settle("27 juin 2019 | Par Elba", [cand("time", "2019-07-30")]) == ("2019-06-27", "headline")


@pytest.mark.parametrize(
    ("page_text", "expected_day", "expected_source"),
    [
        # the meta tag's day is printed nowhere, the <time> day is: the visible day wins
        ("<p>Stand: 21.01.2022</p>", "2022-01-21", "time"),
        # metadata's day is printed on the page: metadata keeps its precedence
        ("<p>26. Januar 2022</p><p>21.01.2022</p>", "2022-01-26", "meta"),
        # neither printed: no evidence against metadata
        ("<p>no dates here</p>", "2022-01-26", "meta"),
    ],
)
def test_prefer_printed_day_on_conflict(page_text: str, expected_day: str, expected_source: str) -> None:
    tree = lxml_html.fromstring(f"<html><body><article>{page_text}</article></body></html>")
    candidates = [cand("meta", "2022-01-26T14:32:06+02:00"), cand("time", "2022-01-21")]
    chosen = dates.choose_published_at(candidates, NOW)
    value, source = bylines.prefer_printed(chosen, candidates, tree, NOW)
    assert (value.date().isoformat() if value else None, source) == (expected_day, expected_source)


def test_prefer_printed_ignores_close_days() -> None:
    tree = lxml_html.fromstring("<html><body><p>21.01.2022</p></body></html>")
    candidates = [cand("meta", "2022-01-22T01:00:00+02:00"), cand("time", "2022-01-21")]
    value, source = bylines.prefer_printed(dates.choose_published_at(candidates, NOW), candidates, tree, NOW)
    assert (value.date().isoformat() if value else None, source) == ("2022-01-22", "meta")


def test_prefer_printed_keeps_jsonld() -> None:
    tree = lxml_html.fromstring("<html><body><p>21.01.2022</p></body></html>")
    candidates = [cand("jsonld", "2022-01-26T14:32:06+02:00"), cand("time", "2022-01-21")]
    value, source = bylines.prefer_printed(dates.choose_published_at(candidates, NOW), candidates, tree, NOW)
    assert (value.date().isoformat() if value else None, source) == ("2022-01-26", "jsonld")


@pytest.mark.parametrize(
    ("body", "days"),
    [
        ("<p>2022-01-21</p><p>26. Januar 2022</p><p>3.2.2022</p>", {"2022-01-21", "2022-01-26", "2022-02-03"}),
        # script text is not visible; two-digit years are trusted only in the byline
        ("<script>var d = '2022-01-21';</script><p>10.12.19</p>", set()),
    ],
)
def test_printed_days(body: str, days: set[str]) -> None:
    tree = lxml_html.fromstring(f"<html><body>{body}</body></html>")
    assert {d.isoformat() for d in bylines.printed_days(tree)} == days


@pytest.mark.parametrize(
    ("byline", "local"),
    [
        ("March 2, 2026 11:30 PM EST", "2026-03-02T23:30:00"),
        ("March 2, 2026 at 11:30 p.m.", "2026-03-02T23:30:00"),
        ("By Ann Lee | 02.03.2026, 23:30 Uhr", "2026-03-02T23:30:00"),
        ("23:30, 2. März 2026", "2026-03-02T23:30:00"),  # the clock before the date
        ("le 2 mars 2026 à 23h30", "2026-03-02T23:30:00"),
        ("2026-03-02 23:30", "2026-03-02T23:30:00"),
        ("March 2, 2026", None),  # no time of day
        ("March 2, 2026 | 3 comments | 12:30 read", None),  # a number far from the date is no clock
    ],
)
def test_printed_local_time(byline: str, local: str | None) -> None:
    tree = lxml_html.fromstring(f"<html><body><h1>Storm hits the coast</h1><p>{byline}</p><p>{_LONG}</p></body></html>")
    value = bylines.printed_local_time(tree)
    assert (value.isoformat() if value else None) == local
