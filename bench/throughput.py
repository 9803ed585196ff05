"""Throughput and per-article CPU of an inline crawl on realistic pages (the Zyte corpus on loopback).

The 181 Zyte benchmark pages, 3 distinct copies each (an edition marker inside the article text), are
served by one loopback host and crawled by `crawl.run_job` (inline mode) into a scratch database:
  - CPU ms per stored article of the whole crawl (parent, crawl child, extraction processes; not
    PostgreSQL), against CPU ms per page of extraction alone (`extract_article`, warmed up, same bytes);
  - pages/s end to end and of extraction alone in a W-process pool.
Target: end to end <= 1.5 x extraction alone (CPU per article). The earlier target (pages/s >= 0.8 x bare
trafilatura on 36 KB generated pages) measured fixed per-page costs more than extraction; it is retired.

    .venv/bin/python bench/throughput.py [--corpus DIR] [--workers 2] [--rounds 2]
DATABASE_URL selects the server (a scratch database is created and dropped); default: embedded PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psycopg  # noqa: E402
from _common import arg_parser
from scaleout import Scratch, corpus_pages, extraction_alone

from crawler import config, models  # noqa: E402
from crawler.fixturesite import farm as farm_site  # noqa: E402
from crawler.run import crawl  # noqa: E402
from crawler.store import db  # noqa: E402


def _extract(body: bytes) -> int:
    from crawler.extract import extract

    result = extract.extract_article(body, "http://127.0.0.1/x", content_type="text/html", now=datetime.now(UTC))
    return len(result.text) if isinstance(result, models.Article) else 0


def pool_rate(bodies: list[bytes], workers: int) -> float:
    """Pages/s of extract_article over the bodies in a warmed spawn pool."""
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_extract, bodies[:workers * 2]))
        start = time.perf_counter()
        list(pool.map(_extract, bodies, chunksize=1))
        return len(bodies) / (time.perf_counter() - start)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def crawl_once(site: farm_site.Farm, admin_url: str, workers: int) -> tuple[int, float, float]:
    """(stored, wall s, CPU s of the crawl's processes) of one inline run."""
    scratch = Scratch(admin_url)
    try:
        settings = config.Settings(database_url=scratch.url, workers=workers, log_level="WARNING")
        crawl.prepare(settings)
        with tempfile.TemporaryDirectory() as tmp:
            job = Path(tmp) / "farm.toml"
            job.write_text(site.job_toml(delay=0.0, concurrency=8), encoding="utf-8")
            cpu0, start = _children_cpu(), time.perf_counter()
            summary = crawl.run_job(job, settings, db_url=scratch.url)
            wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
        with psycopg.connect(scratch.url) as c:
            row = c.execute("SELECT count(*) FROM articles").fetchone()
        if summary.status != "succeeded" or row is None:
            raise SystemExit(f"crawl failed: {summary.status} {summary.counters}")
        return int(row[0]), wall, cpu
    finally:
        scratch.drop()


def main() -> None:
    parser = arg_parser(__doc__ or "")
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    admin_url = db.resolve_url(config.from_env())
    pages = corpus_pages(args.corpus, copies=3)
    site = farm_site.start_farm(hosts=1, feeds_per_host=1, articles_per_feed=len(pages), pages=pages)
    size = statistics.mean(len(p) for p in pages) / 1024
    print(f"{len(pages)} corpus pages of {size:.0f} KB on {site.bases[0]}, {args.workers} extraction workers")
    e2e_cpu, e2e_rate, alone_cpu, alone_rate = [], [], [], []
    try:
        for round_ in range(args.rounds):
            stored, wall, cpu = crawl_once(site, admin_url, args.workers)
            ours, _bare = extraction_alone(pages)
            rate = pool_rate(pages, args.workers)
            e2e_cpu.append(cpu * 1000 / stored)
            e2e_rate.append(stored / wall)
            alone_cpu.append(ours)
            alone_rate.append(rate)
            print(f"round {round_ + 1}: {stored} stored in {wall:.1f}s ({stored / wall:.1f}/s), "
                  f"{e2e_cpu[-1]:.1f} CPU ms/article end to end; extraction alone {ours:.1f} CPU ms/page, "
                  f"{rate:.1f} pages/s in the pool", flush=True)
    finally:
        site.stop()
    e2e, alone = statistics.median(e2e_cpu), statistics.median(alone_cpu)
    print()
    print(f"CPU ms per stored article, end to end:   {e2e:.1f}")
    print(f"CPU ms per page, extraction alone:       {alone:.1f}")
    print(f"ratio: {e2e / alone:.2f}  (target <= 1.5)")
    print(f"pages/s end to end {statistics.median(e2e_rate):.1f} vs extraction alone in the pool "
          f"{statistics.median(alone_rate):.1f} (whole run, start-up included)")


if __name__ == "__main__":
    main()
