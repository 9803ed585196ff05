"""End to end: a crawl of the fixture news sites with [[alerts]] -> real SMTP and webhook receivers.

One immediate alert per new story (the syndicated copy on site B adds none), with the story's
topics and first publisher; a daily digest groups the same stories by topic and its links resolve.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alerting import SmtpServer, WebhookReceiver

from crawler import config, fixturesite, outcomes
from crawler.alerts import channels, deliver
from crawler.fetch import urls
from crawler.run import crawl

SMTP_PASSWORD = "e2e-smtp-Secret-1"
HOOK_SECRET = "e2e-hook-Secret-2"


@pytest.fixture(scope="module")
def sites() -> Iterator[fixturesite.Sites]:
    with fixturesite.start_sites(slow_seconds=4.0) as s:
        yield s


@pytest.fixture(scope="module")
def receivers() -> Iterator[tuple[SmtpServer, WebhookReceiver]]:
    with SmtpServer("mediamon", SMTP_PASSWORD) as smtp, WebhookReceiver() as hook:
        hook.up()
        yield smtp, hook


def _alerts(smtp: SmtpServer, hook: WebhookReceiver) -> str:
    webhook = f'[[alerts.webhooks]]\nurl = "{hook.url}"\nsecret_env = "MM_HOOK_KEY"\n'
    return f"""
[[alerts]]
name = "now"
topics = ["cuba", "venezuela"]
channels = ["{smtp.url(to='now@example.org')}"]
{webhook}
[[alerts]]
name = "daily"
topics = ["cuba", "venezuela"]
mode = "digest"
digest = "daily 08:00"
timezone = "America/Havana"
channels = ["{smtp.url(to='daily@example.org')}"]
{webhook}"""


@pytest.fixture(scope="module")
def crawled(sites: fixturesite.Sites, receivers: tuple[SmtpServer, WebhookReceiver], module_db_url: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    patch = pytest.MonkeyPatch()
    patch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
    patch.setenv("MM_HOOK_KEY", HOOK_SECRET)
    path = tmp_path_factory.mktemp("job") / "fixture-news.toml"
    path.write_text(fixturesite.job_toml(sites) + _alerts(*receivers), encoding="utf-8")
    summary = crawl.run_job(path, config.Settings(workers=2), db_url=module_db_url)
    assert summary.status == "partial", summary.message  # the fixture site has one broken source
    deliver.run_once(module_db_url)  # immediate alerts; the digest is not due yet
    yield module_db_url
    patch.undo()


def _by_type(hook: WebhookReceiver, kind: str) -> list[dict]:
    return [json.loads(r.body) for r in hook.received if json.loads(r.body)["type"] == kind]


def test_one_immediate_alert_per_new_story(crawled: str, sites: fixturesite.Sites,
                                           receivers: tuple[SmtpServer, WebhookReceiver]) -> None:
    smtp, hook = receivers
    stored = sites.manifest.expecting(outcomes.STORED)
    with psycopg.connect(crawled) as conn:
        stories = conn.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0]
    alerts = _by_type(hook, "immediate")
    assert len(alerts) == len(stored) == stories
    assert len({a["idempotency_key"] for a in alerts}) == len(alerts)
    assert len([m for m in smtp.messages if m["To"] == "now@example.org"]) == len(stored)


def test_immediate_alerts_carry_topics_and_first_publisher(crawled: str, sites: fixturesite.Sites,
                                                           receivers: tuple[SmtpServer, WebhookReceiver]) -> None:
    _smtp, hook = receivers
    by_story = {}
    for alert in _by_type(hook, "immediate"):
        (story,) = alert["stories"]
        by_story[story["story_id"]] = story
    with psycopg.connect(crawled) as conn:
        for spec in sites.manifest.expecting(outcomes.STORED):
            story_id, first_host, first_url = conn.execute(
                "SELECT s.id, s.first_host, f.canonical_url FROM article_urls u JOIN articles a ON a.id = u.article_id "
                "JOIN stories s ON s.id = a.story_id JOIN articles f ON f.id = s.first_article_id WHERE u.url = %s",
                (urls.canonical_url(spec.canonical_url),)).fetchone()
            story = by_story[story_id]
            assert tuple(story["topics"]) == tuple(sorted(spec.topics)), spec.key
            assert story["headline"] == spec.title
            assert story["first_publisher"]["host"] == first_host == urls.host(first_url)
            assert story["first_publisher"]["url"] == first_url == story["links"][0]
    doctors = next(s for s in by_story.values() if s["headline"] == sites.manifest.article("en-doctors").title)
    # the partner's copy carries the same publication time: either may be first, both are outlets
    assert sorted(doctors["outlets"]) == sorted(urls.host(base) for base in (sites.a, sites.b))
    assert doctors["outlets"][0] == doctors["first_publisher"]["host"]


def test_webhooks_verify(crawled: str, receivers: tuple[SmtpServer, WebhookReceiver]) -> None:
    _smtp, hook = receivers
    assert hook.received
    for got in hook.received:
        assert channels.verify(HOOK_SECRET, got.body, got.headers["x-mediamon-signature"])


def test_second_delivery_round_sends_nothing_more(crawled: str, receivers: tuple[SmtpServer, WebhookReceiver]) -> None:
    _smtp, hook = receivers
    before = len(hook.received)
    assert deliver.run_once(crawled).total == 0
    assert len(hook.received) == before


def test_digest_groups_every_story_and_its_links_resolve(crawled: str, sites: fixturesite.Sites,
                                                         receivers: tuple[SmtpServer, WebhookReceiver]) -> None:
    smtp, hook = receivers
    report = deliver.run_once(crawled, now=lambda: datetime.now(UTC) + timedelta(days=1, minutes=5))
    assert report.sent == {"mailto": 1, "webhook": 1}
    (digest,) = _by_type(hook, "digest")
    stored = sites.manifest.expecting(outcomes.STORED)
    assert len(digest["stories"]) == len(stored)
    for topic in ("cuba", "venezuela"):
        assert len(digest["groups"][topic]) == len([s for s in stored if topic in s.topics])
    (mail,) = [m for m in smtp.messages if m["To"] == "daily@example.org"]
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    html = mail.get_body(("html",)).get_content()
    links = [link for story in digest["stories"] for link in story["links"]]
    assert len(links) > len(stored)  # the copy on site B is linked too
    for link in links:
        assert f'href="{link}"' in html
        with urllib.request.urlopen(link, timeout=10) as response:
            assert response.status == 200


def test_alerts_list_shows_deliveries(crawled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler import cli

    monkeypatch.setenv("DATABASE_URL", crawled)
    assert cli.main(["alerts", "list", "--jobs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "fixture-news" in out and "digest daily 08:00" in out and "mailto, webhook" in out
