"""`mediamon demo`: serve the bundled fixture news site on 127.0.0.1, crawl it, show what was stored."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from . import config, crawl, db, fixturesite, report, store


def run(settings: config.Settings, *, keep_serving: bool = False, console: Console | None = None) -> int:
    """Crawl the fixture site twice (the second run shows only-new crawling); exit code as `crawl`."""
    console = console or Console()
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
        for column in ("id", "published", "date from", "lang", "host", "title", "topics", "urls"):
            table.add_column(column)
        for row in rows:
            art_id, published, date_source, lang, host, title, topics, n_urls = row
            table.add_row(
                str(art_id), published.strftime("%Y-%m-%d %H:%M") if published else "-", date_source or "-",
                lang or "-", host, title[:70], topics, str(n_urls),
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
    return 0 if first.status == second.status == "succeeded" else 1
