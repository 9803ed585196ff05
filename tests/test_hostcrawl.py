"""The long-lived crawl process of a `mediamon worker` slot (crawler/scale/hostcrawl.py), driven as the
worker drives it: tasks as JSON lines on its stdin, answers on its stdout. Real process, real
PostgreSQL (through a real TCP proxy for the database loss), loopback farm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest

from crawler.fetch import urls
from crawler.fixturesite import farm as farm_site
from crawler.run import engine
from crawler.scale import hostcrawl
from crawler.store import store
from tests.test_faults import _proxy_for

pytestmark = pytest.mark.timeout(300)


class Slot:
    """A crawl process started as the worker starts it."""

    def __init__(self, db_url: str, **env: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.scale.hostcrawl", "test:1", str(os.getpid())],
            env={**os.environ, hostcrawl.DB_ENV: db_url, "MEDIAMON_WORKERS": "1", **env},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )

    def send(self, job_path: Path, run_id: int, host: str) -> None:
        stdin: IO[bytes] | None = self.proc.stdin
        assert stdin is not None
        order = {"job_path": str(job_path), "run_id": run_id, "host": host, "holder": f"farm@{host}"}
        stdin.write(json.dumps(order).encode() + b"\n")
        stdin.flush()

    def ask(self, job_path: Path, run_id: int, host: str) -> dict[str, Any]:
        self.send(job_path, run_id, host)
        return self.answer()

    def answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"the crawl process died: exit code {self.proc.wait()}"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> int:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            if self.proc.stdout is not None:
                self.proc.stdout.close()


@pytest.fixture
def job_file(tmp_path: Path) -> Iterator[tuple[farm_site.Farm, Path]]:
    site = farm_site.start_farm(hosts=2, feeds_per_host=1, articles_per_feed=100)
    path = tmp_path / "farm.toml"
    path.write_text(site.job_toml(name="farm", delay=0.05, concurrency=1), encoding="utf-8")
    yield site, path
    site.stop()


def _run(db_url: str) -> int:
    with psycopg.connect(db_url, autocommit=True) as conn:
        return store.start_run(conn, "farm", trigger="worker")


def test_one_crawl_process_runs_tasks_in_turn_and_stays_up(job_file: tuple[farm_site.Farm, Path],
                                                          db_url: str) -> None:
    site, path = job_file
    first_host, second_host = (urls.host(base) for base in site.bases)
    slot = Slot(db_url)
    try:
        first = slot.ask(path, _run(db_url), first_host)
        alive_between = slot.proc.poll() is None
        second = slot.ask(path, _run(db_url), second_host)
    finally:
        code = slot.close()
    assert first["code"] == second["code"] == 0 and not first["recycle"]
    assert alive_between, "the crawl process exited after its first task"
    assert code == 0
    with psycopg.connect(db_url) as conn:
        stored = {r[0] for r in conn.execute("SELECT canonical_url FROM articles")}
        statuses = [r[0] for r in conn.execute("SELECT status FROM crawl_runs ORDER BY id")]
    assert stored == site.article_urls()
    assert statuses == ["succeeded", "succeeded"]


def test_a_database_lost_mid_task_stops_the_crawl_early(job_file: tuple[farm_site.Farm, Path],
                                                        db_url: str) -> None:
    site, fast = job_file
    path = fast.with_name("paced.toml")  # 0.2 s between requests: about 20 s for the host's articles
    path.write_text(site.job_toml(name="farm", delay=0.2, concurrency=1), encoding="utf-8")
    host = urls.host(site.bases[0])
    articles = len([u for u in site.article_urls() if urls.host(u) == host])
    proxy, proxied = _proxy_for(db_url)
    run_id = _run(db_url)
    slot = Slot(proxied, MEDIAMON_DB_OUTAGE_SECONDS="3", MEDIAMON_DB_CONNECT_TIMEOUT="1",
                MEDIAMON_DB_STATEMENT_TIMEOUT="2")
    try:
        with proxy:
            slot.send(path, run_id, host)
            deadline = time.monotonic() + 120
            while sum(site.article_requests().values()) < 10:
                assert time.monotonic() < deadline and slot.proc.poll() is None, "the crawl never got going"
                time.sleep(0.1)
            proxy.cut()
            answer = slot.answer()
    finally:
        slot.close()
    requested = sum(site.article_requests().values())
    assert answer["code"] == engine.EXIT_DB_LOST
    # the spider closed once the writer gave the database up: far from every article of the host
    assert requested < articles / 2, f"{requested} of {articles} articles requested after the database was lost"
    assert run_id > 0
