"""The alert outbox and deliverer against real PostgreSQL, a real SMTP server (aiosmtpd) and a real
HTTP webhook receiver on loopback. The clock is injected: retry rounds never sleep."""

from __future__ import annotations

import json
import logging
import os
import random
import string
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alerting import SmtpServer, WebhookReceiver

from crawler import models
from crawler.alerts import channels, deliver
from crawler.jobs import jobs
from crawler.store import dedup, outbox, store

HOOK_SECRET = "hook-Secret-9f2c"
SMTP_PASSWORD = "smtp-Pa55-word-77"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)  # publication times; the outbox uses the real clock


def _now(**delta: float) -> datetime:
    """The deliverer's clock: now (events were queued by the real clock) plus `delta`."""
    return datetime.now(UTC) + timedelta(**delta)

PARAS = [
    "Havana went dark again on Tuesday as the national grid failed for the third time this month.",
    "The electricity union said the Antonio Guiteras plant tripped shortly after noon local time.",
    "Hospitals switched to generators while queues formed outside bakeries across the capital.",
    "Officials promised power would return by night, but gave no figure for the missing capacity.",
    "Residents in Centro Habana said water pumps stopped too, leaving buildings without supply.",
]
OTHER = [
    "Caracas markets opened lower on Monday after new oil sanctions were announced by Washington.",
    "PDVSA said exports to Asia would continue through intermediaries despite the measures.",
    "Analysts expect the bolivar to weaken further as dollar inflows from crude sales slow down.",
    "The central bank sold reserves to contain the exchange rate for the second week running.",
]
THIRD = [
    "Cuban baseball officials named a new national team manager ahead of the Caribbean series.",
    "The federation said the squad would include players from the Japanese professional league.",
    "Fans in Matanzas welcomed the news, though many regretted the departure of the old coach.",
    "Training begins next month in Havana with friendly games against Dominican club sides.",
]


def _job_toml(hook_url: str, smtp_url: str | None, *, mode: str = "immediate", extra: str = "") -> str:
    channels_line = f'channels = ["{smtp_url}"]' if smtp_url else ""
    return textwrap.dedent(f"""
        name = "desk"
        [[topics]]
        name = "cuba"
        query = "cuba OR havana OR cuban"
        [[topics]]
        name = "venezuela"
        query = "venezuela OR caracas OR pdvsa"
        [[sources]]
        name = "feed"
        kind = "feed"
        url = "http://127.0.0.1:9/feed.rss"

        [[alerts]]
        name = "news"
        topics = ["cuba", "venezuela"]
        mode = "{mode}"
        {channels_line}
        {extra}
        [[alerts.webhooks]]
        url = "{hook_url}"
        secret_env = "HOOK_KEY"
        """)


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_KEY", HOOK_SECRET)
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        receiver.up()
        yield receiver


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer("mediamon", SMTP_PASSWORD) as server:
        yield server


def _load(tmp_path: Path, text: str) -> jobs.Job:
    path = tmp_path / "desk.toml"
    path.write_text(text, encoding="utf-8")
    return jobs.load_job(path)


@pytest.fixture
def job(tmp_path: Path, secrets_env: None, hook: WebhookReceiver, smtp: SmtpServer,
        conn: psycopg.Connection) -> jobs.Job:
    loaded = _load(tmp_path, _job_toml(hook.url, smtp.url()))
    outbox.sync(conn, loaded)
    return loaded


def _page(url: str, title: str, paras: list[str], topics: tuple[str, ...], published: datetime = T0) -> models.Page:
    text = "\n\n".join(paras)
    article = models.Article(url=url, canonical_url=url, title=title, text=text, published_at=published,
                             date_source="jsonld", language="en")
    return models.Page(
        article=article, canonical_url=url, urls=((url, "fetched"),), content_hash=dedup.content_hash(text),
        topics=tuple(models.TopicMatch(t, (t,), 3.0, ("title",)) for t in topics),
        signature=dedup.signature(title, text),
    )


BLACKOUT = _page("https://gazette.example/blackout", "Havana blackout", PARAS, ("cuba",))
# a rewritten copy of the same story on another site, published later: same story, no second alert
BLACKOUT_COPY = _page("https://caribe.example/apagon", "Blackout in Havana", PARAS[:4] + ["Reporting by Caribe."],
                      ("cuba",), T0 + timedelta(hours=2))
