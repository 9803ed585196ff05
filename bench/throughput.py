"""Throughput: the full crawl (fetch -> extract -> topics -> dedup -> PostgreSQL) vs bare parallel extraction.

Serves N generated article pages on 127.0.0.1 (the bundled fixture site), then in the same run:
  1. bare: trafilatura.extract() over the same HTML bytes in a process pool of W workers (no fetch, no DB);
  2. bare-mediamon: crawler.extract.extract.extract_article() over the same bytes, same pool (our extractor alone);
  3. end-to-end: `crawl.run_job` on a job listing those pages, into a fresh PostgreSQL database.
Prints pages/s for each and the ratios. The order alternates over --rounds to spread machine noise.

    .venv/bin/python bench/throughput.py [--pages 1000] [--workers 2] [--rounds 2]
DATABASE_URL selects the server (a scratch database is created and dropped); default: embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from crawler import config, fixturesite  # noqa: E402
from crawler.run import crawl
from crawler.store import db


def _bare_trafilatura(body: bytes) -> int:
    import trafilatura

    text = trafilatura.extract(body.decode("utf-8"), include_comments=False, deduplicate=False)
    return len(text or "")


def _bare_mediamon(body: bytes) -> int:
    from crawler import models
    from crawler.extract import extract

    result = extract.extract_article(body, "http://127.0.0.1/x", content_type="text/html; charset=utf-8",
                                     now=datetime.now(UTC))
    return len(result.text) if isinstance(result, models.Article) else 0


def _warm(_: int) -> None:
    import trafilatura  # noqa: F401

    from crawler.extract import extract  # noqa: F401


def time_pool(fn, bodies: list[bytes], workers: int) -> float:
    """Pages/s of fn over bodies in a fresh spawn pool (start-up excluded: the crawl keeps its pool)."""
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_warm, range(workers)))
        start = time.perf_counter()
        sizes = list(pool.map(fn, bodies, chunksize=1))
        elapsed = time.perf_counter() - start
    assert sum(1 for s in sizes if s > 0) >= 0.95 * len(bodies), "extraction failed on too many pages"
    return len(bodies) / elapsed


def time_crawl(sites: fixturesite.Sites, admin_url: str, workers: int, expected: int) -> tuple[float, float, dict]:
    """(pages/s over the whole run, pages/s excluding process start-up, counters) of a full crawl."""
    name = f"mediamon_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_conninfo(admin_url, dbname=name)
    try:
        settings = config.Settings(database_url=url, workers=workers, log_level="WARNING")
        crawl.prepare(settings)
        with tempfile.TemporaryDirectory() as tmp:
            job = Path(tmp) / "bench.toml"
            job.write_text(fixturesite.bench_job_toml(sites), encoding="utf-8")
            start = time.perf_counter()
            summary = crawl.run_job(job, settings, db_url=url)
            elapsed = time.perf_counter() - start
        with psycopg.connect(url) as c:
            row = c.execute("SELECT min(first_seen_at), max(first_seen_at), count(*) FROM articles").fetchone()
        first, last, stored = row
        if summary.status != "succeeded" or stored < 0.95 * expected:
            raise SystemExit(f"crawl did not store the pages: {summary.status} {summary.counters}")
        steady = stored / max((last - first).total_seconds(), 1e-6)
        return stored / elapsed, steady, summary.counters
    finally:
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    settings = config.from_env()
    admin_url = db.resolve_url(settings)

    with fixturesite.start_sites(extra_articles=args.pages) as sites:
        bodies = []
        for spec in sites.manifest.bench:
            with urllib.request.urlopen(spec.url) as resp:  # loopback only
                bodies.append(resp.read())
        size = statistics.mean(len(b) for b in bodies) / 1024
        print(f"{len(bodies)} pages of {size:.0f} KB on {sites.a}, {args.workers} extraction workers, "
              f"{args.rounds} rounds", flush=True)
        results: dict[str, list[float]] = {"bare trafilatura": [], "bare mediamon extract": [],
                                           "end-to-end (whole run)": [], "end-to-end (steady state)": []}
        for round_ in range(args.rounds):
            order = ["bare", "crawl"] if round_ % 2 == 0 else ["crawl", "bare"]
            for step in order:
                if step == "bare":
                    results["bare trafilatura"].append(time_pool(_bare_trafilatura, bodies, args.workers))
                    results["bare mediamon extract"].append(time_pool(_bare_mediamon, bodies, args.workers))
                else:
                    whole, steady, counters = time_crawl(sites, admin_url, args.workers, len(bodies))
                    results["end-to-end (whole run)"].append(whole)
                    results["end-to-end (steady state)"].append(steady)
            print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1]:.1f}/s" for k, v in results.items()), flush=True)

    med = {k: statistics.median(v) for k, v in results.items()}
    print()
    print(f"{'method':<28}{'pages/s (median)':>18}")
    for k, v in med.items():
        print(f"{k:<28}{v:>18.1f}")
    base = med["bare trafilatura"]
    print()
    print(f"ratio end-to-end (whole run) / bare trafilatura:    {med['end-to-end (whole run)'] / base:.2f}")
    print(f"ratio end-to-end (steady state) / bare trafilatura: {med['end-to-end (steady state)'] / base:.2f}")
    print(f"ratio end-to-end (steady state) / bare mediamon:    "
          f"{med['end-to-end (steady state)'] / med['bare mediamon extract']:.2f}")
    print("target: end-to-end >= 0.8 x bare extraction")


if __name__ == "__main__":
    main()
