"""Pages that must end in their own named outcome: a gzip bomb, oversize pages with and without
Content-Length, redirect loops and a link too long to request; and one log line per failed source."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hostlog
import psycopg
import pytest

from crawler import config, outcomes
from crawler.fixturesite import render
from crawler.run import crawl

CAP = 50_000
HTML = (("Content-Type", "text/html; charset=utf-8"),)
LONG_PATH = "/news/" + "a" * 2100
PAGES = {
    "/bomb": hostlog.Answer(body=gzip.compress(b"\0" * 20_000_000), headers=(*HTML, ("Content-Encoding", "gzip"))),
    "/big-no-length": hostlog.Answer(body=b"<p>" + b"x" * (CAP * 2) + b"</p>", content_length=False),
    "/big": hostlog.Answer(body=b"<p>" + b"x" * (CAP * 2) + b"</p>"),
    "/loop-a": hostlog.Answer(301, b"", (("Location", "/loop-b"),)),
    "/loop-b": hostlog.Answer(301, b"", (("Location", "/loop-a"),)),
    "/self": hostlog.Answer(302, b"", (("Location", "/self?utm_source=loop"),)),
}
TOO_LARGE = ("/bomb", "/big-no-length", "/big")
LOOPS = ("/loop-a", "/self")


@pytest.fixture(scope="module")
def host() -> Iterator[hostlog.Host]:
    now = datetime.now(UTC) - timedelta(hours=1)
    routes: dict[str, hostlog.Route] = {"/robots.txt": hostlog.Answer(404), **PAGES}
    with hostlog.Host(routes) as h:
        items = tuple((f"item {p}", h.base + p, "", now) for p in (*TOO_LARGE, *LOOPS, LONG_PATH))
        feed = render.rss(title="bad pages", link=h.base + "/", items=items).encode()
        routes["/feed.rss"] = hostlog.Answer(body=feed, headers=(("Content-Type", "application/rss+xml"),))
        yield h


@pytest.fixture(scope="module")
def job(host: hostlog.Host, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "bad.toml"
    path.write_text(f"""
name = "bad-pages"
[limits]
delay_seconds = 0
timeout_seconds = 5
max_page_bytes = {CAP}
[monitor]
conditional = false  # the second run must read the unchanged feed, to show its too_large links are final
[[topics]]
name = "cuba"
query = "cuba"
[[sources]]
name = "feed"
kind = "feed"
url = "{host.base}/feed.rss"
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def first(host: hostlog.Host, job: Path, module_db_url: str) -> crawl.RunSummary:
    host.clear()
    summary = crawl.run_job(job, config.Settings(workers=1), db_url=module_db_url)
    host.first_log = host.log()  # type: ignore[attr-defined]
    return summary


def _seen(db_url: str) -> dict[str, str]:
    with psycopg.connect(db_url) as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT url, outcome FROM crawl_seen")}


def _errors(db_url: str) -> dict[str, str]:
    with psycopg.connect(db_url) as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT url, outcome FROM crawl_errors")}


def test_oversize_pages_and_the_gzip_bomb_end_too_large(
    first: crawl.RunSummary, host: hostlog.Host, module_db_url: str
) -> None:
    assert first.counters.get(outcomes.TOO_LARGE) == len(TOO_LARGE)
    seen = _seen(module_db_url)
    assert {p: seen.get(host.base + p) for p in TOO_LARGE} == dict.fromkeys(TOO_LARGE, outcomes.TOO_LARGE)


def test_too_large_pages_are_requested_once(first: crawl.RunSummary, host: hostlog.Host) -> None:
    requested = [p for _, p in host.first_log]  # type: ignore[attr-defined]
    assert {p: requested.count(p) for p in TOO_LARGE} == dict.fromkeys(TOO_LARGE, 1)  # never retried


def test_redirect_loops_end_error_redirect(first: crawl.RunSummary, host: hostlog.Host, module_db_url: str) -> None:
    assert first.counters.get(outcomes.ERROR_REDIRECT) == len(LOOPS)
    assert first.counters.get(outcomes.DUPLICATE_URL, 0) == 0
    errors = _errors(module_db_url)
    assert {p: errors.get(host.base + p) for p in LOOPS} == dict.fromkeys(LOOPS, outcomes.ERROR_REDIRECT)


def test_a_link_too_long_is_counted_and_never_requested(first: crawl.RunSummary, host: hostlog.Host) -> None:
    assert first.counters.get(outcomes.SKIPPED_LONG_URL) == 1
    assert not any(p.startswith("/news/") for _, p in host.first_log)  # type: ignore[attr-defined]


def test_a_second_run_does_not_fetch_the_too_large_pages_again(
    first: crawl.RunSummary, host: hostlog.Host, job: Path, module_db_url: str
) -> None:
    host.clear()
    second = crawl.run_job(job, config.Settings(workers=1), db_url=module_db_url)
    assert second.counters.get(outcomes.SKIPPED_KNOWN) == len(TOO_LARGE)
    assert [host.requested(p) for p in TOO_LARGE] == [0] * len(TOO_LARGE)


def test_an_unreachable_source_is_logged_once_under_its_counted_name(db_url: str, tmp_path: Path) -> None:
    with hostlog.Host({}) as gone:
        dead = gone.base  # a port nothing listens on once the host is closed
    job = tmp_path / "offline.toml"
    job.write_text(f"""
name = "offline"
[limits]
timeout_seconds = 5
[[topics]]
name = "cuba"
query = "cuba"
[[sources]]
name = "feed"
kind = "feed"
url = "{dead}/feed.rss"
""", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": db_url, "MEDIAMON_LOG_FORMAT": "human"}
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--no-progress", str(job)],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, result.stderr
    assert f"url={dead}/feed.rss" in errors[0] and "outcome=error_source" in errors[0]
    assert "reason=robots.txt unreachable" in errors[0]
    assert "error_source" in result.stdout  # the summary counts it under the same name
