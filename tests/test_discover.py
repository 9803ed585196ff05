"""Feed and listing-page discovery, dates and sniffing (crawler.fetch.discover) on project-made fixtures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.fetch import discover, found, sitemaps

FIXTURES = Path(__file__).parent / "fixtures" / "discover"
FEED_URL = "https://news.example.com/feed/rss.xml"
SITEMAP_URL = "https://news.example.com/sitemap.xml"
LISTING_URL = "https://news.example.com/america/"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02", utc(2024, 1, 2)),
        ("2024-01-02T10:00:00Z", utc(2024, 1, 2, 10)),
        ("2024-01-02T10:00:00+02:00", utc(2024, 1, 2, 8)),  # the same instant ...
        ("2024-01-02T10:00:00", utc(2024, 1, 2, 10)),  # naive -> UTC
        ("2024-1-2", utc(2024, 1, 2)),
        ("2024-01", utc(2024, 1, 1)),
        ("Tue, 02 Jan 2024 10:00:00 GMT", utc(2024, 1, 2, 10)),
        ("Tue, 02 Jan 2024 10:00:00 -0500", utc(2024, 1, 2, 15)),
        ("02 Jan 2024", utc(2024, 1, 2)),
        ("2026-46-21", None),  # real-world impossible meta value
        ("2024-02-30", None),
        ("Fri, 30 Feb 2024 10:00:00 GMT", None),
        ("2024-13-01T00:00:00Z", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: datetime | None) -> None:
    assert found.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "day", "offset"),
    [
        ("Mon, 02 Mar 2026 23:30:00 -0500", "2026-03-02", timedelta(hours=-5)),  # UTC's day is the 3rd
        ("2026-03-03T06:30:00+09:00", "2026-03-03", timedelta(hours=9)),  # UTC's day is the 2nd
        ("2026-03-02T23:30:00", "2026-03-02", timedelta(0)),  # naive: UTC
    ],
)
def test_parse_date_keeps_the_stated_offset(text: str, day: str, offset: timedelta) -> None:
    value = found.parse_date(text)
    assert value is not None and (value.date().isoformat(), value.utcoffset()) == (day, offset)


def test_feed_pubdate_keeps_the_publishers_day() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://news.example.com/</link>'
        b"<item><title>Late story</title><link>https://news.example.com/late.html</link>"
        b"<pubDate>Mon, 02 Mar 2026 23:30:00 -0500</pubDate></item></channel></rss>"
    )
    result = discover.parse_feed(body, FEED_URL, content_type="application/rss+xml")
    published = result.links[0].published
    assert published is not None and (published.date().isoformat(), published.utcoffset()) == (
        "2026-03-02", timedelta(hours=-5))


@pytest.mark.parametrize(
    ("pubdate", "expected"),
    [
        # feedparser reads this as the day of parsing, in UTC; the page-date parser keeps what the feed states
        ("2026/03/02 23:30 -0500", "2026-03-02T23:30:00-05:00"),
        ("2026/02/30 23:30 -0500", None),  # not a calendar day: dropped, not normalised
    ],
)
def test_feed_pubdate_in_other_formats_keeps_the_stated_day(pubdate: str, expected: str | None) -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://news.example.com/</link>'
        b"<item><title>Late story</title><link>https://news.example.com/late.html</link>"
        b"<pubDate>" + pubdate.encode() + b"</pubDate></item></channel></rss>"
    )
    published = discover.parse_feed(body, FEED_URL, content_type="application/rss+xml").links[0].published
    assert (published.isoformat() if published else None) == expected


def test_news_sitemap_date_keeps_the_publishers_day() -> None:
    body = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://news.example.com/late.html</loc>'
        b"<news:news><news:publication><news:name>N</news:name><news:language>en</news:language></news:publication>"
        b"<news:publication_date>2026-03-02T23:30:00-05:00</news:publication_date><news:title>Late</news:title>"
        b"</news:news></url></urlset>"
    )
    result = sitemaps.parse_sitemap(body, SITEMAP_URL)
    published = result.links[0].published
    assert published is not None and (published.date().isoformat(), published.utcoffset()) == (
        "2026-03-02", timedelta(hours=-5))


# --------------------------------------------------------------------------- feeds


def test_rss20_entries_become_links_with_hints() -> None:
    result = discover.parse_feed(fixture("rss20.xml"), FEED_URL, content_type="application/rss+xml")
    assert result.error is None
    assert [link.url for link in result.links] == [
        "https://news.example.com/america/cuba-medidas.html?utm_source=rss&utm_medium=feed",
        "https://news.example.com/america/venezuela-elecciones.html",
        "https://news.example.com/america/solo-guid.html",
    ]
    first = result.links[0]
    assert (first.kind, first.source_url, first.language) == ("feed", FEED_URL, "es")
    assert first.title == "Cuba anuncia nuevas medidas"  # markup stripped
    assert first.published == utc(2024, 1, 2, 8)  # +0200 converted to UTC


def test_rss20_relative_link_is_resolved_against_feed_url() -> None:
    result = discover.parse_feed(fixture("rss20.xml"), FEED_URL)
    assert result.links[0].url.startswith("https://news.example.com/america/")


def test_rss20_impossible_pubdate_is_dropped_not_normalized() -> None:
    link = discover.parse_feed(fixture("rss20.xml"), FEED_URL).links[1]
    assert link.published is None and link.lastmod is None


def test_rss20_permalink_guid_and_dc_date_are_used() -> None:
    link = discover.parse_feed(fixture("rss20.xml"), FEED_URL).links[2]
    assert link.url == "https://news.example.com/america/solo-guid.html"
    assert link.published == utc(2024, 1, 3, 8, 30)


def test_rss20_tracking_duplicate_and_linkless_entries_are_dropped() -> None:
    titles = [link.title for link in discover.parse_feed(fixture("rss20.xml"), FEED_URL).links]
    assert "Duplicate with tracking" not in titles
    assert "No link at all" not in titles and "Mail link" not in titles


def test_atom10_published_and_updated_stay_apart() -> None:
    result = discover.parse_feed(fixture("atom10.xml"), "https://atom.example.org/feed.atom")
    assert result.error is None
    first, second = result.links
    assert first.url == "https://atom.example.org/2024/03/havana-caracas"
    assert first.title == "Havana & Caracas"
    assert first.published == utc(2024, 3, 1, 14, 15)
    assert first.lastmod == utc(2024, 3, 1, 11)
    assert first.language == "en"  # xml:lang="en-GB"
    assert (second.published, second.lastmod) == (None, utc(2024, 3, 2))


def test_rdf_feed() -> None:
    result = discover.parse_feed(fixture("rdf.xml"), "https://rdf.example.net/index.rdf")
    assert result.error is None
    (link,) = result.links
    assert (link.url, link.title, link.language) == ("https://rdf.example.net/story/1", "RDF story one", "en")
    assert link.published == utc(2024, 5, 6, 5, 8, 9)


def test_broken_feed_without_entries_is_an_error() -> None:
    result = discover.parse_feed(fixture("broken_feed.xml"), FEED_URL)
    assert result.links == ()
    assert result.error is not None and "ill-formed" in result.error


def test_ill_formed_feed_keeps_recovered_entries_and_reports_error() -> None:
    result = discover.parse_feed(fixture("partial_feed.xml"), FEED_URL)
    assert [link.title for link in result.links] == ["First", "Second"]
    assert result.error is not None and "ill-formed" in result.error


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", "empty"), (b"   \n", "empty"), (b"<html><body><p>hi</p></body></html>", "not a feed")],
)
def test_unusable_feed_documents(body: bytes, reason: str) -> None:
    result = discover.parse_feed(body, FEED_URL)
    assert result.links == () and result.error is not None and reason in result.error


def test_html_page_is_not_a_feed() -> None:
    result = discover.parse_feed(fixture("not_a_feed.html"), FEED_URL)
    assert result.links == () and result.error is not None


# --------------------------------------------------------------------------- listing pages


def test_listing_without_filters_skips_chrome_self_and_non_http_links() -> None:
    urls_found = [link.url for link in discover.parse_listing(fixture("listing.html"), LISTING_URL).links]
    assert "https://news.example.com/2024/01/nav-article.html" not in urls_found  # inside <nav>
    assert "https://news.example.com/2024/01/footer-article.html" not in urls_found  # inside <footer>
    assert LISTING_URL not in urls_found
    assert all(u.startswith("https://") for u in urls_found)
    assert "https://offsite.example.net/2024/01/other.html" in urls_found  # no hosts given: kept


def test_listing_with_patterns_and_hosts() -> None:
    result = discover.parse_listing(
        fixture("listing.html"),
        LISTING_URL,
        patterns=(r"^/\d{4}/\d{2}/",),
        hosts=frozenset({"news.example.com"}),
    )
    assert result.error is None
    assert [(link.url, link.title) for link in result.links] == [
        ("https://news.example.com/2024/01/cuba-economia.html", "La economía de Cuba"),
        ("https://www.news.example.com/2024/01/venezuela-crudo.html", "Venezuela y el crudo"),
        ("https://news.example.com/2024/01/el-niño.html", "Niño")  # as found; requests encode it,
    ]
    assert {(link.kind, link.source_url) for link in result.links} == {("listing", LISTING_URL)}


def test_listing_pattern_sees_query_string() -> None:
    result = discover.parse_listing(fixture("listing.html"), LISTING_URL, patterns=(r"[?&]page=\d+",))
    assert [link.url for link in result.links] == ["https://news.example.com/search?q=cuba&page=2"]


def test_listing_invalid_pattern_is_an_error() -> None:
    result = discover.parse_listing(fixture("listing.html"), LISTING_URL, patterns=("(unclosed",))
    assert result.links == () and result.error is not None and "pattern" in result.error


def test_listing_base_href_and_latin1_page() -> None:
    body = '<html><head><base href="https://news.example.com/es/"></head><body><a href="cañón.html">Cañón</a>'
    result = discover.parse_listing(body.encode("latin-1"), LISTING_URL, content_type="text/html; charset=iso-8859-1")
    assert [(link.url, link.title) for link in result.links] == [("https://news.example.com/es/cañón.html", "Cañón")]


def test_empty_listing_is_an_error() -> None:
    assert discover.parse_listing(b"", LISTING_URL).error == "empty document"


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("name", "feed", "sitemap"),
    [
        ("rss20.xml", True, False),
        ("atom10.xml", True, False),
        ("rdf.xml", True, False),
        ("sitemap_index.xml", False, True),
        ("sitemap_news.xml", False, True),
        ("listing.html", False, False),
    ],
)
def test_sniffing(name: str, feed: bool, sitemap: bool) -> None:
    body = fixture(name)
    assert discover.looks_like_feed(body) is feed
    assert discover.looks_like_sitemap(body) is sitemap
