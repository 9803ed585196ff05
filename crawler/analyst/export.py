"""Stream stored articles as JSON Lines or CSV through a server-side cursor, in constant memory.

With a watermark name, each export continues after the last (first_seen_at, id) delivered under
that name, and the watermark only moves once the whole export was written: a downstream job gets
every article once (at least once if the process dies between finishing the file and the commit).
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import psycopg

from crawler.analyst import scope
from crawler.errors import MediamonError
from crawler.store import sqlfiles

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv")
# Rows per FETCH from the server-side cursor: 1,000 articles of ~5 KB text is ~5 MB in memory at
# a time, and the round trips stay negligible next to writing the output.
BATCH_ROWS = 1000
CURSOR_NAME = "mediamon_export"
COLUMNS = (
    "id", "canonical_url", "host", "site_name", "title", "description", "text", "authors",
    "language", "published_at", "date_source", "first_seen_at", "topics", "outlets",
)  # fmt: skip
_FIRST_SEEN, _ID = COLUMNS.index("first_seen_at"), COLUMNS.index("id")
_PUBLISHED = COLUMNS.index("published_at")


class ExportError(MediamonError):
    """An export that cannot run as asked."""


@dataclass(frozen=True)
class ExportRequest:
    format: str = "jsonl"
    since: datetime | None = None  # first_seen_at >= since
    watermark: str | None = None  # --since-last-export NAME
    topic: str | None = None
    job: str | None = None
    output: Path | None = None  # None: the `out` stream given to export()


@dataclass(frozen=True)
class ExportResult:
    rows: int
    batches: int
    watermark: tuple[datetime, int] | None  # where the named watermark now stands (None: unchanged/unused)


def _q(name: str) -> str:
    return sqlfiles.load_queries("analyst")[name]


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class _JsonlWriter:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def row(self, row: Sequence[Any]) -> None:
        doc = {name: _text(value) for name, value in zip(COLUMNS, row, strict=True)}
        self.out.write(json.dumps(doc, ensure_ascii=False) + "\n")


class _CsvWriter:
    """CSV with a header; list columns (authors, topics, outlets) joined with "; "."""

    def __init__(self, out: TextIO) -> None:
        self.writer = csv.writer(out)
        self.writer.writerow(COLUMNS)

    def row(self, row: Sequence[Any]) -> None:
        self.writer.writerow(
            ["; ".join(v) if isinstance(v, list) else "" if v is None else _text(v) for v in row]
        )


def _publisher_time(row: Sequence[Any]) -> list[Any]:
    """published_at in the publisher's own offset when the page stated one (its day is the publisher's day,
    not the UTC day); the query's last column is that offset and is not exported."""
    values = list(row[: len(COLUMNS)])
    offset = row[len(COLUMNS)] if len(row) > len(COLUMNS) else None
    if values[_PUBLISHED] is not None and offset is not None:
        values[_PUBLISHED] = values[_PUBLISHED].astimezone(timezone(offset))
    return values


def iter_batches(cursor: psycopg.Cursor[Any], size: int) -> Iterator[list[Any]]:
    """Successive fetchmany() batches until the cursor is exhausted."""
    while rows := cursor.fetchmany(size):
        yield rows


def export(
    conn: psycopg.Connection,
    request: ExportRequest,
    out: TextIO | None = None,
    *,
    batch_rows: int = BATCH_ROWS,
    on_batch: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the selected articles to request.output (atomically) or to `out`; advance the watermark last."""
    if request.format not in FORMATS:
        raise ExportError(f"unknown export format {request.format!r} (use {' or '.join(FORMATS)})")
    if request.since is not None and request.watermark is not None:
        raise ExportError("use either --since or --since-last-export, not both")
    if request.watermark is not None and not request.watermark.strip():
        raise ExportError("--since-last-export needs a non-empty name")
    if request.output is None and out is None:
        raise ExportError("no output: give --output FILE or a stream")
    if conn.autocommit:
        raise ExportError("export needs a connection outside autocommit (server-side cursors live in a transaction)")
    conn.commit()  # start from a clean transaction: the named cursor and the watermark share the next one
    with conn.transaction():
        scope.check(conn, request.topic, request.job)
        params = _params(conn, request)
        if request.output is None:
            assert out is not None
            rows, batches, last = _write(conn, request, params, out, batch_rows, on_batch)
        else:
            rows, batches, last = _write_file(conn, request, params, request.output, batch_rows, on_batch)
        watermark = None
        if request.watermark is not None and last is not None:
            conn.execute(
                _q("watermark_advance"),
                {"name": request.watermark, "last_first_seen_at": last[0], "last_id": last[1], "exported": rows},
            )
            watermark = last
    # DEBUG: the command prints the count itself; at INFO it would be reported twice
    log.debug("export finished", extra={"rows": rows, "batches": batches, "watermark": request.watermark})
    return ExportResult(rows=rows, batches=batches, watermark=watermark)


def _params(conn: psycopg.Connection, request: ExportRequest) -> dict[str, Any]:
    params: dict[str, Any] = {
        "since": request.since,
        "topic": request.topic,
        "job": request.job,
        "after_seen": None,
        "after_id": None,
        "until": None,
    }
    if request.watermark is not None:
        locked = conn.execute(_q("export_try_lock"), {"name": request.watermark}).fetchone()
        if not (locked and locked[0]):
            raise ExportError(f"another export named {request.watermark!r} is running")
        cutoff = conn.execute(_q("export_cutoff")).fetchone()
        params["until"] = cutoff[0] if cutoff else None
        mark = conn.execute(_q("watermark_get"), {"name": request.watermark}).fetchone()
        if mark is not None:
            params["after_seen"], params["after_id"] = mark
    return params


def _write_file(
    conn: psycopg.Connection,
    request: ExportRequest,
    params: dict[str, Any],
    path: Path,
    batch_rows: int,
    on_batch: Callable[[int], None] | None,
) -> tuple[int, int, tuple[datetime, int] | None]:
    """Write to PATH.part, then rename it over PATH: a reader never sees a half-written export."""
    part = path.with_name(path.name + ".part")
    try:
        fh = part.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"--output {path}: cannot write there ({exc.strerror or exc})") from None
    try:
        with fh:
            result = _write(conn, request, params, fh, batch_rows, on_batch)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return result


def _write(
    conn: psycopg.Connection,
    request: ExportRequest,
    params: dict[str, Any],
    out: TextIO,
    batch_rows: int,
    on_batch: Callable[[int], None] | None,
) -> tuple[int, int, tuple[datetime, int] | None]:
    writer = _JsonlWriter(out) if request.format == "jsonl" else _CsvWriter(out)
    rows = batches = 0
    last: tuple[datetime, int] | None = None
    with conn.cursor(name=CURSOR_NAME) as cursor:  # named = server-side: the server holds the result
        cursor.itersize = batch_rows
        cursor.execute(_q("export_articles"), params)
        for batch in iter_batches(cursor, batch_rows):
            for row in batch:
                writer.row(_publisher_time(row))
            rows += len(batch)
            batches += 1
            last = (batch[-1][_FIRST_SEEN], batch[-1][_ID])
            if on_batch is not None:
                on_batch(len(batch))
    out.flush()
    return rows, batches, last
