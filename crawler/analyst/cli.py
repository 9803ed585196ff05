"""`mediamon search | retag | export`: parse arguments, make one call into a stage, print, return an exit code."""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from crawler import config
from crawler.errors import MediamonError

log = logging.getLogger(__name__)

EXIT_OK = 0
_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")
_AGE_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class UsageError(MediamonError):
    """A command-line value that cannot be used (printed as one line, exit 2)."""


def parse_since(value: str, now: datetime) -> datetime:
    """An ISO date/timestamp (naive = UTC) or an age ("30m", "12h", "7d", "2w") before `now` -> aware datetime."""
    text = value.strip()
    age = _AGE.match(text.lower())
    if age:
        return now - timedelta(seconds=float(age.group(1)) * _AGE_SECONDS[age.group(2)])
    try:
        parsed = datetime.fromisoformat(text) if "T" in text or " " in text else None
        if parsed is None:
            day = date.fromisoformat(text)
            parsed = datetime(day.year, day.month, day.day)
    except ValueError:
        raise UsageError(
            f"--since {value!r}: not a date; use YYYY-MM-DD, an ISO timestamp or an age such as 12h, 7d"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def register(sub: Any) -> None:
    """Add the analyst sub-commands to mediamon's argument parser."""
    p = sub.add_parser(
        "search",
        help="full-text search of stored articles, ranked, with highlighted snippets",
        description='QUERY uses the topic query language: words (all must occur), "a phrase", prefix*, '
        "AND, OR, NOT or -word, ( ), title:word. Accents and case are ignored; words are stemmed in the "
        "article's language. A query that starts with '-' goes after --: mediamon search -- '-opep petróleo'.",
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--topic", help="only articles tagged with this topic")
    p.add_argument("--job", help="only articles of this job (tagged for it or seen by its runs)")
    p.add_argument("--since", help="published (or first seen) since: YYYY-MM-DD, ISO timestamp, or 12h / 7d")
    p.add_argument("--lang", help="only articles in this language, stemmed for it (en, es, pt, fr; others: unstemmed)")
    p.add_argument("--one-per-story", action="store_true", help="best article per story (needs the stories tables)")
    p.add_argument("--limit", type=int, default=20, help="results to print (default 20, at most 1000)")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("retag", help="apply a job's current topics to its stored articles (no fetching)")
    p.add_argument("job", type=Path, metavar="JOB_FILE")
    p.set_defaults(handler=cmd_retag)

    p = sub.add_parser("export", help="stream stored articles as JSON Lines or CSV (server-side cursor)")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="output format (default jsonl)")
    since = p.add_mutually_exclusive_group()
    since.add_argument("--since", help="first seen since: YYYY-MM-DD, ISO timestamp, or 12h / 7d")
    since.add_argument(
        "--since-last-export",
        metavar="NAME",
        help="only articles not yet exported under NAME; NAME's watermark advances when the export completes",
    )
    p.add_argument("--topic", help="only articles tagged with this topic")
    p.add_argument("--job", help="only articles of this job; topics column limited to it")
    p.add_argument("--output", type=Path, metavar="FILE", help="write here (atomically) instead of stdout")
    p.set_defaults(handler=cmd_export)


@contextlib.contextmanager
def _connection(settings: config.Settings) -> Iterator[psycopg.Connection]:
    """A connection; missing tables/functions mean the schema is behind: say to migrate."""
    from crawler.store import db

    with db.connect(db.resolve_url(settings), attempts=3) as conn:
        try:
            yield conn
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn, psycopg.errors.UndefinedFunction,
                psycopg.errors.UndefinedObject) as exc:  # fmt: skip
            first = str(exc).strip().splitlines()[0]
            raise UsageError(f"database schema is not up to date ({first}): run `mediamon migrate`") from None


def cmd_search(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.analyst import search

    request = search.SearchRequest(
        query=args.query,
        topic=args.topic,
        job=args.job,
        since=parse_since(args.since, datetime.now(UTC)) if args.since else None,
        language=search.language_code(args.lang) if args.lang else None,
        one_per_story=args.one_per_story,
        limit=args.limit,
    )
    with _connection(settings) as conn:
        hits = search.search(conn, request)
    if sys.stdout.isatty():
        _print_table(hits)
    else:
        _print_plain(hits, sys.stdout)
    return EXIT_OK


def _print_plain(hits: Sequence[Any], out: Any) -> None:
    from crawler.analyst import search

    for n, hit in enumerate(hits, 1):
        day = hit.published.date().isoformat()
        out.write(f"{n}. [{hit.rank:.3f}] {day} {hit.language or '-'} {hit.host}: {hit.title}\n")
        out.write(f"   {hit.url}\n   {search.plain_snippet(hit.snippet)}\n")
        if len(hit.outlets) > 1:
            out.write(f"   ran on {len(hit.outlets)} outlets: {', '.join(hit.outlets)}\n")
    if not hits:
        out.write("no matching articles\n")


def _print_table(hits: Sequence[Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from crawler.analyst import search

    table = Table(show_lines=True)
    for column in ("#", "rank", "date", "lang", "article"):
        table.add_column(column, overflow="fold")
    for n, hit in enumerate(hits, 1):
        cell = Text(hit.title, style="bold")
        cell.append(f"\n{hit.host}  {hit.url}\n", style="dim")
        for i, part in enumerate(re.split(f"[{search.MARK_START}{search.MARK_END}]", hit.snippet)):
            cell.append(part, style="bold yellow" if i % 2 else "")  # odd parts sit between the markers
        table.add_row(str(n), f"{hit.rank:.3f}", hit.published.date().isoformat(), hit.language or "-", cell)
    console = Console(markup=False)  # titles and snippets are the articles' own text
    console.print(table if hits else "no matching articles")


def cmd_retag(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.analyst import retag
    from crawler.jobs import jobs

    job = jobs.load_job(args.job)
    with _connection(settings) as conn:
        report = retag.retag_job(conn, job)
    print(f"retagged job {report.job!r}: {report.articles} stored articles checked")
    for topic, c in sorted(report.topics.items()):
        print(f"  {topic}: +{c.added} added, -{c.removed} removed, {c.updated} updated, {c.kept} unchanged")
    print(f"total: +{report.added} added, -{report.removed} removed")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.analyst import export

    request = export.ExportRequest(
        format=args.format,
        since=parse_since(args.since, datetime.now(UTC)) if args.since else None,
        watermark=args.since_last_export,
        topic=args.topic,
        job=args.job,
        output=args.output,
    )
    with _connection(settings) as conn:
        result = export.export(conn, request, None if args.output else sys.stdout)
    where = f" to {args.output}" if args.output else ""
    mark = f"; watermark {args.since_last_export!r} advanced" if result.watermark else ""
    print(f"exported {result.rows} articles{where}{mark}", file=sys.stderr)
    return EXIT_OK
