"""Scale-out: `serve --queue` + N `mediamon worker` processes on one PostgreSQL (procrastinate).

  1. politeness-bound: 8 loopback hosts, each with a delay between requests; 1 vs 2 vs 4 workers,
     articles/s (target: 2 workers >= 1.8 x 1 worker);
  2. CPU-bound: no delays, realistic pages (the Zyte corpus served on loopback); 1 vs 2 vs 4 workers
     (this machine has 2 cores: that is the ceiling);
  3. per-worker efficiency: CPU ms per stored article of one worker's whole process tree (worker,
     crawl child, extraction process) vs extraction alone on the same page bytes (target <= 1.5 x).
     PostgreSQL's own CPU is not counted on either side.

Each run: a scratch database, the leader queues one task per host and stops, then the workers run the
queue empty; wall time from the workers' start to the last task's end.

    .venv/bin/python bench/scaleout.py [--corpus DIR] [--only politeness,cpu,efficiency]
DATABASE_URL selects the server (scratch databases are created and dropped); default: embedded PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg  # noqa: E402
from _common import arg_parser
from psycopg import sql  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from crawler import config, models  # noqa: E402
from crawler.fixturesite import farm as farm_site  # noqa: E402
from crawler.store import db  # noqa: E402


def corpus_pages(corpus: Path, copies: int) -> list[bytes]:
    """The Zyte pages, each `copies` times with an edition marker inside its article text, so that every
    copy is a distinct article (pages where the marker does not reach the extracted text are left out)."""
    from crawler.extract import extract
    from crawler.store import dedup

    def text_hash(page: bytes) -> str | None:
        result = extract.extract_article(page, "http://127.0.0.1/x", content_type="text/html", now=datetime.now(UTC))
        return dedup.content_hash(result.text) if isinstance(result, models.Article) else None

    truth = json.loads((corpus / "zyte" / "ground-truth.json").read_text(encoding="utf-8"))
    out: list[bytes] = []
    for path in sorted((corpus / "zyte" / "html").glob("*.html.gz")):
        raw = gzip.decompress(path.read_bytes())
        body = truth.get(path.name.split(".")[0], {}).get("articleBody", "")
        anchor = body.strip().split("\n")[0][:40].encode("utf-8")
        where = _in_text(raw, anchor) if len(anchor) >= 20 else -1
        if where < 0:
            continue
        edition = [raw[:where] + f"Edition {k} of this page. ".encode() + raw[where:] for k in range(copies)]
        first, second = text_hash(edition[0]), text_hash(edition[1])
        if first is not None and second is not None and first != second:
            out += edition
    return out


def _in_text(raw: bytes, anchor: bytes) -> int:
    """Offset of `anchor` in the page's markup outside <script> (JSON-LD repeats the article body), or -1."""
    start = raw.find(anchor)
    while start >= 0:
        script = raw.rfind(b"<script", 0, start)
        if script < 0 or raw.rfind(b"</script>", 0, start) > script:
            return start
        start = raw.find(anchor, start + 1)
    return -1


class Scratch:
    """A scratch database on the server, dropped at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url, self.name = admin_url, f"mediamon_scale_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.url = make_conninfo(admin_url, dbname=self.name)

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


def _one(url: str, query: str) -> int:
    with psycopg.connect(url, autocommit=True) as c:
        row = c.execute(query).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _log(path: Path) -> Any:
    return path.open("ab")  # noqa: SIM115 - handed to a child process for its lifetime


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(site: farm_site.Farm, admin_url: str, workers: int, *, delay: float, log_dir: Path) -> dict[str, float]:
    """One scale-out run; {'stored', 'seconds', 'per_s', 'cpu_s'} (cpu: the workers' process trees)."""
    scratch = Scratch(admin_url)
    env = {**os.environ, "DATABASE_URL": scratch.url, "MEDIAMON_WORKERS": "1", "MEDIAMON_METRICS_PORT": "0",
           "MEDIAMON_LOG_LEVEL": "WARNING"}
    mm = [sys.executable, "-m", "crawler.cli"]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "farm.toml").write_text(site.job_toml(delay=delay) + '\n[schedule]\ninterval = "1h"\n')
            leader = subprocess.Popen([*mm, "serve", "--queue", tmp], env=env,
                                      stdout=_log(log_dir / "leader.log"), stderr=subprocess.STDOUT)
            hosts = len(site.servers)
            while _one(scratch.url, "SELECT count(*) FROM pg_tables WHERE tablename = 'procrastinate_jobs'") == 0 \
                    or _one(scratch.url, "SELECT count(*) FROM procrastinate_jobs") < hosts:
                if leader.poll() is not None:
                    raise SystemExit("leader died: see leader.log")
                time.sleep(0.2)
            leader.send_signal(signal.SIGTERM)
            leader.wait()
        cpu0, start = _children_cpu(), time.perf_counter()
        procs = [subprocess.Popen([*mm, "worker"], env=env, stdout=_log(log_dir / f"worker{i}.log"),
                                  stderr=subprocess.STDOUT) for i in range(workers)]
        while _one(scratch.url, "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"):
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker died: see worker*.log")
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait()
        cpu = _children_cpu() - cpu0
        stored = _one(scratch.url, "SELECT count(*) FROM articles")
        return {"stored": stored, "seconds": seconds, "per_s": stored / seconds, "cpu_s": cpu}
    finally:
        scratch.drop()


