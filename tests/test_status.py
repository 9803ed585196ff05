"""`mediamon status` and `mediamon runs`: the tables an operator reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
from jobfiles import write_job

from crawler.store import store

MEDIAMON = str(Path(sys.executable).parent / "mediamon")


def mediamon(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run([MEDIAMON, *args], env=env, capture_output=True, text=True, timeout=60)


def row_of(output: str, job: str) -> str:
    lines = [line for line in output.splitlines() if f" {job} " in f" {line} "]
    assert len(lines) == 1, output
    return lines[0]


def test_status_prints_a_row_per_job_with_last_run_and_next_fire(
    db_url: str, conn: psycopg.Connection, tmp_path: Path
) -> None:
    write_job(tmp_path, "cuba", schedule='cron = "15 */2 * * *"\njitter = "1m"')
    write_job(tmp_path, "oil", schedule='interval = "30m"')
    (tmp_path / "broken.toml").write_text("name = [", encoding="utf-8")
    first = store.start_run(conn, "cuba", trigger="service")
    store.finish_run(conn, first, status="succeeded", counters={"fetched": 30, "stored": 19, "duplicate_url": 2})
    second = store.start_run(conn, "cuba", trigger="service")
    store.finish_run(conn, second, status="failed", counters={"fetched": 4, "error_http": 3}, message="crawl closed: x")
    skipped = store.start_run(conn, "cuba", trigger="service", status="skipped")
    store.finish_run(conn, skipped, status="skipped", counters={})
    done = mediamon(db_url, "status", str(tmp_path))
    assert done.returncode == 0, done.stderr
    cuba = row_of(done.stdout, "cuba")
    # the last run that ran (a replica's 'skipped' row does not hide it), its counters and errors
    assert f"#{second}" in cuba and "failed" in cuba
    assert "cron 15 */2 * * * UTC ±1m" in cuba
    assert "error_http=3" in cuba and "crawl closed: x" in cuba
    assert " 4 " in cuba and " 3 " in cuba
    oil = row_of(done.stdout, "oil")
    assert "every 30m UTC" in oil and "never" in oil
    assert "invalid" in row_of(done.stdout, "broken")


def test_runs_prints_history_newest_first(db_url: str, conn: psycopg.Connection) -> None:
    ids = []
    for status in ("succeeded", "interrupted", "skipped"):
        run_id = store.start_run(conn, "cuba", trigger="service", status="running" if status != "skipped" else status)
        store.finish_run(conn, run_id, status=status, counters={"stored": 5})
        ids.append(run_id)
    done = mediamon(db_url, "runs", "cuba", "--limit", "2")
    assert done.returncode == 0, done.stderr
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]] for line in done.stdout.splitlines() if line.startswith("│")
    ]
    assert [(int(r[0]), r[1]) for r in rows] == [(ids[2], "skipped"), (ids[1], "interrupted")], done.stdout


def test_runs_of_an_unknown_job_says_so(db_url: str) -> None:
    done = mediamon(db_url, "runs", "nope")
    assert done.returncode == 1 and "no runs of job 'nope'" in done.stderr


def test_status_prints_brackets_as_written(db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    write_job(tmp_path, "manual", schedule=None)
    write_job(tmp_path, "[draft]", name="[bold]x[/bold]")  # an invalid name: the row quotes it
    run = store.start_run(conn, "manual", trigger="cli")
    store.finish_run(conn, run, status="failed", counters={}, message="[red]boom[/red] at [link=x]here[/link]")
    done = mediamon(db_url, "status", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "manual (no [schedule])" in row_of(done.stdout, "manual")
    assert "[red]boom[/red] at [link=x]here[/link]" in done.stdout
    draft = row_of(done.stdout, "[draft]")
    assert "invalid" in draft and "[draft].toml" in draft
    assert "'[bold]x[/bold]'" in done.stdout  # the name quoted in the error (the cell may wrap)


def test_runs_prints_brackets_as_written(db_url: str, conn: psycopg.Connection) -> None:
    run = store.start_run(conn, "cuba", trigger="cli")
    store.finish_run(conn, run, status="failed", counters={}, message="[red]boom[/red]")
    done = mediamon(db_url, "runs", "cuba")
    assert done.returncode == 0, done.stderr
    assert "[red]boom[/red]" in done.stdout


def test_status_of_a_directory_without_jobs_is_one_line(db_url: str, tmp_path: Path) -> None:
    done = mediamon(db_url, "status", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip() == f"mediamon: {tmp_path}: no job files (*.toml) in this directory"
    assert done.stdout == ""


def test_status_of_a_missing_directory_is_one_line(db_url: str, tmp_path: Path) -> None:
    done = mediamon(db_url, "status", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"mediamon: {tmp_path / 'nope'}: jobs directory not found (mediamon status JOBS_DIR)"
    ]


def test_shipped_jobs_directory_holds_no_example_job() -> None:
    from crawler.jobs import jobdir

    found = jobdir.scan(Path(__file__).resolve().parent.parent / "jobs")
    assert [path.name for path in found] == ["cuba-venezuela.toml"]
