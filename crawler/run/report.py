"""`mediamon crawl`: run a job once with a live display (TTY) or plain log lines, then print a summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from crawler import config, outcomes

#: rows of the summary and the live display, in pipeline order
from crawler.run import crawl
from crawler.store import db, store

SUMMARY_ROWS = (
    outcomes.DISCOVERED, outcomes.SKIPPED_KNOWN, outcomes.SKIPPED_SEEN, outcomes.SKIPPED_OLD, outcomes.SKIPPED_OFFSITE,
    outcomes.SKIPPED_ROBOTS, outcomes.SKIPPED_LIMIT, outcomes.FETCHED, outcomes.EXTRACTED, outcomes.NOT_ARTICLE,
    outcomes.NOT_HTML, outcomes.TOO_LARGE, outcomes.EMPTY, outcomes.OFF_TOPIC, outcomes.STORED, outcomes.DUPLICATE_URL,
    outcomes.DUPLICATE_CONTENT, outcomes.UPDATED, outcomes.DATE_REJECTED, outcomes.SKIPPED_LONG_URL,
)


def counters_table(counters: dict[str, int], title: str) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for name in SUMMARY_ROWS:
        if counters.get(name):
            table.add_row(name, str(counters[name]))
    for name in sorted(outcomes.ERRORS):
        if counters.get(name):
            table.add_row(Text(name, style="red"), str(counters[name]))
    return table


def crawl_and_report(job_path: Path, settings: config.Settings, *, progress: bool = True, console: Any = None) -> int:
    """Run the job once; exit code 0 succeeded or partial (some sources failed), 1 failed, 130 interrupted."""
    console = console or Console(stderr=False, markup=False)  # URLs and messages may hold [brackets]
    url = crawl.prepare(settings)
    live: Live | None = None
    watch = None
    if progress and sys.stdout.isatty():
        live = Live(counters_table({}, "crawling..."), console=console, refresh_per_second=4, transient=True)
        live.start()
        conn = db.connect(url)

        def watch(run_id: int) -> None:
            assert live is not None
            live.update(counters_table(store.run_counters(conn, run_id), f"crawling {job_path.name} (run {run_id})"))

    try:
        summary = crawl.run_exclusive(job_path, settings, db_url=url, watch=watch)
    finally:
        if live is not None:
            live.stop()
            conn.close()
    if summary.status == "skipped":
        console.print(f"run {summary.run_id} of job {summary.job} skipped: {summary.message}")
        return 0
    with db.connect(url) as conn2:
        problems = store.run_errors(conn2, summary.run_id)
    console.print(counters_table(summary.counters, f"run {summary.run_id} of job {summary.job}: {summary.status}"))
    for url_, outcome, detail in problems:
        console.print(Text.assemble((outcome, "yellow"), f" {url_[:300]}: {detail}"), highlight=False, soft_wrap=True)
    console.print(f"finished in {summary.seconds:.1f}s" + (f" - {summary.message}" if summary.message else ""))
    return exit_code(summary.status)


#: `mediamon crawl` exit code per run status (README, "Reliability")
EXIT_CODES = {"succeeded": 0, "partial": 0, "skipped": 0, "interrupted": 130, "failed": 1}


def exit_code(status: str) -> int:
    return EXIT_CODES.get(status, 1)