SANCTIONS = _page("https://gazette.example/sanctions", "Caracas markets fall", OTHER, ("venezuela",))
BASEBALL = _page("https://gazette.example/baseball", "Cuban baseball manager", THIRD, ("cuba",))


def _outbox(conn: psycopg.Connection) -> list[tuple]:
    rows = conn.execute(
        "SELECT idempotency_key, channel_kind, status, attempts FROM alert_outbox ORDER BY id").fetchall()
    conn.commit()
    return rows


def _round(conn: psycopg.Connection, at: datetime, **kw: object) -> deliver.Report:
    return deliver.deliver_due(conn, now=lambda: at, **kw)  # type: ignore[arg-type]


def test_new_story_queues_one_message_per_channel(job: jobs.Job, conn: psycopg.Connection) -> None:
    store.save_batch(conn, "desk", None, [BLACKOUT])
    rows = _outbox(conn)
    assert sorted(r[1] for r in rows) == ["mailto", "webhook"]
    assert {r[0] for r in rows} == {rows[0][0]} and rows[0][0].startswith("desk/news:story:")


def test_later_copy_of_a_story_queues_nothing(job: jobs.Job, conn: psycopg.Connection) -> None:
    store.save_batch(conn, "desk", None, [BLACKOUT])
    store.save_batch(conn, "desk", None, [BLACKOUT_COPY])
    stories = conn.execute("SELECT count(*), count(DISTINCT story_id) FROM articles").fetchone()
    assert stories == (2, 1)  # two articles, one story
    assert len(_outbox(conn)) == 2  # still one message per channel


def test_outbox_rows_share_the_batch_transaction(job: jobs.Job, conn: psycopg.Connection) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), conn.transaction():
        store.save_batch(conn, "desk", None, [BLACKOUT])
        assert len(conn.execute("SELECT id FROM alert_outbox").fetchall()) == 2
        raise Abort
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    assert _outbox(conn) == []


def test_language_and_topic_filters(tmp_path: Path, secrets_env: None, hook: WebhookReceiver, smtp: SmtpServer,
                                    conn: psycopg.Connection) -> None:
    text = _job_toml(hook.url, smtp.url()).replace('topics = ["cuba", "venezuela"]',
                                                   'topics = ["venezuela"]\nlanguages = ["es"]')
    outbox.sync(conn, _load(tmp_path, text))
    store.save_batch(conn, "desk", None, [BLACKOUT, SANCTIONS])  # cuba (wrong topic); venezuela in English
    assert _outbox(conn) == []


def test_query_subscription_alerts_only_matching_stories(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                                         conn: psycopg.Connection) -> None:
    text = _job_toml(hook.url, None).replace('topics = ["cuba", "venezuela"]', "query = 'grid AND havana'")
    outbox.sync(conn, _load(tmp_path, text))
    store.save_batch(conn, "desk", None, [BLACKOUT, SANCTIONS, BASEBALL])
    rows = conn.execute(
        "SELECT a.title, o.topics FROM alert_outbox o JOIN articles a ON a.id = o.article_id").fetchall()
    assert rows == [("Havana blackout", ["cuba"])]  # the message names the article's topics in this job


def test_webhook_is_signed_and_carries_story_topics_and_first_publisher(
        job: jobs.Job, conn: psycopg.Connection, hook: WebhookReceiver) -> None:
    store.save_batch(conn, "desk", None, [BLACKOUT_COPY, BLACKOUT])  # the copy arrives first
    report = _round(conn, _now())
    assert report.sent == {"webhook": 1, "mailto": 1}
    (got,) = hook.received
    assert channels.verify(HOOK_SECRET, got.body, got.headers["x-mediamon-signature"])
    doc = json.loads(got.body)
    assert doc["idempotency_key"] == got.headers["idempotency-key"] == _outbox(conn)[0][0]
    (story,) = doc["stories"]
    assert story["topics"] == ["cuba"]
    assert story["first_publisher"]["host"] == "gazette.example"  # published two hours before the copy
    assert story["outlets"] == ["gazette.example", "caribe.example"]
    assert story["links"][0] == "https://gazette.example/blackout"