def extraction_alone(pages: list[bytes]) -> tuple[float, float]:
    """CPU ms per page of extract_article and of bare trafilatura.extract, in this process, warmed up."""
    import trafilatura

    from crawler.extract import extract

    now = datetime.now(UTC)
    for body in pages[:5]:
        extract.extract_article(body, "http://127.0.0.1/x", content_type="text/html", now=now)
    t0 = time.process_time()
    ok = 0
    for body in pages:
        result = extract.extract_article(body, "http://127.0.0.1/x", content_type="text/html", now=now)
        ok += isinstance(result, models.Article)
    ours = (time.process_time() - t0) * 1000 / len(pages)
    t0 = time.process_time()
    for body in pages:
        trafilatura.extract(body, include_comments=False, deduplicate=False)
    bare = (time.process_time() - t0) * 1000 / len(pages)
    return ours, bare


def main() -> None:
    parser = arg_parser(__doc__ or "")
    parser.add_argument("--only", default="politeness,cpu,efficiency")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to compare (default 1,2,4)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    counts = [int(n) for n in args.workers.split(",")]
    admin_url = db.resolve_url(config.from_env())
    log_dir = Path(tempfile.mkdtemp(prefix="mediamon-scaleout-"))
    print(f"logs in {log_dir}; {os.cpu_count()} cores", flush=True)

    if "politeness" in parts:
        # politeness-bound: a host's task spends ~20 s waiting on its delay, against a process start of a
        # few seconds (measured by the 1-worker run: wall time / 8 - 20 s)
        delay = 0.5
        site = farm_site.start_farm(hosts=8, feeds_per_host=2, articles_per_feed=20, words=200)
        try:
            print(f"\n1. politeness-bound: 8 hosts x 40 articles, {delay}s between requests to a host")
            base = None
            for n in counts:
                site_run = run(site, admin_url, n, delay=delay, log_dir=log_dir)
                base = base or site_run["per_s"]
                print(f"   {n} worker(s): {site_run['stored']:.0f} stored in {site_run['seconds']:.1f}s = "
                      f"{site_run['per_s']:.2f} articles/s ({site_run['per_s'] / base:.2f}x)", flush=True)
        finally:
            site.stop()
        print("   target: 2 workers >= 1.8x 1 worker")

    pages = corpus_pages(args.corpus, copies=3) if parts & {"cpu", "efficiency"} else []
    if "cpu" in parts:
        per_host = len(pages) // 4
        site = farm_site.start_farm(hosts=4, feeds_per_host=1, articles_per_feed=per_host, pages=pages)
        try:
            size = sum(len(p) for p in pages) / len(pages) / 1024
            print(f"\n2. CPU-bound: 4 hosts x {per_host} corpus pages ({size:.0f} KB average), no delay")
            base = None
            for n in counts:
                r = run(site, admin_url, n, delay=0.0, log_dir=log_dir)
                base = base or r["per_s"]
                print(f"   {n} worker(s): {r['stored']:.0f} stored in {r['seconds']:.1f}s = {r['per_s']:.1f} "
                      f"articles/s ({r['per_s'] / base:.2f}x), {r['cpu_s'] * 1000 / max(r['stored'], 1):.1f} "
                      "CPU ms/article", flush=True)
        finally:
            site.stop()

    if "efficiency" in parts:
        site = farm_site.start_farm(hosts=1, feeds_per_host=1, articles_per_feed=len(pages), pages=pages)
        try:
            print(f"\n3. per-worker efficiency: 1 worker, 1 host, {len(pages)} corpus pages")
            r = run(site, admin_url, 1, delay=0.0, log_dir=log_dir)
            ours, bare = extraction_alone(pages)
            e2e = r["cpu_s"] * 1000 / max(r["stored"], 1)
            print(f"   end to end: {e2e:.1f} CPU ms per stored article ({r['stored']:.0f} stored, "
                  f"{r['cpu_s']:.1f}s CPU of worker + crawl child + extraction process)")
            print(f"   extraction alone: {ours:.1f} CPU ms/page (crawler extract_article), "
                  f"{bare:.1f} (bare trafilatura.extract)")
            print(f"   ratio end to end / extract_article: {e2e / ours:.2f}  (target <= 1.5)")
            print(f"   ratio end to end / bare trafilatura: {e2e / bare:.2f}")
        finally:
            site.stop()


if __name__ == "__main__":
    main()
