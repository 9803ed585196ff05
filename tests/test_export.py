"""Export: streaming through a server-side cursor, formats, watermarks that deliver each article once."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler import cli
from crawler.analyst import export, scope

_seq = iter(range(1, 1_000_000))


def add_articles(conn: psycopg.Connection, count: int, *, text_chars: int = 200, topic: str | None = None) -> list[int]:
    """Insert `count` articles in one statement; return their ids in (first_seen_at, id) order."""
    start = next(_seq) * 100_000
    rows = conn.execute(
        "INSERT INTO articles (canonical_url, host, title, text, content_hash, language, authors)"
        " SELECT 'https://example.com/a/' || g, 'example.com', 'Title ' || g,"
        "        rpad('Body of article ' || g || ' ', %s, 'x'), 'hash-' || g, 'en', ARRAY['Ana', 'Bo']"
        " FROM generate_series(%s::bigint, %s::bigint) g RETURNING id",
        (text_chars, start, start + count - 1),
    ).fetchall()
    ids = sorted(r[0] for r in rows)
    if topic:
        conn.execute(
            "INSERT INTO article_topics (article_id, job, topic) SELECT unnest(%s::bigint[]), 'watch', %s", (ids, topic)
        )
    conn.commit()
    return ids


def run(conn: psycopg.Connection, **kwargs: object) -> tuple[export.ExportResult, list[dict[str, object]]]:
    out = io.StringIO()
    result = export.export(conn, export.ExportRequest(**kwargs), out)  # type: ignore[arg-type]
    return result, [json.loads(line) for line in out.getvalue().splitlines()]


def test_10000_rows_stream_in_batches_through_a_server_side_cursor(conn: psycopg.Connection, tmp_path: Path) -> None:
    # The tsvector trigger is not what this test is about; skipping it keeps the insert fast.
    conn.execute("ALTER TABLE articles DISABLE TRIGGER articles_search")
    add_articles(conn, 10_000, text_chars=2_000)
    open_cursors: list[str] = []
    batch_sizes: list[int] = []

    def on_batch(size: int) -> None:
        batch_sizes.append(size)
        if len(batch_sizes) == 1:  # the result lives on the server, behind a named cursor
            open_cursors.extend(r[0] for r in conn.execute("SELECT name FROM pg_cursors"))

    target = tmp_path / "all.jsonl"
    tracemalloc.start()
    try:
        result = export.export(conn, export.ExportRequest(output=target), on_batch=on_batch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.rows == 10_000 and result.batches == 10
    assert batch_sizes == [export.BATCH_ROWS] * 10
    assert open_cursors == [export.CURSOR_NAME]
    written = target.stat().st_size
    assert written > 20_000_000
    # Measured: all rows held at once peak above the file's size (27 MB for a 23 MB file); a batch
    # of 1,000 rows peaks near a quarter of it (5.6 MB).
    assert peak < written / 2, (peak, written)
    with target.open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 10_000


def test_since_last_export_gives_each_article_once(conn: psycopg.Connection) -> None:
    first_ids = add_articles(conn, 3)
    result, first = run(conn, watermark="downstream")
    assert [r["id"] for r in first] == first_ids and result.watermark is not None
    second_ids = add_articles(conn, 2)
    _, second = run(conn, watermark="downstream")
    _, third = run(conn, watermark="downstream")
    assert [r["id"] for r in second] == second_ids
    assert third == []
    _, other = run(conn, watermark="another-consumer")  # names are independent
    assert [r["id"] for r in other] == first_ids + second_ids
    row = conn.execute("SELECT exported FROM export_watermarks WHERE name = 'downstream'").fetchone()
    assert row is not None and row[0] == 5


class _Broken(io.StringIO):
    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self.left = fail_after

    def write(self, s: str) -> int:
        self.left -= 1
        if self.left < 0:
            raise OSError("disk full")
        return super().write(s)


def test_watermark_does_not_move_when_the_export_fails(conn: psycopg.Connection) -> None:
    ids = add_articles(conn, 5)
    with pytest.raises(OSError):
        export.export(conn, export.ExportRequest(watermark="downstream"), _Broken(fail_after=2), batch_rows=2)
    _, rows = run(conn, watermark="downstream")
    assert [r["id"] for r in rows] == ids


def test_failed_file_export_leaves_no_partial_file(conn: psycopg.Connection, tmp_path: Path) -> None:
    add_articles(conn, 3)
    target = tmp_path / "out.jsonl"
    with pytest.raises(export.ExportError):  # the watermark name is refused before anything is written
        export.export(conn, export.ExportRequest(watermark=" ", output=target))
    assert list(tmp_path.iterdir()) == []


def test_csv_has_a_header_and_joins_lists(conn: psycopg.Connection) -> None:
    (article,) = add_articles(conn, 1, topic="cuba")
    out = io.StringIO()
    export.export(conn, export.ExportRequest(format="csv"), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1
    assert rows[0]["id"] == str(article) and rows[0]["authors"] == "Ana; Bo" and rows[0]["topics"] == "cuba"
    assert list(rows[0]) == list(export.COLUMNS)


def test_topic_job_and_since_filters(conn: psycopg.Connection) -> None:
    cuba = add_articles(conn, 2, topic="cuba")
    add_articles(conn, 2)
    _, rows = run(conn, topic="cuba")
    assert [r["id"] for r in rows] == cuba and rows[0]["topics"] == ["cuba"]
    _, rows = run(conn, job="watch")
    assert [r["id"] for r in rows] == cuba
    with pytest.raises(scope.ScopeError, match=r"--job 'nobody': unknown job \(known jobs: watch\)"):
        run(conn, job="nobody")
    with pytest.raises(scope.ScopeError, match=r"--topic 'cubaa': no article is tagged .* \(known topics: cuba\)"):
        run(conn, topic="cubaa")


@pytest.mark.parametrize(
    "field",
    [
        {"topic": "x' OR '1'='1"},
        {"job": "x'); DROP TABLE articles; --"},
        {"watermark": "x'; DELETE FROM articles; --", "topic": "none"},
    ],
)
def test_injection_attempts_find_nothing_and_break_nothing(conn: psycopg.Connection, field: dict[str, str]) -> None:
    add_articles(conn, 3)
    try:
        _, rows = run(conn, **field)
    except scope.ScopeError:
        rows = []  # refused: no article carries that topic or job
    assert rows == []
    row = conn.execute("SELECT count(*) FROM articles").fetchone()
    assert row is not None and row[0] == 3


def test_cli_export_to_file_and_watermark(
    conn: psycopg.Connection,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_articles(conn, 4)
    monkeypatch.setenv("DATABASE_URL", db_url)
    target = tmp_path / "new.csv"
    args = ["export", "--format", "csv", "--since-last-export", "daily", "--output", str(target)]
    assert cli.main(args) == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5  # header + 4
    assert "exported 4 articles" in capsys.readouterr().err
    assert cli.main(args) == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1  # only the header: nothing new


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--since", "31/12/2025"], "--since '31/12/2025': not a date"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_cli_since_and_since_last_export_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["export", "--since", "7d", "--since-last-export", "x"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def _mediamon(args: list[str], db_url: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], env=env, text=True, timeout=120, **kwargs)


def test_cli_output_in_a_missing_directory_is_one_line(db_url: str, conn: psycopg.Connection) -> None:
    add_articles(conn, 2)
    done = _mediamon(["export", "--output", "/nonexistent/dir/x.csv"], db_url, capture_output=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mediamon: --output /nonexistent/dir/x.csv: cannot write there (No such file or directory)"
    ]


def test_cli_reports_the_count_once(db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    add_articles(conn, 3)
    done = _mediamon(["export", "--output", str(tmp_path / "x.jsonl")], db_url, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"exported 3 articles to {tmp_path / 'x.jsonl'}"]  # and no log line with it


def test_cli_stops_quietly_when_the_reader_goes_away(db_url: str, conn: psycopg.Connection) -> None:
    """`mediamon export | head -2`: no traceback, a non-zero exit (141, as SIGPIPE would give)."""
    add_articles(conn, 3000, text_chars=2000)  # ~6 MB: far more than a pipe buffer
    env = {**os.environ, "DATABASE_URL": db_url}
    with subprocess.Popen([sys.executable, "-m", "crawler.cli", "export"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        head = [proc.stdout.readline() for _ in range(2)]
        proc.stdout.close()  # what `head -2` does after two lines
        err = proc.stderr.read()
        code = proc.wait(timeout=120)
    assert all(line.startswith("{") for line in head)
    assert code == 141
    assert err == ""
    row = conn.execute("SELECT count(*) FROM export_watermarks").fetchone()
    assert row == (0,)
