"""Tests for crawler.extract.dates: parsing, candidates and the choice rule (pure, no clock)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import html as lxml_html

from crawler import models
from crawler.extract import dates, page, published

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
UTC = UTC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01T18:45:00-05:00", datetime(2024, 3, 1, 18, 45, tzinfo=timezone(timedelta(hours=-5)))),
        ("2024-03-01T18:45:00+0100", datetime(2024, 3, 1, 18, 45, tzinfo=timezone(timedelta(hours=1)))),
        ("2024-03-01T18:45:00.123Z", datetime(2024, 3, 1, 18, 45, 0, 123000, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2024/03/01 10:20", datetime(2024, 3, 1, 10, 20, tzinfo=UTC)),
        ("20240301", datetime(2024, 3, 1, tzinfo=UTC)),
        ("01.03.2024", datetime(2024, 3, 1, tzinfo=UTC)),
        ("Fri, 01 Mar 2024 10:00:00 GMT", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("1709287200", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2026-46-21", None),
        # days in words, as some CMSs put them in meta tags (sailthru.date), ordinals included
        ("January 11th, 2024", datetime(2024, 1, 11, tzinfo=UTC)),
        ("11 de enero de 2024", datetime(2024, 1, 11, tzinfo=UTC)),
        ("1er mars 2024", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2º de março de 2024", datetime(2024, 3, 2, tzinfo=UTC)),
        ("February 30th, 2024", None),
        ("2024-02-30", None),
        ("2024-03-01T25:00:00", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_datetime(raw: str, expected: datetime | None) -> None:
    assert dates.parse_datetime(raw) == expected


def cand(source: str, raw: str, kind: str = "published") -> dates.Candidate:
    return dates.Candidate(source, raw, dates.parse_datetime(raw), kind)


@pytest.mark.parametrize(
    ("candidates", "expected_day", "expected_source"),
    [
        (
            [cand("htmldate", "2024-01-03"), cand("meta", "2024-01-02"), cand("jsonld", "2024-01-01")],
            "2024-01-01",
            "jsonld",
        ),
        ([cand("htmldate", "2024-01-03"), cand("meta", "2024-01-02")], "2024-01-02", "meta"),
        ([cand("htmldate", "2024-01-03")], "2024-01-03", "htmldate"),
        ([cand("meta", "2026-46-21"), cand("time", "2024-01-05")], "2024-01-05", "time"),
        ([cand("jsonld", "2024-07-01"), cand("url", "2024-05-30")], "2024-05-30", "url"),  # future jsonld dropped
        ([cand("meta", "2024-06-02T10:00:00Z")], "2024-06-02", "meta"),  # within the one-day slack
        ([cand("meta", "1970-01-01"), cand("feed", "2024-01-09")], "2024-01-09", "feed"),  # placeholder epoch
        ([cand("meta", "1989-11-09"), cand("jsonld", "1989-11-09")], "1989-11-09", "jsonld"),  # page says so twice
        ([cand("jsonld", "2024-01-01", kind="modified")], None, None),
        ([], None, None),
    ],
)
def test_choose_published_at(
    candidates: list[dates.Candidate], expected_day: str | None, expected_source: str | None
) -> None:
    value, source = dates.choose_published_at(candidates, NOW)
    assert (value.date().isoformat() if value else None, source) == (expected_day, expected_source)


def test_candidates_from_page_in_precedence_order() -> None:
    tree = lxml_html.fromstring(
        '<html><body><article><time datetime="2024-01-04">4 Jan</time><p>x</p></article></body></html>'
    )
    found = dates.date_candidates(
        tree,
        "https://example.com/2024/01/05/some-story",
        jsonld=[
            {"@type": "WebPage", "datePublished": "2024-01-09"},
            {"@type": "NewsArticle", "datePublished": "2024-01-01"},
        ],
        meta={"article:published_time": "2024-01-02", "article:modified_time": "2024-01-08"},
        hints=models.Hints(published=datetime(2024, 1, 6, tzinfo=UTC), published_source="sitemap"),
    )
    published = [(c.source, c.raw) for c in found if c.kind == "published"]
    assert published == [
        ("jsonld", "2024-01-01"),
        ("jsonld", "2024-01-09"),
        ("meta", "2024-01-02"),
        ("time", "2024-01-04"),
        ("url", "/2024/01/05/"),
        ("sitemap", "2024-01-06T00:00:00+00:00"),
    ]
    assert dates.choose_modified_at(found, NOW) == datetime(2024, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://e.com/2023/11/05/story", "2023-11-05"),
        ("https://e.com/news/2023-11-05-story", "2023-11-05"),
        ("https://e.com/20231105/story.html", "2023-11-05"),
        ("https://e.com/2023/4/5/story", "2023-04-05"),
        ("https://e.com/2023/story-123", None),
        ("https://e.com/2023/13/45/story", None),
        ("https://e.com/world/australian-megablaze-20200113", "2020-01-13"),
        ("https://e.com/item/1202001134567", None),
    ],
)
def test_url_dates(url: str, day: str | None) -> None:
    found = dates.date_candidates(None, url)
    assert (found[0].value.date().isoformat() if found and found[0].value else None) == day


def test_hint_keeps_the_publishers_offset_and_day() -> None:
    # a feed's "Mon, 02 Mar 2026 23:30:00 -0500" is the publisher's March 2nd (UTC's 3rd)
    stated = datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    hints = models.Hints(published=stated, published_source="feed")
    tree = lxml_html.fromstring("<html><body><p>No date on the page.</p></body></html>")
    choice = published.choose(tree, "https://e.com/x", page.read_page_data(tree), hints=hints,
                              now=datetime(2026, 3, 4, tzinfo=UTC))
    assert choice.source == "feed" and choice.published is not None
    assert choice.published.date().isoformat() == "2026-03-02"
    assert dates.stated_offset(choice.published) == timedelta(hours=-5)


def test_utc_hint_states_no_zone() -> None:
    # many feeds normalise to GMT: the instant is known, the publisher's offset is not
    hints = models.Hints(published=datetime(2026, 3, 3, 4, 30, tzinfo=UTC), published_source="sitemap")
    found = dates.date_candidates(None, "https://e.com/x", hints=hints)
    assert dates.stated_offset(found[0].value) is None


def test_naive_hint_taken_as_utc() -> None:
    hints = models.Hints(published=datetime(2024, 1, 6), published_source="feed")
    found = dates.date_candidates(None, "https://e.com/x", hints=hints)
    assert found[0].source == "feed" and found[0].value == datetime(2024, 1, 6, tzinfo=UTC)


@pytest.mark.parametrize("source", [None, "listing", "site"])
def test_hint_without_a_date_source_is_not_a_candidate(source: str | None) -> None:
    hints = models.Hints(published=datetime(2024, 1, 6, tzinfo=UTC), published_source=source)
    assert dates.date_candidates(None, "https://e.com/x", hints=hints) == []


def test_htmldate_candidate_respects_now() -> None:
    tree = lxml_html.fromstring("<html><body><p>Published 2030-01-01</p><p>Updated 2023-05-06</p></body></html>")
    cand_ = dates.htmldate_candidate(tree, "https://e.com/x", NOW)
    assert cand_ is None or (cand_.value is not None and cand_.value <= NOW + timedelta(days=1))


@pytest.mark.parametrize(
    ("candidates", "expected_local", "expected_source"),
    [
        # the same instant stated with the publisher's offset elsewhere on the page
        (
            [cand("jsonld", "2023-11-09T02:11:03+00:00"), cand("meta", "2023-11-08T21:11:03-05:00")],
            "2023-11-08T21:11:03-05:00",
            "jsonld",
        ),
        # a naive local wall-clock time reveals the offset (-6 h)
        (
            [cand("jsonld", "2023-11-09T05:30:59Z"), cand("time", "2023-11-08 23:30:59")],
            "2023-11-08T23:30:59-06:00",
            "jsonld",
        ),
        # a UTC time just after midnight with yesterday's day in the URL: a publisher west of UTC
        ([cand("jsonld", "2020-02-18T02:18:11Z"), cand("url", "/2020/02/17/")], "2020-02-17T23:18:11-03:00", "jsonld"),
        # ... but not 11 hours away: the URL day is then not a time-zone effect
        ([cand("jsonld", "2020-07-09T10:04:04Z"), cand("url", "/2020/07/08/")], "2020-07-09T10:04:04+00:00", "jsonld"),
        # a <time> far from the URL's day is a layout guess gone wrong
        ([cand("time", "2009-04-11 18:06:36"), cand("url", "/2019/10/22/")], "2019-10-22T00:00:00+00:00", "url"),
    ],
)
def test_choice_reconciles_time_zone_and_url(
    candidates: list[dates.Candidate], expected_local: str, expected_source: str
) -> None:
    value, source = dates.choose_published_at(candidates, NOW)
    assert (value.isoformat() if value else None, source) == (expected_local, expected_source)
    assert value == dates.parse_datetime(expected_local)


@pytest.mark.parametrize(
    ("snippet", "day"),
    [
        ("<p>Veröffentlicht am 16.08.2019<br/>Dauer: 1 Stunde</p>", "2019-08-16"),
        ("<p>Written: 2023-11-07 15:03:30</p>", "2023-11-07"),
        ("<span>Published on March 5th, 2020</span>", "2020-03-05"),
        ("<span>Publicado el 5 de marzo de 2020</span>", "2020-03-05"),
        ("<span>Erschienen am: 31.02.2023</span>", None),  # not a calendar day
        ("<p>Call 05.03.2020 for tickets</p>", None),  # no publication label
        ("<script>var published = '2020-01-01';</script><p>text</p>", None),  # not visible text
        ("<noscript>Published 2020-01-01</noscript><p>text</p>", None),  # not visible either
        ("<p>Datum 28.04.2023</p>", "2023-04-28"),
        ("<p>Publicado: 03/02/2026</p>", "2026-02-03"),  # slashed, day first outside English
        ("<p>Fecha: 3/2/2026</p>", "2026-02-03"),
        ("<p>Published 3/22/2026</p>", "2026-03-22"),  # the month cannot be 22
        ("<p>Posted 03/02/2026</p>", "2026-03-02"),  # slashed after an English label: month first
        ("<p>Date: 12 January 2024</p>", "2024-01-12"),
        # label and date in separate elements on separate lines
        ("<p><span>Datum</span>\n   <span>28.04.2023</span></p>", "2023-04-28"),
        ("<div>Published on\n <b>March 2, 2026</b></div>", "2026-03-02"),
        # a clock time before the date
        ("<p>Published: 10:30 AM, March 2, 2026</p>", "2026-03-02"),
        ("<p>Publicado: 10:30 - 03/02/2026</p>", "2026-02-03"),
        # more labels in the supported languages
        ("<p>Mis en ligne le 2 mars 2026 à 10h30</p>", "2026-03-02"),
        ("<p>Data di pubblicazione: 02/03/2026</p>", "2026-03-02"),
        ("<p>Опубликовано 2 марта 2026</p>", "2026-03-02"),
        ("<p>Published 2 hours ago. Tickets 5.03.2026</p>", None),  # the label's date is not a full date
    ],
)
def test_labelled_text_dates(snippet: str, day: str | None) -> None:
    tree = lxml_html.fromstring(f"<html><body>{snippet}</body></html>")
    found = [c for c in dates.date_candidates(tree, "https://e.com/x") if c.source == "text"]
    assert (found[0].value.date().isoformat() if found and found[0].value else None) == day


@pytest.mark.parametrize(
    ("snippet", "day"),
    [
        ('<time class="node-create-date">31.03.2020</time>', "2020-03-31"),
        ('<time class="published">March 5, 2020</time>', "2020-03-05"),
        (
            '<div class="post-meta"><time class="pubdate" datetime="2021-02-03T10:00:00+01:00">Feb 3</time></div>',
            "2021-02-03",
        ),
        ("<time>sometime last week</time>", None),
    ],
)
def test_time_element_dates(snippet: str, day: str | None) -> None:
    tree = lxml_html.fromstring(f"<html><body><article>{snippet}</article></body></html>")
    found = [c for c in dates.date_candidates(tree, "https://e.com/x") if c.source == "time"]
    assert (found[0].value.date().isoformat() if found and found[0].value else None) == day


@pytest.mark.parametrize(
    ("printed", "day"),
    [
        ("1er janvier 2020", "2020-01-01"),
        ("5th of January 2020", "2020-01-05"),
        ("3 maart 2021", "2021-03-03"),
        ("12 augusti 2019", "2019-08-12"),
        ("5 marca 2020 r.", "2020-03-05"),  # Polish genitive
        ("5 марта 2020 года", "2020-03-05"),  # Russian genitive
        ("2020年7月12日", "2020-07-12"),
        ("2020년 7월 12일", "2020-07-12"),
        ("1e maart 2021", "2021-03-01"),  # Dutch ordinals
        ("21ste maart 2021", "2021-03-21"),
        ("1:a mars 2021", "2021-03-01"),  # Swedish ordinal
        ("2-го марта 2021", "2021-03-02"),  # Russian ordinal
        ("11 de setiembre de 2021", "2021-09-11"),  # Spanish variant
        ("3 ott 2021", "2021-10-03"),  # Italian abbreviation
        ("5 marca", None),  # no year: not a full date
    ],
)
def test_printed_date_formats(printed: str, day: str | None) -> None:
    tree = lxml_html.fromstring(
        f'<html><body><article><time class="published">{printed}</time></article></body></html>'
    )
    found = [c for c in dates.date_candidates(tree, "https://e.com/x") if c.source == "time"]
    assert (found[0].value.date().isoformat() if found and found[0].value else None) == day


def test_canonical_url_date_used_when_fetched_url_has_none() -> None:
    found = dates.date_candidates(
        None, "https://feeds.example.com/~r/x/abc", canonical_url="https://e.com/2021/02/03/story"
    )
    assert [(c.source, c.value.date().isoformat() if c.value else None) for c in found] == [("url", "2021-02-03")]


def test_modified_time_is_not_mistaken_for_an_offset() -> None:
    candidates = [cand("jsonld", "2023-11-09T23:00:00Z"), cand("meta", "2023-11-10 01:00:00", kind="modified")]
    value, _ = dates.choose_published_at(candidates, NOW)
    assert value is not None and value.isoformat() == "2023-11-09T23:00:00+00:00"


def test_headline_date_ranks_below_structured_sources() -> None:
    order = dates.SOURCE_ORDER
    assert order.index("feed") < order.index("headline") < order.index("htmldate")


@pytest.mark.parametrize(
    ("raw", "source", "problem"),
    [
        ("2026-46-21", "meta", "is not a calendar date"),
        ("2027-06-01T10:00:00+00:00", "jsonld", "is in the future"),
        ("2026-11-20T10:00:00+00:00", "jsonld", None),
    ],
)
def test_rejected_dates_name_each_refused_date(raw: str, source: str, problem: str | None) -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    found = dates.rejected_dates([dates.Candidate(source, raw, dates.parse_datetime(raw))], now)
    if problem is None:
        assert found == ()
    else:
        assert found == (f"{source} date {raw!r} {problem}",)


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        ("2024-03-01T23:30:00-05:00", timedelta(hours=-5)),
        ("2024-03-01T10:00:00Z", timedelta(0)),  # UTC, stated
        ("Fri, 01 Mar 2024 10:00:00 +0100", timedelta(hours=1)),
        ("2024-03-01", None),  # a bare day
        ("2024-03-01 10:00", None),  # a clock time without zone
        ("1709287200", None),  # a Unix timestamp: the instant, not the publisher's zone
        ("2024-03-01T10:00:00+20:00", None),  # no such zone
    ],
)
def test_stated_offset(raw: str, offset: timedelta | None) -> None:
    value = dates.parse_datetime(raw)
    assert dates.stated_offset(value) == offset
    assert dates.stated_offset(pickle.loads(pickle.dumps(value))) == offset  # pages cross a process pool


def test_offset_derived_from_local_clock_time_on_the_page() -> None:
    found = [cand("jsonld", "2024-03-01T22:30:00Z"), cand("time", "2024-03-01 17:30")]
    value, _ = dates.choose_published_at(found, NOW)
    assert value is not None and dates.stated_offset(value) == timedelta(hours=-5)


def test_bare_day_gets_no_offset_from_another_clock_time() -> None:
    found = [cand("meta", "2024-03-01"), cand("time", "2024-03-01 10:00")]
    value, _ = dates.choose_published_at(found, NOW)
    assert value is not None and dates.stated_offset(value) is None and value.date().isoformat() == "2024-03-01"


def test_unix_timestamp_gets_the_offset_of_the_same_time_printed_locally() -> None:
    found = [cand("jsonld", "1709332200"), cand("time", "2024-03-01 17:30")]  # 1709332200 = 2024-03-01T22:30Z
    value, _ = dates.choose_published_at(found, NOW)
    assert value is not None and dates.stated_offset(value) == timedelta(hours=-5)


@pytest.mark.parametrize(
    "raw",
    ["January 11th, 2024", "11th January 2024", "11e januari 2024", "11:e januari 2024", "11. Januar 2024",
     "11 de enero de 2024", "11º de janeiro de 2024", "11 gennaio 2024", "11 stycznia 2024", "11 января 2024"],
)
def test_meta_values_in_words_with_ordinals(raw: str) -> None:
    # <meta name="sailthru.date" content="January 11th, 2024"> and its siblings in the supported languages
    value = dates.parse_datetime(raw)
    assert value is not None and value.date().isoformat() == "2024-01-11"


def _choose(body: str, url: str) -> published.DateChoice:
    tree = lxml_html.fromstring(f"<html><head>{body}</body></html>")
    return published.choose(tree, url, page.read_page_data(tree), now=NOW)


def test_url_day_stated_again_on_the_page_beats_restamped_metadata() -> None:
    choice = _choose(
        '<meta property="article:published_time" content="2024-05-20T10:00:00+02:00"></head>'
        "<body><p>Printed 3 March 2024 in the print edition.</p>",
        "https://e.com/2024/03/03/story",
    )
    assert (choice.source, choice.published.date().isoformat() if choice.published else None) == ("url", "2024-03-03")


def test_url_day_alone_does_not_overrule_metadata() -> None:
    choice = _choose(
        '<meta property="article:published_time" content="2024-05-20T10:00:00+02:00"></head><body><p>Text.</p>',
        "https://e.com/2024/03/03/story",
    )
    assert (choice.source, choice.published.date().isoformat() if choice.published else None) == ("meta", "2024-05-20")


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        # the byline's wall clock 5 hours behind the UTC metadata: the publisher's March 2nd at -05:00
        ("March 2, 2024 11:30 PM", "2024-03-02T23:30:00-05:00"),
        # minutes that do not agree: a modification time, not the same instant
        ("March 3, 2024 6:12 AM", "2024-03-03T04:30:00+00:00"),
    ],
)
def test_byline_wall_clock_gives_the_offset_of_a_utc_date(byline: str, expected: str) -> None:
    choice = _choose(
        '<meta property="article:published_time" content="2024-03-03T04:30:00Z"></head>'
        f"<body><h1>Storm hits the coast</h1><p>{byline}</p>",
        "https://e.com/news/story",
    )
    assert choice.published is not None and choice.published.isoformat() == expected


def test_article_from_a_feed_keeps_the_feeds_offset_for_storage() -> None:
    from crawler.extract import extract

    paragraphs = "".join(
        f"<p>Paragraph {n}: the council voted late on Monday to keep harbour berth {n} open through the winter, "
        f"after {n * 3} fishing crews asked for it in a letter signed by {n + 40} members.</p>"
        for n in range(12)
    )
    body = f"<html><body><article><h1>Harbour stays open</h1>{paragraphs}</article></body></html>".encode()
    hints = models.Hints(
        published=datetime(2024, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5))), published_source="feed"
    )
    result = extract.extract_article(body, "https://e.com/news/harbour", hints=hints, now=NOW)
    assert isinstance(result, models.Article) and result.published_at is not None
    # what crawler.store writes: published_at (the instant) and published_offset (the publisher's zone)
    assert result.published_at.date().isoformat() == "2024-03-02"
    assert dates.stated_offset(result.published_at) == timedelta(hours=-5)


def test_update_stamp_in_the_byline_keeps_the_publishers_day() -> None:
    # published 23:17 local, updated 49 minutes later after midnight; the byline's <time> prints the update
    choice = _choose(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Storm hits the coast",'
        ' "datePublished": "2023-12-03T23:17:00+09:00", "dateModified": "2023-12-04T00:06:42+09:00"}</script>'
        '</head><body><article><h1>Storm hits the coast</h1><p><time datetime="2023-12-04T00:05">2023/12/04 00:05'
        "</time></p><p>The storm reached the coast late on Sunday evening and cut power to many homes.</p></article>",
        "https://e.com/news/20231203-story/",
    )
    assert choice.published is not None and choice.published.isoformat() == "2023-12-03T23:17:00+09:00"
    assert choice.source == "jsonld"


@pytest.mark.parametrize(
    ("raw", "bare"),
    [("2024-04-26", True), ("20240426", True), ("26.04.2024", True), ("2024-04-26T00:00:00+02:00", False),
     ("2024-04-26T19:30:04+02:00", False)],
)
def test_is_bare_day(raw: str, bare: bool) -> None:
    assert dates.is_bare_day(cand("meta", raw)) is bare