def test_email_has_text_and_html_parts_and_idempotency_header(
        job: jobs.Job, conn: psycopg.Connection, smtp: SmtpServer) -> None:
    store.save_batch(conn, "desk", None, [BLACKOUT])
    _round(conn, _now())
    (mail,) = smtp.messages
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["X-Mediamon-Idempotency-Key"] == _outbox(conn)[0][0]
    assert "Havana blackout" in mail["Subject"]
    assert "https://gazette.example/blackout" in mail.get_body(("plain",)).get_content()
    assert smtp.logins == ["ok"]


def test_receiver_down_then_failing_then_up_gets_each_message_exactly_once(
        job: jobs.Job, conn: psycopg.Connection, hook: WebhookReceiver) -> None:
    store.save_batch(conn, "desk", None, [BLACKOUT, SANCTIONS, BASEBALL])
    at = _now()
    hook.down()  # connection refused
    for _ in range(2):
        report = _round(conn, at)
        assert report.retrying["webhook"] == 3 and not report.sent["webhook"]
        assert _round(conn, at).total == 0  # nothing is due again before its backoff
        at += timedelta(hours=1)
    hook.up("error")  # answers 500
    for _ in range(2):
        assert _round(conn, at).retrying["webhook"] == 3
        at += timedelta(hours=1)
    hook.up("ok")
    assert _round(conn, at).sent["webhook"] == 3
    assert _round(conn, at + timedelta(days=1)).total == 0
    keys = [r.headers["idempotency-key"] for r in hook.received]
    assert len(keys) == 3 and len(set(keys)) == 3
    rows = [r for r in _outbox(conn) if r[1] == "webhook"]
    assert [(r[2], r[3]) for r in rows] == [("sent", 5)] * 3  # 4 failed attempts + the delivery
    attempts = conn.execute("SELECT ok, count(*) FROM alert_attempts a JOIN alert_outbox o ON o.id = a.outbox_id "
                            "WHERE o.channel_kind = 'webhook' GROUP BY ok ORDER BY ok").fetchall()
    assert attempts == [(False, 12), (True, 3)]


def test_message_is_failed_after_max_attempts(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                              smtp: SmtpServer, conn: psycopg.Connection) -> None:
    outbox.sync(conn, _load(tmp_path, _job_toml(hook.url, smtp.url(), extra="max_attempts = 2")))
    store.save_batch(conn, "desk", None, [BLACKOUT])
    hook.down()
    assert _round(conn, _now()).retrying["webhook"] == 1
    assert _round(conn, _now(hours=2)).failed["webhook"] == 1
    row = conn.execute(
        "SELECT status, attempts, last_error FROM alert_outbox WHERE channel_kind = 'webhook'").fetchone()
    assert row[:2] == ("failed", 2) and "cannot reach" in row[2]
    assert _round(conn, _now(days=5)).total == 0  # failed is final


def test_digest_waits_for_its_window_then_groups_by_topic(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                                          smtp: SmtpServer, conn: psycopg.Connection) -> None:
    text = _job_toml(hook.url, smtp.url(), mode="digest", extra='digest = "daily 08:00"\ntimezone = "America/Havana"')
    outbox.sync(conn, _load(tmp_path, text))
    now = datetime.now(UTC)
    store.save_batch(conn, "desk", None, [BLACKOUT, SANCTIONS, BASEBALL, BLACKOUT_COPY])
    due = conn.execute("SELECT DISTINCT due_at FROM alert_outbox").fetchall()
    assert len(due) == 1 and now < due[0][0] <= now + timedelta(days=1)
    assert _round(conn, due[0][0] + deliver.DIGEST_GRACE - timedelta(seconds=1)).total == 0
    assert _round(conn, due[0][0] + deliver.DIGEST_GRACE).sent == {"mailto": 1, "webhook": 1}
    (mail,) = smtp.messages
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    plain = mail.get_body(("plain",)).get_content()
    assert "3 new stories" in mail["Subject"]
    assert plain.index("cuba (2)") < plain.index("Cuban baseball") < plain.index("venezuela (1)")
    (got,) = hook.received
    doc = json.loads(got.body)
    assert doc["type"] == "digest" and sorted(doc["groups"]) == ["cuba", "venezuela"]
    assert len(doc["groups"]["cuba"]) == 2 and len(doc["stories"]) == 3


