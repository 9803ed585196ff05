"""Tests for crawler.extract.extract: project-made pages in tests/fixtures/extract/ and bad-input bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler import models, outcomes
from crawler.extract import extract, verdict

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PARAGRAPH = (
    "The regional assembly debated the water budget for most of the afternoon, and several members asked "
    "for more detail about how the reservoirs would be maintained during the dry months of the coming year. "
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run(
    body: bytes, url: str = "https://gazette.example.org/news/some-long-article-slug", **kw
) -> models.Article | models.Rejected:
    kw.setdefault("now", NOW)
    return extract.extract_article(body, url, **kw)


def page(head: str = "", body: str = "", charset: str = "utf-8") -> str:
    return (
        f'<html lang="en"><head><meta charset="{charset}"><title>A council budget debate</title>'
        f'<meta property="og:type" content="article">{head}</head>'
        f"<body><article><h1>A council budget debate</h1>{body or ''.join(f'<p>{PARAGRAPH}</p>' for _ in range(4))}"
        "</article></body></html>"
    )


@pytest.fixture(scope="module")
def full() -> models.Article:
    result = run(
        fixture("article_full.html"), "https://gazette.example.org/news/harbour-council-approves-new-ferry-timetable"
    )
    assert isinstance(result, models.Article), result
    return result


def test_full_article_metadata(full: models.Article) -> None:
    assert full.title == "Harbour council approves new ferry timetable"
    assert full.authors == ("Ana Ruiz", "Tom Berg")
    assert full.site_name == "Coastline Gazette"
    assert full.canonical_url == "https://gazette.example.org/news/harbour-council-approves-new-ferry-timetable"
    assert full.image == "https://gazette.example.org/img/ferry.jpg"
    assert full.description == "The council voted for more evening sailings."
    assert full.language == "en"
    assert full.modified_at == datetime(2024, 3, 3, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def test_jsonld_article_date_beats_meta_time_and_webpage(full: models.Article) -> None:
    assert full.published_at == datetime(2024, 3, 1, 18, 45, tzinfo=timezone(timedelta(hours=-5)))
    assert full.date_source == "jsonld"


def test_comment_section_dropped(full: models.Article) -> None:
    assert "three evening sailings" in full.text
    assert "COMMENTMARKER" not in full.text


def test_newsletter_line_dropped(full: models.Article) -> None:
    assert "Sign up for our daily newsletter" not in full.text


def test_impossible_meta_date_falls_back_to_valid_one() -> None:
    result = run(
        fixture("article_bad_meta_date.html"),
        "https://courier.example.net/local/market-hall-reopens-after-long-renovation",
    )
    assert isinstance(result, models.Article), result
    assert result.published_at == datetime(2023, 7, 14, 6, 15, tzinfo=timezone(timedelta(hours=2)))
    assert result.date_source == "meta"
    assert result.title == "Market hall reopens after long renovation"


def test_impossible_date_is_reported_not_silently_dropped() -> None:
    result = run(
        fixture("article_bad_meta_date.html"),
        "https://courier.example.net/local/market-hall-reopens-after-long-renovation",
    )
    assert isinstance(result, models.Article), result
    assert any("is not a calendar date" in problem for problem in result.date_problems), result.date_problems


def test_meta_beats_htmldate_when_no_jsonld() -> None:
    head = '<meta property="article:published_time" content="2024-02-10T10:00:00Z">'
    body = "<p>Posted on 2019-05-05.</p>" + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
    result = run(page(head, body).encode())
    assert isinstance(result, models.Article)
    assert (result.published_at, result.date_source) == (datetime(2024, 2, 10, 10, tzinfo=UTC), "meta")


def test_htmldate_used_when_nothing_structured() -> None:
    body = '<p class="date">2023-11-05</p>' + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
    result = run(page("", body).encode())
    assert isinstance(result, models.Article)
    assert result.date_source == "htmldate"
    assert result.published_at is not None and result.published_at.date().isoformat() == "2023-11-05"


@pytest.mark.parametrize("footer", ["<footer>© 2021 Example Media</footer>", "<footer>Archive: March 2023</footer>"])
def test_htmldate_padded_first_of_month_dropped(footer: str) -> None:
    # htmldate turns a bare year or month into the 1st ("© 2021" -> 2021-01-01); no page states that day
    html = page("", "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))).replace("</body>", f"{footer}</body>")
    result = run(html.encode())
    assert isinstance(result, models.Article)
    assert (result.published_at, result.date_source) == (None, None)


@pytest.mark.parametrize(
    "stated",
    ['<p class="date">1. März 2023</p>', '<abbr class="published" title="2023-03-01T10:00:00">March</abbr>'],
)
def test_htmldate_first_of_month_kept_when_the_page_states_it(stated: str) -> None:
    body = stated + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
    result = run(page("", body).encode())
    assert isinstance(result, models.Article)
    assert result.published_at is not None and result.published_at.date().isoformat() == "2023-03-01"


def test_future_date_rejected_for_feed_hint() -> None:
    head = '<meta property="article:published_time" content="2024-06-20T10:00:00Z">'
    hints = models.Hints(published=datetime(2024, 5, 30, tzinfo=UTC), published_source="sitemap")
    result = run(page(head).encode(), hints=hints)
    assert isinstance(result, models.Article)
    assert (result.published_at, result.date_source) == (datetime(2024, 5, 30, tzinfo=UTC), "sitemap")


@pytest.mark.parametrize(
    ("title", "site", "url", "expected"),
    [
        ("Trump signs order | Newsmax.com", None, "https://www.newsmax.com/politics/x/", "Trump signs order"),
        ("Oil prices rise - Reuters", None, "https://www.reuters.com/markets/x", "Oil prices rise"),
        ("BBC News - Storm hits coast", "BBC News", "https://www.bbc.co.uk/news/x", "Storm hits coast"),
        (
            "Cuba: power cuts spread | World | The Guardian",
            "The Guardian",
            "https://www.theguardian.com/x",
            "Cuba: power cuts spread | World",
        ),
        (
            "Venezuela - Cuba relations explained",
            "Daily Planet",
            "https://planet.example.com/x",
            "Venezuela - Cuba relations explained",
        ),
        ("Plain title", "Site", "https://site.example.com/x", "Plain title"),
        (
            "Eskalation im Nahen Osten - «Die Zurückhaltung hat viel zu tun»",
            "SRF News",
            "https://www.srf.example/news/x",
            "Eskalation im Nahen Osten - «Die Zurückhaltung hat viel zu tun»",
        ),
    ],
)
def test_clean_title(title: str, site: str | None, url: str, expected: str) -> None:
    assert extract.clean_title(title, site, url) == expected


def test_title_drops_soft_hyphens_and_zero_width_spaces() -> None:
    headline = "Ver\u00adfas\u00adsungs\u00adbe\u00adschwerde gegen den Haushalt\u200b eingelegt"
    result = run(page(body=f"<h1>{headline}</h1>" + f"<p>{PARAGRAPH}</p>" * 4).replace(
        "<title>A council budget debate</title>", f"<title>{headline}</title>").replace(
        "<h1>A council budget debate</h1>", "").encode())
    assert isinstance(result, models.Article), result
    assert result.title == "Verfassungsbeschwerde gegen den Haushalt eingelegt"


def test_index_page_not_article() -> None:
    result = run(fixture("index_page.html"), "https://gazette.example.org/news/")
    assert isinstance(result, models.Rejected)
    assert result.reason == outcomes.NOT_ARTICLE and result.detail


def test_soft_404_not_article() -> None:
    result = run(fixture("soft_404.html"), "https://gazette.example.org/news/some-deleted-story-about-the-harbour")
    assert isinstance(result, models.Rejected)
    assert result.reason == outcomes.NOT_ARTICLE and "not found" in result.detail


def test_spanish_language_detected_without_declaration() -> None:
    result = run(fixture("spanish.html"), "https://litoral.example.com/puerto/amplia-horario-transbordadores-nocturnos")
    assert isinstance(result, models.Article), result
    assert result.language == "es"
    assert result.title == "El puerto amplía el horario de los transbordadores"
    assert result.published_at == datetime(2024, 5, 10, 12, tzinfo=timezone(timedelta(hours=-3)))


def test_declared_language_used_for_short_text() -> None:
    assert extract.language.detect_language("Hola", declared="es-ES") == "es"


def test_truncated_html_still_extracted() -> None:
    body = page().encode()
    cut = body[: int(len(body) * 0.8)]
    result = run(cut)
    assert isinstance(result, models.Article), result
    assert "regional assembly" in result.text


def test_latin1_served_as_utf8_is_readable() -> None:
    body = page(
        body="".join(f"<p>Él añadió que la reunión fue muy útil. {PARAGRAPH}</p>" for _ in range(4)), charset="latin-1"
    )
    result = run(body.encode("latin-1"), content_type="text/html; charset=utf-8")
    assert isinstance(result, models.Article), result
    assert "Él añadió que la reunión fue muy útil" in result.text


def test_utf8_served_as_latin1_is_readable() -> None:
    body = page(
        body="".join(f"<p>Él añadió que la reunión fue muy útil. {PARAGRAPH}</p>" for _ in range(4)),
        charset="iso-8859-1",
    )
    result = run(body.encode("utf-8"), content_type="text/html; charset=ISO-8859-1")
    assert isinstance(result, models.Article), result
    assert "Él añadió que la reunión fue muy útil" in result.text


def test_wrong_multibyte_label_ignored() -> None:
    result = run(page().encode("ascii"), content_type="text/html; charset=utf-16")
    assert isinstance(result, models.Article), result
    assert "regional assembly" in result.text


def test_missing_charset_detected() -> None:
    html = page(body="".join(f"<p>Él añadió que la reunión fue muy útil. {PARAGRAPH}</p>" for _ in range(4)))
    result = run(html.replace('<meta charset="utf-8">', "").encode("cp1252"), content_type="text/html")
    assert isinstance(result, models.Article), result
    assert "reunión" in result.text


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "text/html", outcomes.NOT_HTML),
        (b"%PDF-1.7\n1 0 obj", None, outcomes.NOT_HTML),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", outcomes.NOT_HTML),
        (b"<html><body>x</body></html>", "application/pdf", outcomes.NOT_HTML),
        (b"", "text/html", outcomes.EMPTY),
        (b"   \n\t ", "text/html", outcomes.EMPTY),
        (b"<html><head><title>x</title></head><body></body></html>", "text/html", outcomes.EMPTY),
        (b"<html><body><p>Too short.</p></body></html>", "text/html", outcomes.NOT_ARTICLE),
        (b"\xff\xfe\x00\xd8" * 400, "text/html; charset=utf-16", outcomes.BAD_ENCODING),
        (b"Plain words and nothing else. " * 40, "text/html", outcomes.NOT_HTML),
        (bytes(range(256)) * 20, None, outcomes.NOT_HTML),
    ],
)
def test_bad_input_rejected_with_reason(body: bytes, content_type: str | None, reason: str) -> None:
    result = run(body, content_type=content_type)
    assert isinstance(result, models.Rejected)
    assert result.reason == reason
    assert result.detail


def test_too_large() -> None:
    body = page(body="<p>" + "word " * 1_100_000 + "</p>").encode()
    assert len(body) > 5_000_000
    result = run(body)
    assert isinstance(result, models.Rejected) and result.reason == outcomes.TOO_LARGE


def test_html_served_as_text_plain_is_accepted() -> None:
    assert isinstance(run(page().encode(), content_type="text/plain"), models.Article)


def test_failure_becomes_extract_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(extract, "body_text", boom)
    result = run(page().encode())
    assert isinstance(result, models.Rejected)
    assert result.reason == outcomes.EXTRACT_FAILED and "parser exploded" in result.detail


def test_same_page_twice_is_extracted_twice() -> None:
    # trafilatura's global dedup cache must not turn a re-fetch into a silent None
    first, second = run(page().encode()), run(page().encode())
    assert isinstance(first, models.Article) and isinstance(second, models.Article)
    assert first.text == second.text


def test_jsonld_body_used_when_html_has_none() -> None:
    body = " ".join([PARAGRAPH] * 4)
    html = (
        '<html><head><title>Script page</title><script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "headline": "Script page", "articleBody": "{body}"}}</script></head>'
        '<body><div id="app"></div></body></html>'
    )
    result = run(html.encode())
    assert isinstance(result, models.Article), result
    assert result.text.startswith("The regional assembly debated")


def test_repeated_headline_and_share_prompts_dropped() -> None:
    body = (
        "<p>A council budget debate</p>"
        + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
        + "<p>Like this story? Share it with a friend!</p>"
    )
    result = run(page(body=body).encode())
    assert isinstance(result, models.Article), result
    assert result.text.startswith("The regional assembly debated")
    assert "Share it with a friend" not in result.text


def test_memoryview_body_accepted() -> None:
    assert isinstance(run(memoryview(page().encode())), models.Article)


def test_xml_declared_latin1_xhtml() -> None:
    html = page(body="".join(f"<p>Café crème. {PARAGRAPH}</p>" for _ in range(4)), charset="iso-8859-1")
    html = html.replace('<meta charset="iso-8859-1">', "")
    body = ('<?xml version="1.0" encoding="iso-8859-1"?>' + html).encode("latin-1")
    result = run(body, content_type="application/xhtml+xml")
    assert isinstance(result, models.Article), result
    assert "Café crème" in result.text


def test_link_farm_rejected_before_extraction() -> None:
    body = "<html><body>" + '<a href="/x">link text here</a> ' * 6000 + "</body></html>"
    result = run(body.encode())
    assert isinstance(result, models.Rejected)
    assert result.reason == outcomes.NOT_ARTICLE and "link" in result.detail


@pytest.mark.parametrize(
    ("text", "declared", "hint", "expected"),
    [
        (
            "El gobierno de Venezuela anunció hoy nuevas medidas económicas para enfrentar la crisis que afecta "
            "al país desde hace años, según informaron fuentes oficiales en Caracas durante una rueda de prensa." * 2,
            "en",
            None,
            "es",
        ),  # confident detection beats a wrong declaration
        ("Short", "es-ES", "en", "es"),
        ("Short", None, "pt-BR", "pt"),
        ("Short", "not a tag!", None, None),
    ],
)
def test_detect_language(text: str, declared: str | None, hint: str | None, expected: str | None) -> None:
    assert extract.language.detect_language(text, declared, hint) == expected


def test_section_front_with_few_teasers_not_article() -> None:
    teasers = "".join(
        f'<li><h3><a href="/sports/story-{i}-title-words">Story {i} headline</a></h3><p>{PARAGRAPH[:140]}</p></li>'
        for i in range(3)
    )
    html = (
        '<html lang="en"><head><title>Sports | Coastline Gazette</title></head>'
        f"<body><main><h1>Sports</h1><ul>{teasers}</ul></main></body></html>"
    )
    result = run(html.encode(), "https://gazette.example.org/en/sports")
    assert isinstance(result, models.Rejected)
    assert result.reason == outcomes.NOT_ARTICLE


@pytest.mark.parametrize(
    ("title", "is_404"),
    [
        ("Page not found", True),
        ("404 - File or directory not found", True),
        ("Error 404 | Diario", True),
        ("Página no encontrada", True),
        ("Seite nicht gefunden", True),
        ("Missing hiker not found after three-day search", False),
        ("Flight 404 lands safely after engine scare", False),
        ("La crisis que no existe", False),
    ],
)
def test_soft_404_titles(title: str, is_404: bool) -> None:
    assert bool(verdict._SOFT_404.search(title)) is is_404


def test_entities_in_jsonld_headline_decoded() -> None:
    head = (
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "headline": "Review &#8211; &#8216;Quiet&#8217; wins"}</script>'
    )
    result = run(page(head).encode())
    assert isinstance(result, models.Article), result
    assert result.title == "Review – ‘Quiet’ wins"


def _article(head: str, article: str) -> bytes:
    return (
        f'<html lang="en"><head><meta charset="utf-8">{head}<meta property="og:type" content="article"></head>'
        f"<body>{article}</body></html>"
    ).encode()


BODY = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))


def test_visible_headline_beats_the_social_headline() -> None:
    head = (
        "<title>Council budget: 5 things to know | Gazette</title>"
        '<meta property="og:title" content="Council budget: 5 things to know">'
    )
    result = run(_article(head, f"<article><h1>Council debates the budget for five hours</h1>{BODY}</article>"))
    assert isinstance(result, models.Article)
    assert result.title == "Council debates the budget for five hours"


def test_a_logo_h1_does_not_replace_the_title() -> None:
    head = "<title>Council debates the water budget | Gazette</title>"
    result = run(_article(head, f"<h1>Gazette</h1><article>{BODY}</article>"))
    assert isinstance(result, models.Article)
    assert result.title == "Council debates the water budget"


def test_an_unrelated_h1_does_not_replace_the_title() -> None:
    head = "<title>Council debates the water budget</title>"
    result = run(_article(head, f"<h1>Weather forecast for the weekend</h1><article>{BODY}</article>"))
    assert isinstance(result, models.Article)
    assert result.title == "Council debates the water budget"


def test_a_kicker_inside_the_h1_stays_out_of_the_title() -> None:
    head = "<title>Council debates the water budget</title>"
    h1 = '<h1><span class="kicker">Politics</span> Council debates the water budget</h1>'
    result = run(_article(head, f"<article>{h1}{BODY}</article>"))
    assert isinstance(result, models.Article)
    assert result.title == "Council debates the water budget"


def test_furniture_above_the_body_is_not_text() -> None:
    furniture = "<p>Politics</p><h1>A council budget debate</h1><p>Publicado: 03/02/2024 10:15</p><p>By Ana Ruiz</p>"
    result = run(_article("<title>A council budget debate</title>", f"<article>{furniture}{BODY}</article>"))
    assert isinstance(result, models.Article)
    assert result.text.startswith(PARAGRAPH.strip()[:40]), result.text[:200]


def test_more_and_got_a_story_lines_are_not_text() -> None:
    tail = "<p>MORE: Ferry timetable changes again</p><p>Got a story? Email the newsroom</p>"
    article = f"<article><h1>A council budget debate</h1>{BODY}{tail}</article>"
    result = run(_article("<title>A council budget debate</title>", article))
    assert isinstance(result, models.Article)
    assert "MORE:" not in result.text and "Got a story" not in result.text


def test_text_is_nfc_normalised() -> None:
    decomposed = "Cafe\u0301 owners protest. " * 3
    article = f"<article><h1>A council budget debate</h1><p>{decomposed}</p>{BODY}</article>"
    result = run(_article("<title>A council budget debate</title>", article))
    assert isinstance(result, models.Article)
    assert "Caf\u00e9 owners" in result.text and "\u0301" not in result.text


def test_ordinal_meta_date_is_read() -> None:
    result = run(page('<meta name="sailthru.date" content="January 11th, 2024">').encode())
    assert isinstance(result, models.Article)
    assert (result.published_at, result.date_source) == (datetime(2024, 1, 11, tzinfo=UTC), "meta")
    assert result.date_problems == ()


def test_published_at_keeps_the_publishers_offset_and_day() -> None:
    result = run(page('<meta property="article:published_time" content="2024-03-01T23:30:00-05:00">').encode())
    assert isinstance(result, models.Article) and result.published_at is not None
    assert result.published_at.date().isoformat() == "2024-03-01"  # 2024-03-02 in UTC
    assert result.published_at.utcoffset() == timedelta(hours=-5)


def test_an_overline_set_apart_in_the_h1_is_not_in_the_title() -> None:
    h1 = ('<span class="overline">Storm season</span><span class="sr-only"> - </span>'
          "<span>Storm hits the coast near the harbour</span>")
    html = page(body=f"<h1>{h1}</h1>" + f"<p>{PARAGRAPH}</p>" * 4).replace(
        "<title>A council budget debate</title>", "<title>Storm season - Storm hits the coast near the harbour</title>"
    ).replace("<h1>A council budget debate</h1>", "")
    result = run(html.encode())
    assert isinstance(result, models.Article), result
    assert result.title == "Storm hits the coast near the harbour"


def test_a_first_word_in_its_own_element_is_no_kicker() -> None:
    html = page(body="<h1><a href='/topics/storm'>Storm</a> <span>hits the coast near the harbour</span></h1>"
                + f"<p>{PARAGRAPH}</p>" * 4).replace(
        "<title>A council budget debate</title>", "<title>Storm hits the coast near the harbour</title>"
    ).replace("<h1>A council budget debate</h1>", "")
    result = run(html.encode())
    assert isinstance(result, models.Article), result
    assert result.title == "Storm hits the coast near the harbour"


def test_a_template_placeholder_line_is_not_text() -> None:
    body = f"<p>{PARAGRAPH}</p><p>$$ARTICLEAD$$</p><p>{PARAGRAPH}</p><p>{{{{ad_slot}}}}</p><p>{PARAGRAPH}</p>"
    result = run(page(body=body).encode())
    assert isinstance(result, models.Article), result
    assert "$$" not in result.text and "{{" not in result.text, result.text
