"""`mediamon extract` as a user runs it: a real subprocess on saved pages, one page or JSON lines in bulk."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

MEDIAMON = [sys.executable, "-m", "crawler.cli"]
PARAGRAPH = (
    "The regional assembly debated the water budget for most of the afternoon, and several members asked "
    "for more detail about how the reservoirs would be maintained during the dry months of the coming year. "
)
ARTICLE = (
    '<html lang="en"><head><meta charset="utf-8"><title>Assembly debates the water budget | Gazette</title>'
    '<meta property="og:type" content="article"><meta name="author" content="Ana Ruiz and Tom Berg">'
    '<meta property="article:published_time" content="2024-03-01T23:30:00-05:00"></head>'
    "<body><article><h1>Assembly debates the water budget</h1>"
    + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
    + "</article></body></html>"
)
LISTING = (
    "<html><head><title>News</title></head><body><h1>News</h1><ul>"
    + "".join(f'<li><a href="/n/{i}">Headline number {i} about the council</a></li>' for i in range(30))
    + "</ul></body></html>"
)
URL = "https://gazette.example.org/news/assembly-debates-the-water-budget"


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(MEDIAMON + args, input=stdin, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent)


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "article.html"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_one_page_prints_title_date_with_offset_authors_language_and_text(article_file: Path) -> None:
    result = _run(["extract", str(article_file), "--url", URL])
    assert result.returncode == 0, result.stderr
    assert "title: Assembly debates the water budget\n" in result.stdout
    # the publisher's own day and offset, not the UTC day (2024-03-02)
    assert "published: 2024-03-01T23:30:00-05:00 (source meta, offset -05:00)" in result.stdout
    assert "authors: Ana Ruiz; Tom Berg\n" in result.stdout
    assert "language: en\n" in result.stdout
    assert PARAGRAPH.strip() in result.stdout


def test_a_rejected_page_prints_its_reason_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "listing.html"
    path.write_text(LISTING, encoding="utf-8")
    result = _run(["extract", str(path), "--url", "https://gazette.example.org/news/"])
    assert result.returncode == 1
    assert result.stdout.startswith("rejected: not_article: ")


def test_jsonl_writes_one_line_per_page_with_the_documented_fields(article_file: Path, tmp_path: Path) -> None:
    gz = tmp_path / "listing.html.gz"
    gz.write_bytes(gzip.compress(LISTING.encode()))
    lines = [json.dumps({"path": str(article_file), "url": URL}),
             json.dumps({"path": str(gz), "url": "https://gazette.example.org/news/"})]
    result = _run(["extract", "--jsonl"], stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert set(first) >= {"status", "title", "published_at", "date_source", "authors", "language", "text", "reason"}
    assert (first["status"], first["published_at"], first["date_source"]) == (
        "article", "2024-03-01T23:30:00-05:00", "meta")
    assert first["authors"] == ["Ana Ruiz", "Tom Berg"]
    assert (second["status"], second["published_at"]) == ("rejected", None)
    assert second["reason"].startswith("not_article")


def test_jsonl_reports_an_unreadable_line_and_goes_on(article_file: Path) -> None:
    stdin = "not json\n" + json.dumps({"path": "/nonexistent/page.html", "url": URL}) + "\n" + \
        json.dumps({"path": str(article_file), "url": URL}) + "\n"
    result = _run(["extract", "--jsonl"], stdin=stdin)
    statuses = [json.loads(line)["status"] for line in result.stdout.splitlines()]
    assert statuses == ["error", "error", "article"]
    assert "cannot read /nonexistent/page.html" in result.stdout


def test_a_missing_file_is_one_line_and_exit_2() -> None:
    result = _run(["extract", "/nonexistent/page.html", "--url", URL])
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mediamon: extract: cannot read /nonexistent/page.html")
    assert "Traceback" not in result.stderr


def test_file_without_url_is_refused(article_file: Path) -> None:
    result = _run(["extract", str(article_file)])
    assert result.returncode == 2
    assert "--url" in result.stderr
