"""`mediamon demo`: serve the bundled fixture news site on 127.0.0.1, crawl it, show what was stored."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

from rich.console import Console
from rich.table import Table

from crawler import config, fixturesite
from crawler.run import crawl, report
from crawler.store import db, store


def run(settings: config.Settings, *, keep_serving: bool = False, console: Console | None = None) -> int:
    """Crawl the fixture site twice (the second run shows only-new crawling); exit code as `crawl`."""
    console = console or Console(width=None if sys.stdout.isatty() else 140, markup=False)  # titles may hold [brackets]
    url = crawl.prepare(settings)
    with fixturesite.start_sites() as sites, tempfile.TemporaryDirectory(prefix="mediamon-demo-") as tmp:
        job_path = Path(tmp) / "demo.toml"
        job_path.write_text(fixturesite.job_toml(sites), encoding="utf-8")
        console.print(f"fixture news site: {sites.a} (partner site {sites.b}); job file {job_path}")
        first = crawl.run_job(job_path, settings, trigger="demo", db_url=url)
        console.print(report.counters_table(first.counters, f"first run {first.run_id}: {first.status}"))
        second = crawl.run_job(job_path, settings, trigger="demo", db_url=url)
        console.print(report.counters_table(second.counters, f"second run {second.run_id}: {second.status} (only new pages)"))
        with db.connect(url) as conn:
            rows = store.recent_articles(conn, limit=40)
        table = Table(title="stored articles (newest first)")
        for column, width in (("published (UTC)", 16), ("date from", 9), ("lang", 4), ("host", 9), ("topics", 15),
                              ("urls", 4)):
            table.add_column(column, no_wrap=True, min_width=width)
        table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=60)
        for row in rows:
            _id, published, date_source, lang, host, title, topics, n_urls = row
            table.add_row(
                published.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if published else "-", date_source or "-",
                lang or "-", host, topics, str(n_urls), title,
            )
        console.print(table)
        console.print(f"database: {'DATABASE_URL' if settings.database_url else f'embedded PostgreSQL in {settings.pgdata}'}")
        if keep_serving:
            console.print("fixture site still serving; Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    # partial: the fixture site has one broken source on purpose (README, "Reliability")
    return 0 if {first.status, second.status} <= {"succeeded", "partial"} else 1
