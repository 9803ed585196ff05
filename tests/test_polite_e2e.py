"""Politeness end to end, judged by the server's own request log: robots.txt for every request,
Crawl-delay as a floor between requests, Retry-After honoured."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import hostlog
import psycopg
import pytest

from crawler import config, outcomes
from crawler.fixturesite import render
from crawler.run import crawl

RUNS = 10
ALLOWED = [f"/news/feed-{i}.rss" for i in range(8)]
DISALLOWED = [f"/private/feed-{i}.rss" for i in range(12)]
ROBOTS = b"User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n"
EMPTY_FEED = render.rss(title="t", link="http://x.test/", items=()).encode()


def _feed() -> hostlog.Answer:
    return hostlog.Answer(body=EMPTY_FEED, headers=(("Content-Type", "application/rss+xml"),))


def write_job(path: Path, base: str, feeds: list[str], *, name: str, delay: float = 0.0, concurrency: int = 4) -> Path:
    """A job whose sources are the given feed paths of one host, all declared at once."""
    host = base.split("://", 1)[1].split(":", 1)[0]
    sources = "".join(
        f'[[sources]]\nname = "s{i}"\nkind = "feed"\nurl = "{base}{p}"\nallowed_domains = ["{host}"]\n'
        for i, p in enumerate(feeds)
    )
    path.write_text(f"""
name = "{name}"
[limits]
concurrency_per_host = {concurrency}
delay_seconds = {delay}
timeout_seconds = 5
max_page_bytes = 50_000
[[topics]]
name = "cuba"
query = "cuba"
{sources}""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def delayed_host() -> Iterator[hostlog.Host]:
    robots = hostlog.Answer(body=ROBOTS, headers=(("Content-Type", "text/plain"),))
    routes: dict[str, hostlog.Route] = {"/robots.txt": robots}
    routes |= {p: _feed() for p in ALLOWED + DISALLOWED}
    with hostlog.Host(routes) as host:
        yield host


@pytest.fixture(scope="module")
def runs(
    delayed_host: hostlog.Host, module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> list[list[tuple[float, str]]]:
    """The server's request log of each of RUNS runs of a job that declares 20 feeds of that host at once
    (disallowed ones among them, listed first so they are the first to wait for robots.txt)."""
    feeds = DISALLOWED[:6] + ALLOWED + DISALLOWED[6:]
    job = write_job(tmp_path_factory.mktemp("polite") / "delayed.toml", delayed_host.base, feeds, name="delayed")
    logs = []
    for _ in range(RUNS):
        delayed_host.clear()
        summary = crawl.run_job(job, config.Settings(workers=1), db_url=module_db_url)
        # partial: the robots-disallowed feeds are sources that could not be read (README, "Reliability")
        assert (summary.status, summary.message) == ("partial", f"{len(DISALLOWED)} of {len(feeds)} sources failed")
        assert summary.counters.get(outcomes.ERROR_SOURCE, 0) == len(DISALLOWED)  # each refused source counted
        logs.append(delayed_host.log())
    return logs


def test_no_disallowed_path_is_ever_requested(runs: list[list[tuple[float, str]]]) -> None:
    requested = [path for log in runs for _, path in log]
    assert [p for p in requested if p.startswith("/private/")] == []
    assert sorted(p for p in requested if p.startswith("/news/")) == sorted(ALLOWED * RUNS)  # the rest was crawled


def test_no_two_requests_closer_than_the_crawl_delay(runs: list[list[tuple[float, str]]]) -> None:
    shortest = min(min(hostlog.gaps(log)) for log in runs)
    assert shortest >= 1.0, shortest


def test_retry_after_pushes_the_hosts_next_request_back(db_url: str, tmp_path: Path) -> None:
    def limited(count: int) -> hostlog.Answer:
        if count == 1:
            return hostlog.Answer(429, b"slow down", (("Retry-After", "3"), ("Content-Type", "text/plain")))
        return _feed()

    with hostlog.Host({"/robots.txt": hostlog.Answer(404), "/feed.rss": limited}) as host:
        job = write_job(tmp_path / "limited.toml", host.base, ["/feed.rss"], name="limited")
        summary = crawl.run_job(job, config.Settings(workers=1), db_url=db_url)
        log = host.log()
    assert summary.counters.get(outcomes.ERROR_SOURCE, 0) == 0  # the retry after the wait succeeded
    times = [t for t, path in log if path == "/feed.rss"]
    assert len(times) == 2
    assert times[1] - times[0] >= 3.0


def test_per_host_concurrency_holds_when_a_burst_is_queued() -> None:
    """Scrapy 2.19's downloader counts a request as in flight only once its download task runs, so a
    burst queued in one tick all goes out (9 of 10 at once with a limit of 1); ours counts at dequeue."""
    page = hostlog.Answer(body=b"ok", delay=0.3)
    with hostlog.Host({f"/p{i}": page for i in range(10)}) as host:
        script = Path(__file__).parent / "burst_crawl.py"
        subprocess.run([sys.executable, str(script), host.base, "crawler.fetch.downloader.PoliteDownloader"],
                       check=True, timeout=120, cwd=Path(__file__).parent.parent)
        assert len(host.log()) == 10
        assert host.max_in_flight == 1


def test_a_host_asking_to_wait_longer_than_a_run_gets_no_more_requests(db_url: str, tmp_path: Path) -> None:
    busy = hostlog.Answer(429, b"come back tomorrow", (("Retry-After", "86400"), ("Content-Type", "text/plain")))
    with hostlog.Host({"/robots.txt": hostlog.Answer(404), "/feed.rss": busy}) as host:
        job = write_job(tmp_path / "busy.toml", host.base, ["/feed.rss"], name="busy")
        summary = crawl.run_job(job, config.Settings(workers=1), db_url=db_url)
        assert host.requested("/feed.rss") == 1  # Scrapy's retry of the 429 is refused, not sent
    assert summary.counters.get(outcomes.ERROR_SOURCE) == 1
    with psycopg.connect(db_url) as conn:
        (detail,) = conn.execute("SELECT detail FROM crawl_errors WHERE run_id = %s", (summary.run_id,)).fetchone()
    assert "host asked to wait 86400 s" in detail
