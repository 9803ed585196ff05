"""The crawl child of one worker task: one job's sources on one host, with URL claims.

`python -m crawler.scale.hostcrawl JOB_FILE RUN_ID HOST HOLDER WORKER` (database URL in the environment
variable MEDIAMON_TASK_DATABASE_URL, never on the command line). The same spider, pipeline and store as
inline mode (crawler.run.crawl); a fresh process per task because a Twisted reactor cannot restart.
It dies with its worker (PR_SET_PDEATHSIG), so a `kill -9` of the worker stops its requests at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path
from typing import Any

from crawler import config, logs
from crawler.fetch import urls
from crawler.jobs import jobs
from crawler.run import crawl
from crawler.scale import claims
from crawler.store import db, store

DB_ENV = "MEDIAMON_TASK_DATABASE_URL"
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when the worker that started it dies (Linux); exit if it already has."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the worker's SIGTERM handling still stops us
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def host_job(job: jobs.Job, host: str) -> jobs.Job:
    """The job restricted to the sources on `host` (their links to other hosts stay offsite)."""
    sources = tuple(s for s in job.sources if urls.host(s.url) == host)
    if not sources:
        raise SystemExit(f"job {job.name!r} has no source on host {host!r}")
    return job.model_copy(update={"sources": sources})


def worker_settings(job: jobs.Job, settings: config.Settings) -> dict[str, Any]:
    """Inline mode's Scrapy settings; the job's delay is a floor here (no jitter below it), and the
    downloader holds no more requests than the host's concurrency, so that a SIGTERM drains in about
    concurrency x delay (Scrapy downloads every request already handed to the downloader)."""
    out = crawl.scrapy_settings(job, settings)
    out["DOWNLOAD_DELAY_JITTER"] = 0.0
    out["CONCURRENT_REQUESTS"] = job.limits.concurrency_per_host
    return out


def main(argv: list[str]) -> int:
    job_path, run_id_text, host, holder, worker, parent = argv
    die_with_parent(int(parent))
    settings = config.from_env()
    logs.setup(settings.log_level, settings.log_format)
    db_url = os.environ[DB_ENV]
    run_id = int(run_id_text)
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.fetch.spider import JobSpider

    job = host_job(jobs.load_job(Path(job_path)), host)
    dbw = crawl.DbWorker(db_url, job.name, run_id)
    with db.connect(db_url, attempts=3) as conn:
        source_ids = store.upsert_sources(conn, job.name, job.sources)
    run = crawl.RunContext(job=job, run_id=run_id, dbw=dbw, source_ids=source_ids, workers=settings.workers)
    run.claims = claims.Claims(dbw, holder, worker)
    closed_why: dict[str, str] = {}
    process = CrawlerProcess(worker_settings(job, settings))
    logs.setup(settings.log_level, settings.log_format)  # Scrapy configured logging too: ours wins
    crawler = process.create_crawler(JobSpider)

    def opened(spider: Any) -> None:
        run.stats = crawler.stats

    def closed(spider: Any, reason: str) -> None:
        closed_why["value"] = reason

    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler, job=job, run=run)
    status, message = "succeeded", None
    try:
        process.start()
    except Exception as exc:  # noqa: BLE001 - recorded on the run, then re-raised
        status, message = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        why = closed_why.get("value", "unknown")
        if status == "succeeded" and why == "shutdown":
            status, message = "interrupted", "stopped by signal (task handed back)"
        elif run.db_failed:
            status, message = "failed", "database unavailable"
        elif status == "succeeded" and why != "finished" and not why.startswith("closespider"):
            status, message = "failed", f"crawl closed: {why}"
        dbw.close()
        with db.connect(db_url, attempts=crawl.DB_ATTEMPTS) as conn:
            store.finish_run(conn, run_id, status=status, counters=dict(run.counters), message=message)
    return 0 if status == "succeeded" else 3 if status == "interrupted" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
