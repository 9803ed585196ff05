"""Alerts in operation: the deliverer inside `serve`, its metrics, `status` and the one-shot commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alerting import WebhookReceiver

from crawler import cli, models
from crawler.alerts import deliver
from crawler.jobs import jobs
from crawler.service import metrics
from crawler.store import dedup, outbox, store

MEDIAMON = str(Path(sys.executable).parent / "mediamon")
HOOK_SECRET = "svc-hook-Secret-3"
TEXT = ("Havana went dark again on Tuesday as the national grid failed for the third time this month. "
        "Hospitals switched to generators while queues formed outside bakeries across the capital. ") * 4
WAIT = 60.0


def _job_text(hook_url: str, *, max_attempts: int = 10, schedule: str = "") -> str:
    return f"""name = "desk"
{schedule}
[[topics]]
name = "cuba"
query = "cuba OR havana"
[[sources]]
name = "feed"
kind = "feed"
url = "http://127.0.0.1:9/feed.rss"

[[alerts]]
name = "news"
topics = ["cuba"]
max_attempts = {max_attempts}
[[alerts.webhooks]]
url = "{hook_url}"
secret_env = "HOOK_KEY"
"""


def _page() -> models.Page:
    url = "https://gazette.example/blackout"
    article = models.Article(url=url, canonical_url=url, title="Havana blackout", text=TEXT, language="en")
    return models.Page(article=article, canonical_url=url, urls=((url, "fetched"),),
                       content_hash=dedup.content_hash(TEXT), topics=(models.TopicMatch("cuba", ("havana",), 3.0,
                                                                                         ("title",)),),
                       signature=dedup.signature("Havana blackout", TEXT))


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    monkeypatch.setenv("HOOK_KEY", HOOK_SECRET)
    with WebhookReceiver() as receiver:
        receiver.up()
        yield receiver


def _seed(conn: psycopg.Connection, tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "jobs"
    directory.mkdir(exist_ok=True)
    path = directory / "desk.toml"
    path.write_text(text, encoding="utf-8")
    outbox.sync(conn, jobs.load_job(path))
    store.save_batch(conn, "desk", None, [_page()])
    return directory


def test_deliverer_loop_sends_and_counts_by_channel(db_url: str, conn: psycopg.Connection, tmp_path: Path,
                                                   hook: WebhookReceiver) -> None:
    _seed(conn, tmp_path, _job_text(hook.url))
    registry = metrics.Metrics()
    done = threading.Event()

    def on_round(report: deliver.Report, counts: dict[tuple[str, str], int]) -> None:
        registry.observe_alerts(report.sent, report.retrying, report.failed, counts)
        done.set()

    loop = deliver.Loop(db_url, on_round=on_round, poll=3600)
    loop.start()
    try:
        assert done.wait(WAIT)
    finally:
        loop.close()
    assert len(hook.received) == 1
    text = registry.render().decode()
    assert 'mediamon_alerts_sent_total{channel="webhook"} 1.0' in text
    assert 'mediamon_alerts_pending{channel="webhook"} 0.0' in text


def test_status_shows_failed_alerts(db_url: str, conn: psycopg.Connection, tmp_path: Path, hook: WebhookReceiver,
                                    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    jobs_dir = _seed(conn, tmp_path, _job_text(hook.url, max_attempts=1))
    hook.down()
    assert deliver.run_once(db_url).failed == {"webhook": 1}
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["status", str(jobs_dir)]) == 0
    out = capsys.readouterr().out
    assert "alert desk/news: 1 failed, 0 pending; last error: cannot reach" in out


def test_alerts_deliver_command_sends_due_messages(db_url: str, conn: psycopg.Connection, tmp_path: Path,
                                                   hook: WebhookReceiver, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    jobs_dir = _seed(conn, tmp_path, _job_text(hook.url))
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["alerts", "deliver", "--jobs", str(jobs_dir)]) == 0
    assert "webhook: sent 1, retrying 0, failed 0" in capsys.readouterr().out
    assert len(hook.received) == 1


def test_alerts_preview_renders_pending_message(db_url: str, conn: psycopg.Connection, tmp_path: Path,
                                                hook: WebhookReceiver, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    jobs_dir = _seed(conn, tmp_path, _job_text(hook.url))
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["alerts", "preview", "news", "--jobs", str(jobs_dir)]) == 0
    out = capsys.readouterr().out
    assert "Subject: [mediamon] cuba: Havana blackout" in out and "https://gazette.example/blackout" in out
    assert hook.received == []  # a preview sends nothing


def test_alerts_test_command_reaches_the_channel(db_url: str, conn: psycopg.Connection, tmp_path: Path,
                                                 hook: WebhookReceiver, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    jobs_dir = _seed(conn, tmp_path, _job_text(hook.url))
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["alerts", "test", "news", "--jobs", str(jobs_dir)]) == 0
    assert "sent: webhook" in capsys.readouterr().out
    hook.down()
    assert cli.main(["alerts", "test", "news", "--jobs", str(jobs_dir)]) == 1
    assert "failed: webhook: cannot reach" in capsys.readouterr().err
    assert cli.main(["alerts", "test", "nosuch", "--jobs", str(jobs_dir)]) == 2
    assert "no alert named 'nosuch'" in capsys.readouterr().err


def test_serve_delivers_alerts(db_url: str, conn: psycopg.Connection, tmp_path: Path, hook: WebhookReceiver) -> None:
    jobs_dir = _seed(conn, tmp_path, _job_text(hook.url, schedule='[schedule]\ninterval = "1h"'))
    conn.commit()
    env = {**os.environ, "DATABASE_URL": db_url, "MEDIAMON_METRICS_PORT": "0"}
    proc = subprocess.Popen([MEDIAMON, "serve", str(jobs_dir)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + WAIT
        while not hook.received and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=WAIT)
    assert len(hook.received) == 1, out
    assert proc.returncode == 0, out
    assert HOOK_SECRET not in out
