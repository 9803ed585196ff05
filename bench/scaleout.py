"""Scale-out: `serve --queue` + N `mediamon worker` processes on one PostgreSQL (procrastinate).

  1. politeness-bound: 8 loopback hosts, each with a delay between requests; 1 vs 2 vs 4 workers,
     articles/s (target: 2 workers >= 1.8 x 1 worker);
  2. CPU-bound: no delays, realistic pages (the Zyte corpus served on loopback); 1 vs 2 vs 4 workers
     (this machine has 2 cores: that is the ceiling);
  3. per-worker efficiency: CPU ms per stored article of one worker's whole process tree (worker, its
     crawl process, extraction process) vs extraction alone on the same page bytes (target <= 1.5 x).
     Warm: the worker is started and runs one warm-up task (a small generated site) first; then the CPU
     of the worker and all its descendants (read from /proc) over the measured tasks (the corpus pages
     on 4 hosts: 4 tasks), divided by the articles they stored. Cold: a fresh worker on the same
     pages, its start and its crawl process's start included. PostgreSQL's own CPU is not counted.
  4. per-task cost: the same warm worker's CPU over 8 tiny tasks (one feed, 2 articles each), per task.

Each run: a scratch database, the leader queues one task per host and stops, then the workers run the
queue empty; wall time from the workers' start to the last task's end.

    .venv/bin/python bench/scaleout.py [--corpus DIR] [--only politeness,cpu,efficiency,tasks] [--workers 1,2,4]
        [--copies 3] [--polite-articles 20]
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


MM = [sys.executable, "-m", "crawler.cli"]


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "MEDIAMON_WORKERS": "1", "MEDIAMON_METRICS_PORT": "0",
            "MEDIAMON_LOG_LEVEL": "WARNING"}


def queue_tasks(site: farm_site.Farm, url: str, *, name: str, delay: float, log_dir: Path) -> None:
    """Queue one task per host of `site` (job `name`): a leader runs until they are queued, then stops."""
    before = _one(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'procrastinate_jobs'") and \
        _one(url, "SELECT count(*) FROM procrastinate_jobs")
    with tempfile.TemporaryDirectory() as tmp:
        text = site.job_toml(name=name, delay=delay) + '\n[schedule]\ninterval = "1h"\n'
        (Path(tmp) / f"{name}.toml").write_text(text)
        leader = subprocess.Popen([*MM, "serve", "--queue", tmp], env=_env(url),
                                  stdout=_log(log_dir / "leader.log"), stderr=subprocess.STDOUT)
        hosts = len(site.servers)
        while _one(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'procrastinate_jobs'") == 0 \
                or _one(url, "SELECT count(*) FROM procrastinate_jobs") < before + hosts:
            if leader.poll() is not None:
                raise SystemExit("leader died: see leader.log")
            time.sleep(0.2)
        leader.send_signal(signal.SIGTERM)
        leader.wait()


def _wait_queue_empty(url: str, procs: list[subprocess.Popen[bytes]]) -> None:
    while _one(url, "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"):
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a worker died: see worker*.log")
        time.sleep(0.2)


def tree_cpu(root: int) -> float:
    """CPU seconds of process `root` and all its descendants, live ones and the ones they reaped (/proc)."""
    return sum(tree_roles(root).values())


def _role(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "hostcrawl" in cmd:
        return "crawl"
    if "multiprocessing" in cmd:
        return "extraction"
    return "worker"


def tree_roles(root: int) -> dict[str, float]:
    """`tree_cpu` split by role: worker (procrastinate), crawl (Scrapy, database thread), extraction
    (live extraction processes plus the retired ones the crawl process reaped)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    own: dict[int, tuple[float, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry)
        parent[pid] = int(fields[1])
        own[pid] = (sum(int(f) for f in fields[11:13]) / tick, sum(int(f) for f in fields[13:15]) / tick)
    roles: dict[str, float] = {"worker": 0.0, "crawl": 0.0, "extraction": 0.0}
    todo = [root]
    while todo:
        pid = todo.pop()
        mine, reaped = own.get(pid, (0.0, 0.0))
        role = _role(pid)
        if role in roles:
            roles[role] += mine
            # reaped children: the crawl process's retired extraction workers, the worker's crawl processes
            roles["extraction" if role == "crawl" else "crawl" if role == "worker" else role] += reaped
        todo += [p for p, pp in parent.items() if pp == pid]
    return roles


def warm_efficiency(warm: farm_site.Farm, site: farm_site.Farm, admin_url: str, log_dir: Path
                    ) -> dict[str, float]:
    """One worker: a warm-up task, then the CPU of its process tree over `site`'s tasks per article stored."""
    scratch = Scratch(admin_url)
    try:
        queue_tasks(warm, scratch.url, name="warmup", delay=0.0, log_dir=log_dir)
        worker = subprocess.Popen([*MM, "worker"], env=_env(scratch.url), stdout=_log(log_dir / "warm-worker.log"),
                                  stderr=subprocess.STDOUT)
        try:
            _wait_queue_empty(scratch.url, [worker])
            time.sleep(1.0)  # the crawl process reaps its retired extraction workers after a task
            roles0, stored0 = tree_roles(worker.pid), _one(scratch.url, "SELECT count(*) FROM articles")
            queue_tasks(site, scratch.url, name="farm", delay=0.0, log_dir=log_dir)
            start = time.perf_counter()
            _wait_queue_empty(scratch.url, [worker])
            seconds = time.perf_counter() - start
            roles = {k: v - roles0[k] for k, v in tree_roles(worker.pid).items()}
            cpu, stored = sum(roles.values()), _one(scratch.url, "SELECT count(*) FROM articles") - stored0
            runs_ok = _one(scratch.url, "SELECT count(*) FROM crawl_runs WHERE job = 'farm' AND status = 'succeeded'")
            fetched = _one(scratch.url, "SELECT sum((counters->>'fetched')::int) FROM crawl_runs WHERE job = 'farm'")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait()
        return {"runs_ok": runs_ok, "fetched": fetched, "stored": stored, "seconds": seconds, "cpu_s": cpu,
                "warmup": stored0, **{f"{k}_s": v for k, v in roles.items()}}
    finally:
        scratch.drop()


def run(site: farm_site.Farm, admin_url: str, workers: int, *, delay: float, log_dir: Path) -> dict[str, float]:
    """One scale-out run; {'stored', 'seconds', 'per_s', 'cpu_s'} (cpu: the workers' process trees)."""
    scratch = Scratch(admin_url)
    env = _env(scratch.url)
    mm = MM
    try:
        queue_tasks(site, scratch.url, name="farm", delay=delay, log_dir=log_dir)
        cpu0, start = _children_cpu(), time.perf_counter()
        procs = [subprocess.Popen([*mm, "worker"], env=env, stdout=_log(log_dir / f"worker{i}.log"),
                                  stderr=subprocess.STDOUT) for i in range(workers)]
        _wait_queue_empty(scratch.url, procs)
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
    parser.add_argument("--only", default="politeness,cpu,efficiency,tasks")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to compare (default 1,2,4)")
    parser.add_argument("--copies", type=int, default=3, help="distinct copies of each corpus page (default 3)")
    parser.add_argument("--polite-articles", type=int, default=20,
                        help="articles per feed in the politeness-bound run (8 hosts x 2 feeds; default 20)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    counts = [int(n) for n in args.workers.split(",")]
    admin_url = db.resolve_url(config.from_env())
    log_dir = Path(tempfile.mkdtemp(prefix="mediamon-scaleout-"))
    print(f"logs in {log_dir}; {os.cpu_count()} cores", flush=True)

    if "politeness" in parts:
        # politeness-bound: a host's task spends ~20 s waiting on its delay (with the default 20 articles
        # per feed), against a per-task overhead of planning, the delay before its first request and
        # closing (the crawl process is started once per worker slot)
        delay = 0.5
        site = farm_site.start_farm(hosts=8, feeds_per_host=2, articles_per_feed=args.polite_articles, words=200)
        try:
            print(f"\n1. politeness-bound: 8 hosts x {2 * args.polite_articles} articles, {delay}s between requests "
                  "to a host")
            base = None
            for n in counts:
                site_run = run(site, admin_url, n, delay=delay, log_dir=log_dir)
                base = base or site_run["per_s"]
                print(f"   {n} worker(s): {site_run['stored']:.0f} stored in {site_run['seconds']:.1f}s = "
                      f"{site_run['per_s']:.2f} articles/s ({site_run['per_s'] / base:.2f}x)", flush=True)
        finally:
            site.stop()
        print("   target: 2 workers >= 1.8x 1 worker")

    pages = corpus_pages(args.corpus, copies=args.copies) if parts & {"cpu", "efficiency"} else []
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

    if "tasks" in parts:
        task_cost(admin_url, log_dir)

    if "efficiency" in parts:
        hosts = 4
        per_host = len(pages) // hosts
        site = farm_site.start_farm(hosts=hosts, feeds_per_host=1, articles_per_feed=per_host, pages=pages)
        warm = farm_site.start_farm(hosts=1, feeds_per_host=1, articles_per_feed=20)
        try:
            print(f"\n3. per-worker efficiency: 1 worker, {hosts} hosts x {per_host} corpus pages ({hosts} tasks)")
            ours, bare = extraction_alone(pages[:hosts * per_host])
            w = warm_efficiency(warm, site, admin_url, log_dir)
            warm_ms = w["cpu_s"] * 1000 / max(w["stored"], 1)
            print(f"   warm worker (after a {w['warmup']:.0f}-article warm-up task): {warm_ms:.1f} CPU ms per stored "
                  f"article ({w['stored']:.0f} stored in {w['seconds']:.1f}s, {w['cpu_s']:.1f}s CPU of the worker's "
                  "process tree)", flush=True)
            print("   of which, CPU ms per article: " + ", ".join(
                f"{k} {w[k + '_s'] * 1000 / max(w['stored'], 1):.1f}" for k in ("worker", "crawl", "extraction")))
            r = run(site, admin_url, 1, delay=0.0, log_dir=log_dir)
            cold_ms = r["cpu_s"] * 1000 / max(r["stored"], 1)
            print(f"   cold worker (its start and its crawl process's start included): {cold_ms:.1f} CPU ms per "
                  f"stored article ({r['stored']:.0f} stored, {r['cpu_s']:.1f}s CPU)")
            print(f"   extraction alone: {ours:.1f} CPU ms/page (crawler extract_article), "
                  f"{bare:.1f} (bare trafilatura.extract)")
            print(f"   ratio warm / extract_article: {warm_ms / ours:.2f}  (target <= 1.5)")
            print(f"   ratio cold / extract_article: {cold_ms / ours:.2f}")
            print(f"   ratio warm / bare trafilatura: {warm_ms / bare:.2f}")
        finally:
            site.stop()
            warm.stop()


def task_cost(admin_url: str, log_dir: Path, hosts: int = 8) -> None:
    """4. what one more task costs a warm worker: `hosts` tasks of one feed and 2 short generated articles."""
    site = farm_site.start_farm(hosts=hosts, feeds_per_host=1, articles_per_feed=2, words=200)
    warm = farm_site.start_farm(hosts=1, feeds_per_host=1, articles_per_feed=20)
    try:
        print(f"\n4. per-task cost: 1 warm worker, {hosts} tasks of 1 feed and 2 short articles each")
        w = warm_efficiency(warm, site, admin_url, log_dir)
        print(f"   {w['cpu_s'] * 1000 / hosts:.0f} CPU ms and {w['seconds'] / hosts:.2f}s wall per task "
              f"({w['runs_ok']:.0f} runs succeeded, {w['fetched']:.0f} pages fetched, {w['stored']:.0f} articles "
              f"stored; worker {w['worker_s'] * 1000 / hosts:.0f}, crawl "
              f"{w['crawl_s'] * 1000 / hosts:.0f}, extraction {w['extraction_s'] * 1000 / hosts:.0f} ms per task)")
    finally:
        site.stop()
        warm.stop()


if __name__ == "__main__":
    main()
