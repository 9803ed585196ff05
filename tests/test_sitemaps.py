"""Sitemap parsing (crawler.fetch.sitemaps): index, urlset, Google News, gzip and its cap, XXE, truncation, text."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.fetch import sitemaps

FIXTURES = Path(__file__).parent / "fixtures" / "discover"
SITEMAP_URL = "https://news.example.com/sitemap.xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_sitemap_index_lists_child_sitemaps() -> None:
    result = sitemaps.parse_sitemap(fixture("sitemap_index.xml"), SITEMAP_URL)
    assert result.error is None and result.links == ()
    assert result.sitemaps == (
        "https://news.example.com/sitemap-news.xml",
        "https://news.example.com/sitemap-2024-01.xml.gz",
    )


def test_urlset_lastmod_and_invalid_lastmod_ignored() -> None:
    result = sitemaps.parse_sitemap(fixture("sitemap_urlset.xml"), SITEMAP_URL)
    assert result.error is None
    assert [(link.url.rsplit("/", 1)[1], link.lastmod) for link in result.links] == [
        ("a.html", utc(2024, 1, 2, 9)),
        ("b.html", None),  # 2026-46-21
        ("c.html", utc(2024, 1, 1)),
        ("d.html", None),
    ]
    assert {link.kind for link in result.links} == {"sitemap"}


def test_news_sitemap_publication_date_title_language() -> None:
    first, second = sitemaps.parse_sitemap(fixture("sitemap_news.xml"), SITEMAP_URL).links
    assert first.url == "https://news.example.com/america/cuba-apagon.html"
    assert first.title == "Cuba sufre un apagón general"
    assert first.published == utc(2024, 2, 1, 14, 30)
    assert first.lastmod == utc(2024, 2, 1, 12)
    assert first.language == "es"
    assert (second.title, second.published, second.language) == ("Fecha imposible", None, "zh")


def test_gzip_sitemap() -> None:
    plain = sitemaps.parse_sitemap(fixture("sitemap_news.xml"), SITEMAP_URL)
    zipped = sitemaps.parse_sitemap(gzip.compress(fixture("sitemap_news.xml")), SITEMAP_URL)
    assert zipped == plain and len(zipped.links) == 2


def test_gzip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_SITEMAP_BYTES", 1000)
    bomb = gzip.compress(b"<urlset>" + b" " * 100_000 + b"</urlset>")
    result = sitemaps.parse_sitemap(bomb, SITEMAP_URL)
    assert result.links == () and result.error is not None and "larger than" in result.error


def test_corrupt_gzip_is_an_error() -> None:
    result = sitemaps.parse_sitemap(b"\x1f\x8b\x08\x00garbage", SITEMAP_URL)
    assert result.links == () and result.error is not None and "gzip" in result.error


def test_sitemap_entities_are_not_resolved() -> None:
    result = sitemaps.parse_sitemap(fixture("sitemap_xxe.xml"), SITEMAP_URL)
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\0"
    assert all(hostname not in link.url for link in result.links)


def test_truncated_sitemap_recovers_complete_entries() -> None:
    result = sitemaps.parse_sitemap(fixture("sitemap_truncated.xml"), SITEMAP_URL)
    assert [link.url for link in result.links] == [
        "https://news.example.com/one.html",
        "https://news.example.com/two.html",
    ]
    assert result.error is not None and "ill-formed" in result.error


def test_plain_text_sitemap() -> None:
    body = b"https://news.example.com/a.html\nhttps://news.example.com/b.html\n\n"
    result = sitemaps.parse_sitemap(body, "https://news.example.com/sitemap.txt")
    assert [link.url for link in result.links] == ["https://news.example.com/a.html", "https://news.example.com/b.html"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", "empty"), (fixture("rss20.xml"), "not a sitemap"), (b"just words", "not a sitemap")],
)
def test_unusable_sitemaps(body: bytes, reason: str) -> None:
    result = sitemaps.parse_sitemap(body, SITEMAP_URL)
    assert result.links == () and result.error is not None and reason in result.error
