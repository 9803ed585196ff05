"""Hosts whose validators lie are caught and then polled by body hash (fixture site B, real crawls)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from crawler import config, fixturesite, outcomes
from crawler.fetch import urls
from crawler.fixturesite import jobfile, server
from crawler.run import crawl

FEED = "/feed.xml"


@pytest.fixture
def sites() -> Iterator[fixturesite.Sites]:
    with fixturesite.start_sites() as s:
        yield s


def _job(sites: fixturesite.Sites, tmp_path: Path, audit_every: int) -> Path:
    path = tmp_path / "caribe.toml"
    path.write_text(f"""name = "caribe"
[monitor]
validator_audit_every = {audit_every}
revisit = "off"
{jobfile.TOPICS}
[[sources]]
name = "caribe-feed"
kind = "feed"
url = "{sites.b}{FEED}"
""", encoding="utf-8")
    return path


def _run(path: Path, db_url: str, sites: fixturesite.Sites) -> tuple[crawl.RunSummary, list[server.Logged]]:
    sites.reset_counts()
    summary = crawl.run_job(path, config.Settings(workers=1), db_url=db_url)
    assert summary.status == "succeeded", summary.message
    return summary, [r for r in sites.request_log("b") if r.path == FEED]


def _change_feed(sites: fixturesite.Sites) -> None:
    feed = sites.route("b", FEED)
    item = (f"<item><title>Nueva nota</title><link>{sites.b}/venezuela/nueva-nota</link>"
            "<description>Nueva.</description></item>\n</channel>")
    sites.set_route("b", FEED, replace(feed, body=feed.body.replace(b"</channel>", item.encode(), 1)))


def _verdict(db_url: str) -> tuple[str, ...] | None:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT host, verdict FROM host_validators").fetchone()


def test_stale_validators_are_caught_by_an_audit_then_hashing_takes_over(
    sites: fixturesite.Sites, tmp_path: Path, db_url: str
) -> None:
    sites.set_validators("b", server.STALE)
    job = _job(sites, tmp_path, audit_every=2)
    _run(job, db_url, sites)  # first poll: full body, validators and hash stored
    _change_feed(sites)
    second, log = _run(job, db_url, sites)  # conditional: the host lies with a 304
    assert [r.status for r in log] == [304] and second.counters.get(outcomes.NOT_MODIFIED) == 1
    assert _verdict(db_url) is None
    third, log = _run(job, db_url, sites)  # the audit: unconditional, same ETag, different body
    assert [(r.status, r.if_none_match) for r in log] == [(200, None)]
    assert _verdict(db_url) == (urls.host(sites.b), "stale")
    assert third.counters.get(outcomes.DISCOVERED, 0) >= 1  # the new entry was read
    fourth, log = _run(job, db_url, sites)  # from now on: no conditional headers, the hash decides
    assert [(r.status, r.if_none_match, r.if_modified_since) for r in log] == [(200, None, None)]
    assert fourth.counters.get(outcomes.NOT_MODIFIED) == 1


def test_a_new_etag_on_every_response_is_caught_and_hashing_takes_over(
    sites: fixturesite.Sites, tmp_path: Path, db_url: str
) -> None:
    sites.set_validators("b", server.UNSTABLE)
    job = _job(sites, tmp_path, audit_every=0)
    _run(job, db_url, sites)
    second, log = _run(job, db_url, sites)
    assert [(r.status, bool(r.if_none_match)) for r in log] == [(200, True)]
    assert _verdict(db_url) == (urls.host(sites.b), "unstable")
    assert second.counters.get(outcomes.NOT_MODIFIED) == 1  # same bytes: not parsed
    _, log = _run(job, db_url, sites)
    assert [(r.status, r.if_none_match) for r in log] == [(200, None)]


def test_honest_validators_are_trusted(sites: fixturesite.Sites, tmp_path: Path, db_url: str) -> None:
    job = _job(sites, tmp_path, audit_every=2)
    _run(job, db_url, sites)
    _run(job, db_url, sites)
    _change_feed(sites)
    third, log = _run(job, db_url, sites)  # the audit finds a new body under a new ETag: fine
    assert [r.status for r in log] == [200]
    assert _verdict(db_url) is None
    _, log = _run(job, db_url, sites)
    assert [(r.status, bool(r.if_none_match)) for r in log] == [(304, True)]
