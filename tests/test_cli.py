"""The `mediamon` command as a user runs it: a real subprocess, exit codes and messages."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg

FIXTURES = Path(__file__).parent / "fixtures" / "jobs"
MEDIAMON = [sys.executable, "-m", "crawler.cli"]


def _run(args: list[str], db_url: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if db_url:
        env["DATABASE_URL"] = db_url
    return subprocess.run(MEDIAMON + args, capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=Path(__file__).parent.parent)


def test_validate_names_file_line_and_field() -> None:
    result = _run(["validate", str(FIXTURES / "broken" / "bad_url.toml")])
    assert result.returncode == 2
    assert "bad_url.toml:15: sources[1].url:" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_accepts_the_shipped_jobs() -> None:
    result = _run(["validate", "docs/example-job.toml", "jobs/cuba-venezuela.toml"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok:") == 2


def test_crawl_with_broken_job_crawls_nothing(db_url: str) -> None:
    result = _run(["crawl", str(FIXTURES / "broken" / "bad_regex.toml")], db_url=db_url)
    assert result.returncode == 2
    assert "bad_regex.toml:" in result.stderr and "article_patterns" in result.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone() == (0,)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_sources_are_reported_and_run_closes(db_url: str, tmp_path: Path) -> None:
    port = _closed_port()  # nothing listens there: connection refused, on loopback only
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
url = "http://127.0.0.1:{port}/feed.rss"
[[sources]]
name = "sitemap"
kind = "sitemap"
url = "http://127.0.0.1:{port}/sitemap.xml"
""", encoding="utf-8")
    result = _run(["crawl", "--no-progress", str(job)], db_url=db_url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert f"http://127.0.0.1:{port}/feed.rss" in result.stdout
    assert f"http://127.0.0.1:{port}/sitemap.xml" in result.stdout
    assert "no source could be read" in result.stdout
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT status, errors, errors_by_kind FROM crawl_runs").fetchone()
    assert row == ("failed", 2, {"error_source": 2})  # issue 15.1: a run that read nothing failed


def test_help_lists_every_command() -> None:
    result = _run(["--help"])
    assert result.returncode == 0
    for command in ("validate", "migrate", "crawl", "demo"):
        assert command in result.stdout
    assert "DATABASE_URL" in result.stdout


def test_version_is_the_installed_distributions() -> None:
    import importlib.metadata

    result = _run(["--version"])
    assert result.returncode == 0
    assert result.stdout.strip() == f"mediamon {importlib.metadata.version('mediamon')}"


def test_bad_log_level_on_the_command_line_is_one_line() -> None:
    result = _run(["--log-level", "foo", "validate", "jobs/cuba-venezuela.toml"])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["mediamon: --log-level 'foo': use DEBUG, INFO, WARNING or ERROR"]


def test_unreachable_database_is_a_failure_not_a_usage_error() -> None:
    result = _run(["migrate"], db_url="postgresql://postgres@127.0.0.1:1/none")
    assert result.returncode == 1, result.stderr
    assert "\nmediamon: " in result.stderr and "Traceback" not in result.stderr