def test_secrets_never_reach_logs_or_the_database(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                                  smtp: SmtpServer, conn: psycopg.Connection,
                                                  caplog: pytest.LogCaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    job = _load(tmp_path, _job_toml(hook.url, smtp.url()))
    outbox.sync(conn, job)
    store.save_batch(conn, "desk", None, [BLACKOUT])
    _round(conn, _now())  # delivered
    store.save_batch(conn, "desk", None, [SANCTIONS])
    wrong = "wrong-Pa55-for-login"
    monkeypatch.setenv("SMTP_PASSWORD", wrong)  # the server refuses this login
    hook.down()
    report = _round(conn, _now())
    assert report.retrying == {"mailto": 1, "webhook": 1}
    dump = conn.execute("SELECT concat_ws(' ', (SELECT string_agg(spec::text, ' ') FROM alert_subscriptions), "
                        "(SELECT string_agg(concat_ws(' ', payload::text, last_error), ' ') FROM alert_outbox), "
                        "(SELECT string_agg(error, ' ') FROM alert_attempts))").fetchone()[0]
    for secret in (SMTP_PASSWORD, HOOK_SECRET, wrong):
        assert secret not in caplog.text
        assert secret not in dump
    assert "SMTP_PASSWORD" in dump  # the variable's name is kept, its value never


def test_kill_between_send_and_record_repeats_only_that_message_with_its_key(
        tmp_path: Path, secrets_env: None, conn: psycopg.Connection, hook: WebhookReceiver, db_url: str) -> None:
    outbox.sync(conn, _load(tmp_path, _job_toml(hook.url, None)))  # the webhook only: we count on the receiver
    store.save_batch(conn, "desk", None, [BLACKOUT, SANCTIONS])
    first, second = (r[0] for r in _outbox(conn))
    script = textwrap.dedent("""
        import os, signal, sys
        from datetime import datetime
        from crawler.alerts import deliver
        from crawler.store import db
        with db.connect(sys.argv[1]) as conn:
            deliver.deliver_due(conn, now=lambda: datetime.fromisoformat(sys.argv[2]),
                                before_record=lambda unit: os.kill(os.getpid(), signal.SIGKILL))
    """)
    proc = subprocess.run([sys.executable, "-c", script, db_url, _now().isoformat()], timeout=120,
                          env={**os.environ, "HOOK_KEY": HOOK_SECRET})
    assert proc.returncode == -9  # killed after the send, before the result was committed
    assert [r.headers["idempotency-key"] for r in hook.received] == [first]
    assert _round(conn, _now()).sent == {"webhook": 2}
    assert [r.headers["idempotency-key"] for r in hook.received] == [first, first, second]  # only it repeats
    assert [(r[0], r[2], r[3]) for r in _outbox(conn)] == [(first, "sent", 1), (second, "sent", 1)]


def test_story_committed_after_its_digest_went_out_gets_its_own_key(
        tmp_path: Path, secrets_env: None, hook: WebhookReceiver, conn: psycopg.Connection) -> None:
    text = _job_toml(hook.url, None, mode="digest", extra='digest = "hourly"')
    outbox.sync(conn, _load(tmp_path, text))
    store.save_batch(conn, "desk", None, [BLACKOUT])
    (due,) = conn.execute("SELECT DISTINCT due_at FROM alert_outbox").fetchone()
    assert _round(conn, due + deliver.DIGEST_GRACE).sent == {"webhook": 1}
    # a batch that began before the window closed commits after the digest was sent
    with conn.transaction():
        store.save_batch(conn, "desk", None, [SANCTIONS])
        late_id = conn.execute("SELECT max(id) FROM articles").fetchone()[0]
        conn.execute("DELETE FROM alert_outbox WHERE article_id = %s", (late_id,))
        outbox.enqueue(conn, "desk", [late_id], now=due - timedelta(seconds=1))
    assert _round(conn, due + deliver.DIGEST_GRACE).sent == {"webhook": 1}
    first, late = (json.loads(r.body) for r in hook.received)
    assert late["idempotency_key"].startswith(first["idempotency_key"] + ":late-")
    assert [s["headline"] for s in late["stories"]] == ["Caracas markets fall"]


def _distinct_page(i: int, topic: str = "cuba") -> models.Page:
    """A story of its own: random words, so no two of these are near-duplicates."""
    rng = random.Random(i)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))) for _ in range(120)]
    paras = [" ".join(words[k:k + 30]) + "." for k in range(0, 120, 30)]
    return _page(f"https://gazette.example/story-{i}", f"Story {i} {words[0]}", paras, (topic,))


