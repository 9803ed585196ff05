"""`mediamon serve`: scheduling, one run per job across replicas, reload, dead runs, shutdown, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from jobfiles import write_job

from crawler import config
from crawler.fixturesite import job_toml, start_sites
from crawler.service import cli as service_cli
from crawler.service import service, staleruns
from crawler.store import lease, store

MEDIAMON = str(Path(sys.executable).parent / "mediamon")
#: upper bound for anything the tests wait for (a fixture crawl takes a few seconds)
WAIT = 90.0



def wait_for(predicate, what: str, timeout: float = WAIT):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def runs(url: str, job: str) -> list[tuple[int, str, str | None]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT id, status, message FROM crawl_runs WHERE job = %s ORDER BY id", (job,)
        ).fetchall()


@pytest.fixture
def sites() -> Iterator[object]:
    with start_sites(slow_seconds=60) as running:
        yield running


@pytest.fixture
def fixture_jobs(tmp_path: Path, sites: object) -> Path:
    directory = tmp_path / "jobs"
    directory.mkdir()
    (directory / "fixture-news.toml").write_text(job_toml(sites), encoding="utf-8")
    return directory


@pytest.fixture
def make_service(db_url: str) -> Iterator[object]:
    made: list[service.Service] = []

    def make(directory: Path) -> service.Service:
        svc = service.Service(directory, config.Settings(database_url=db_url, workers=1), db_url=db_url)
        svc.load()
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.shutdown(10, threading.Event())


# --- pure parts --------------------------------------------------------------------------------


def test_scan_is_re_exported_for_the_jobs_command(tmp_path: Path) -> None:
    write_job(tmp_path, "news")
    assert [path.name for path in service.scan(tmp_path)] == ["news.toml"]


def test_lock_key_is_stable_signed_64_bit() -> None:
    assert service.lock_key("cuba-venezuela") == service.lock_key("cuba-venezuela")
    assert service.lock_key("cuba-venezuela") != service.lock_key("cuba")
    assert -(2**63) <= service.lock_key("cuba") < 2**63


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("trigger", "pid", "host", "age", "pid_alive", "lock_free", "stale"),
    [
        ("service", 10, "other", timedelta(minutes=5), False, True, True),  # lock free: its process is gone
        ("service", 10, "other", timedelta(minutes=5), False, False, False),  # lock held: alive somewhere
        ("cli", 10, "here", timedelta(minutes=5), False, False, True),  # same host, pid dead
        ("cli", 10, "here", timedelta(minutes=5), True, False, False),  # same host, pid alive
        ("cli", 4242, "here", timedelta(minutes=5), True, False, True),  # our own pid: an earlier incarnation
        ("cli", 10, "other", timedelta(minutes=5), False, False, False),  # other host, recent: cannot tell
        ("cli", 10, "other", timedelta(days=2), False, False, True),  # other host, older than the bound
    ],
)
def test_stale_reason(trigger: str, pid: int, host: str, age: timedelta, pid_alive: bool, lock_free: bool, stale: bool) -> None:
    run = staleruns.RunningRow(1, "job", trigger, pid, host, NOW - age)
    reason = staleruns.stale_reason(run, host="here", own_pid=4242, now=NOW, pid_alive=pid_alive, lock_free=lock_free)
    assert (reason is not None) == stale


def test_describe_and_next_fire() -> None:
    from crawler.jobs import jobs

    cron = jobs.Schedule(cron="15 */2 * * *", timezone="UTC", jitter="60s")
    assert service_cli.describe(cron) == "cron 15 */2 * * * UTC ±1m"
    assert service_cli.next_fire(cron, NOW, None) == datetime(2026, 11, 25, 12, 15, tzinfo=UTC)
    every = jobs.Schedule(interval="30m")
    assert service_cli.next_fire(every, NOW, NOW - timedelta(minutes=10)) == NOW + timedelta(minutes=20)


# --- bad input at start ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "bad", "message"),
    [
        ([("news", "news", 'cron = "61 * * * *"')], "news.toml", "bad cron expression"),
        ([("news", "news", 'interval = "1h"\ntimezone = "Mars/Olympus"')], "news.toml", "unknown time zone"),
        ([("a", "news", 'interval = "1h"'), ("b", "news", 'interval = "1h"')], "b.toml", "already used"),
        ([], "", "no job files"),
    ],
)
def test_bad_input_at_start_exits_2_naming_the_file(
    tmp_path: Path, files: list[tuple[str, str, str]], bad: str, message: str
) -> None:
    for stem, name, schedule in files:
        write_job(tmp_path, stem, name=name, schedule=schedule)
    env = {**os.environ, "DATABASE_URL": "postgresql://127.0.0.1:1/none", "MEDIAMON_METRICS_PORT": "0"}
    done = subprocess.run([MEDIAMON, "serve", str(tmp_path)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert str(tmp_path / bad) in done.stderr


# --- the running service -----------------------------------------------------------------------


def test_scheduler_fires_a_job_and_stores_articles(db_url: str, fixture_jobs: Path, make_service) -> None:  # type: ignore[no-untyped-def]
    svc = make_service(fixture_jobs)
    svc.connect(threading.Event())
    svc.start()
    svc.run_now("fixture-news")  # the interval is 1 h: bring the next fire forward, through the scheduler
    done = wait_for(lambda: [r for r in runs(db_url, "fixture-news") if r[1] != "running"], "the run to finish")
    assert done[0][1] == "partial", done  # the fixture site has one broken source
    with psycopg.connect(db_url) as conn:
        (stored,) = conn.execute("SELECT count(*) FROM articles").fetchone()
        (trigger,) = conn.execute("SELECT trigger FROM crawl_runs").fetchone()
    assert stored > 0 and trigger == "service"


def test_lock_loser_records_a_skipped_run(db_url: str, tmp_path: Path, make_service) -> None:  # type: ignore[no-untyped-def]
    write_job(tmp_path, "news")
    svc = make_service(tmp_path)
    svc.connect(threading.Event())
    with psycopg.connect(db_url, autocommit=True) as other_replica:
        assert lease.acquire(other_replica, lease.job_lease("news"), 60) is not None  # a live holder
        assert svc.run_guarded("news") is None
    with psycopg.connect(db_url) as conn:
        status, finished, message = conn.execute("SELECT status, finished_at, message FROM crawl_runs").fetchone()
    assert status == "skipped" and finished is not None and "another process" in message
    assert b'mediamon_runs_total{job="news",status="skipped"} 1.0' in svc.metrics.render()


def test_fire_while_the_job_runs_here_records_a_skipped_run(db_url: str, fixture_jobs: Path, make_service) -> None:  # type: ignore[no-untyped-def]
    svc = make_service(fixture_jobs)
    svc.connect(threading.Event())
    svc.start()
    svc.run_now("fixture-news")
    wait_for(lambda: next((p for _j, _r, p in svc.running() if p), None), "the crawl child")
    svc.run_now("fixture-news")  # the first run waits on a 60 s page: this fire finds it still going
    skipped = wait_for(lambda: [r for r in runs(db_url, "fixture-news") if r[1] == "skipped"], "the skipped run")
    assert "still in progress" in (skipped[0][2] or "")
    assert [r[1] for r in runs(db_url, "fixture-news")] == ["running", "skipped"]
    assert b'mediamon_runs_total{job="fixture-news",status="skipped"} 1.0' in svc.metrics.render()


def test_killed_crawl_child_is_recorded_failed(db_url: str, fixture_jobs: Path, make_service) -> None:  # type: ignore[no-untyped-def]
    svc = make_service(fixture_jobs)
    svc.connect(threading.Event())
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(svc.run_guarded("fixture-news")))
    worker.start()
    pid = wait_for(lambda: next((p for _j, _r, p in svc.running() if p), None), "the crawl child")
    wait_for(lambda: os.getpgid(pid) == pid, "the child's own process group")
    # the child's process group (it calls setpgrp): the child and its extraction workers, as an OOM kill would
    os.killpg(pid, signal.SIGKILL)
    worker.join(WAIT)
    summary = result[0]
    assert summary.status == "failed" and "-9" in summary.message  # type: ignore[attr-defined]
    assert runs(db_url, "fixture-news")[0][1] == "failed"


def test_stale_runs_are_marked_failed_at_start(db_url: str, conn: psycopg.Connection) -> None:
    dead = store.start_run(conn, "gone", trigger="service")  # nobody holds its job lease
    with psycopg.connect(db_url, autocommit=True) as holder:
        assert lease.acquire(holder, lease.job_lease("alive"), 60) is not None
        alive = store.start_run(conn, "alive", trigger="service")
        assert staleruns.recover_stale(db_url) == [dead]
    assert store.run_status(conn, dead)[0] == "failed"
    assert store.run_status(conn, alive)[0] == "running"


def test_bad_job_file_on_reload_keeps_the_old_job(db_url: str, tmp_path: Path, make_service) -> None:  # type: ignore[no-untyped-def]
    path = write_job(tmp_path, "news", schedule='interval = "1h"')
    svc = make_service(tmp_path)
    svc.connect(threading.Event())
    svc.start()
    path.write_text("name = 'news'\n[schedule]\ncron = 'not a cron'\n", encoding="utf-8")
    result = svc.reload()
    assert result.errors and result.errors[0].file == str(path)
    assert svc.scheduler.get_job("news").trigger.interval == timedelta(hours=1)
    write_job(tmp_path, "news", schedule='interval = "2h"')  # fixed: the change takes effect
    write_job(tmp_path, "extra")
    svc.reload()
    assert svc.scheduler.get_job("news").trigger.interval == timedelta(hours=2)
    assert svc.scheduler.get_job("extra") is not None
    (tmp_path / "extra.toml").unlink()
    svc.reload()
    assert svc.scheduler.get_job("extra") is None


# --- whole processes ---------------------------------------------------------------------------


def _serve(db_url: str, jobs_dir: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "MEDIAMON_METRICS_PORT": "0"}
    return subprocess.Popen(
        [MEDIAMON, "serve", str(jobs_dir), *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc.returncode, out


def test_two_serve_processes_make_one_run_per_tick(db_url: str, fixture_jobs: Path) -> None:
    procs = [_serve(db_url, fixture_jobs, "--run-now") for _ in range(2)]
    try:
        finished = wait_for(
            lambda: len([r for r in runs(db_url, "fixture-news") if r[1] != "running"]) >= 2 or None,
            "both replicas to fire",
        )
    finally:
        outputs = [_stop(p) for p in procs]
    assert finished
    statuses = sorted(r[1] for r in runs(db_url, "fixture-news"))
    assert statuses == ["partial", "skipped"], (statuses, outputs)  # partial: the fixture's broken source
    assert all(code == 0 for code, _ in outputs), outputs


def test_sigterm_to_serve_interrupts_the_running_crawl(db_url: str, fixture_jobs: Path) -> None:
    job = fixture_jobs / "fixture-news.toml"
    # the slow page answers after 60 s; an 8 s timeout keeps it in flight when the signal comes
    job.write_text(job.read_text().replace("timeout_seconds = 2 ", "timeout_seconds = 8 "), encoding="utf-8")
    proc = _serve(db_url, fixture_jobs, "--run-now", "--grace", "60")
    try:
        wait_for(lambda: any(r[1] == "running" for r in runs(db_url, "fixture-news")), "the run to start")
        wait_for(_fetched_some(db_url), "pages to be fetched")
    finally:
        code, out = _stop(proc)
    assert code == 0, out
    assert [r[1] for r in runs(db_url, "fixture-news")] == ["interrupted"], out


def _fetched_some(db_url: str):  # type: ignore[no-untyped-def]
    def check() -> bool:
        with psycopg.connect(db_url) as conn:
            row = conn.execute("SELECT (counters->>'fetched')::int FROM crawl_runs").fetchone()
        return bool(row and row[0])

    return check


def test_sigterm_during_cli_crawl_leaves_run_interrupted_and_no_partial_rows(db_url: str, fixture_jobs: Path) -> None:
    job = fixture_jobs / "fixture-news.toml"
    job.write_text(job.read_text().replace("timeout_seconds = 2 ", "timeout_seconds = 8 "), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": db_url}
    proc = subprocess.Popen([MEDIAMON, "crawl", "--no-progress", str(job)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(_fetched_some(db_url), "pages to be fetched")
    finally:
        code, out = _stop(proc)
    assert code == 130, out
    assert [r[1] for r in runs(db_url, "fixture-news")] == ["interrupted"], out
    with psycopg.connect(db_url) as conn:
        orphans = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_urls u WHERE u.article_id = a.id)"
            " OR NOT EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)"
        ).fetchone()[0]
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert orphans == 0 and stored > 0



def test_a_service_that_never_loads_leaves_no_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    service.Service(tmp_path, config.Settings(), db_url="postgresql://postgres@127.0.0.1:1/none")
    assert list(temp.iterdir()) == []