def _spike_job(tmp_path: Path, hook: WebhookReceiver) -> str:
    return _job_toml(hook.url, None, mode="spike", extra="spike = { stories = 3, hours = 6, factor = 3.0 }")


def test_spike_alerts_once_per_window(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                      conn: psycopg.Connection) -> None:
    outbox.sync(conn, _load(tmp_path, _spike_job(tmp_path, hook)))
    store.save_batch(conn, "desk", None, [_distinct_page(1), _distinct_page(2)])
    assert _outbox(conn) == []  # two stories: below the threshold
    store.save_batch(conn, "desk", None, [_distinct_page(3)])
    store.save_batch(conn, "desk", None, [_distinct_page(4)])  # same window: no second spike
    (row,) = _outbox(conn)
    assert row[0].startswith("desk/news:spike:cuba:")
    assert _round(conn, _now()).sent == {"webhook": 1}
    doc = json.loads(hook.received[0].body)
    assert doc["type"] == "spike" and doc["spike"]["topic"] == "cuba" and doc["spike"]["stories"] == 3
    assert len(doc["stories"]) == 3


def test_no_spike_when_the_topic_is_usually_this_busy(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                                      conn: psycopg.Connection) -> None:
    outbox.sync(conn, _load(tmp_path, _spike_job(tmp_path, hook)))
    store.save_batch(conn, "desk", None, [_distinct_page(i) for i in range(100, 160)])  # 60 stories...
    conn.execute("UPDATE stories SET created_at = now() - interval '3 days'")  # ...spread over the baseline
    conn.execute("DELETE FROM alert_outbox")
    conn.commit()
    store.save_batch(conn, "desk", None, [_distinct_page(i) for i in range(3)])  # 3 new vs ~1.1 usual per 6 h
    assert _outbox(conn) == []


def test_immediate_alert_in_quiet_hours_waits_for_their_end(tmp_path: Path, secrets_env: None,
                                                            hook: WebhookReceiver, conn: psycopg.Connection) -> None:
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    quiet = f'quiet_hours = "{start:%H:%M}-{end:%H:%M}"'
    outbox.sync(conn, _load(tmp_path, _job_toml(hook.url, None, extra=quiet)))
    store.save_batch(conn, "desk", None, [BLACKOUT])
    (due,) = conn.execute("SELECT due_at FROM alert_outbox").fetchone()
    assert due == end.replace(second=0, microsecond=0)
    assert _round(conn, _now()).total == 0
    assert _round(conn, due).sent == {"webhook": 1}


def test_two_deliverers_at_once_send_each_message_once(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                                       conn: psycopg.Connection, db_url: str) -> None:
    outbox.sync(conn, _load(tmp_path, _job_toml(hook.url, None)))
    store.save_batch(conn, "desk", None, [_distinct_page(i) for i in range(200, 212)])
    conn.commit()
    reports: list[deliver.Report] = []

    def worker() -> None:
        with psycopg.connect(db_url) as own:
            reports.append(_round(own, _now()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    keys = [r.headers["idempotency-key"] for r in hook.received]
    assert len(keys) == len(set(keys)) == 12
    assert sum(r.sent["webhook"] for r in reports) == 12
    assert {r[2] for r in _outbox(conn)} == {"sent"}


def test_story_that_grew_to_n_outlets_sends_one_update(tmp_path: Path, secrets_env: None, hook: WebhookReceiver,
                                                       conn: psycopg.Connection) -> None:
    outbox.sync(conn, _load(tmp_path, _job_toml(hook.url, None, extra="grew_to = 2")))
    store.save_batch(conn, "desk", None, [BLACKOUT])
    identical = _page("https://wire.example/blackout", "Havana blackout", PARAS, ("cuba",))
    store.save_batch(conn, "desk", None, [identical])  # an identical copy: a second outlet
    store.save_batch(conn, "desk", None, [BLACKOUT_COPY])  # a third outlet: no second update
    assert [r[0].rsplit(":", 1)[-1] for r in _outbox(conn)] == ["now", "grew-2"]
    assert _round(conn, _now()).sent == {"webhook": 2}
    update = json.loads(hook.received[1].body)
    assert update["type"] == "grew" and update["stories"][0]["outlet_count"] == 3
