"""The crawl child of one worker task: one job's sources on one host, with URL claims.

`python -m crawler.scale.hostcrawl JOB_FILE RUN_ID HOST HOLDER WORKER` (database URL in the environment
variable MEDIAMON_TASK_DATABASE_URL, never on the command line). The same spider, pipeline and store as
inline mode (crawler.run.crawl); a fresh process per task because a Twisted reactor cannot restart.
It dies with its worker (crawler.run.lifeline: PR_SET_PDEATHSIG), so a `kill -9` of the worker stops
its requests at once.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler import config, logs
from crawler.fetch import urls
from crawler.jobs import jobs
from crawler.run import crawl, lifeline
from crawler.scale import claims
from crawler.store import db, writer

DB_ENV = "MEDIAMON_TASK_DATABASE_URL"


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


#: exit code of a crawl stopped by SIGTERM (its task is handed back); crawl.EXIT_DB_LOST (3) and 1 otherwise
EXIT_INTERRUPTED = 4


def main(argv: list[str]) -> int:
    job_path, run_id_text, host, holder, worker, parent = argv
    lifeline.die_with_parent(int(parent))  # a kill -9 of the worker stops this crawl at once
    settings = config.from_env()
    logs.setup(settings.log_level, settings.log_format)
    db_url = os.environ[DB_ENV]
    run_id = int(run_id_text)
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.fetch.spider import JobSpider

    job = host_job(jobs.load_job(Path(job_path)), host)
    dbw = writer.Writer(db_url, job.name, run_id, retry=writer.Retry(outage_seconds=settings.db_outage_seconds),
                        timeouts=db.timeouts_from(settings))
    now = datetime.now(UTC)
    try:
        source_ids = dbw.upsert_sources(job.sources)
        dbw.sync_alerts(job)  # as inline: the store queues alerts per subscription
        # which documents (feeds, sitemaps, announced children) are due, and the revisits and retries:
        # without this plan the spider has nothing to poll (the same call as crawl.run_child)
        monitoring = dbw.run_sync(crawl.plan_monitoring, job, source_ids, now)
    except db.DatabaseUnavailable:
        return crawl.EXIT_DB_LOST
    run = crawl.RunContext(job=job, run_id=run_id, dbw=dbw, source_ids=source_ids, workers=settings.workers,
                           plan=monitoring, now=now)
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
    status: str = "failed"
    message: str | None = "crawl raised"
    try:
        process.start()
        status, message = crawl.final_status(
            closed_why.get("value", "unknown"), db_lost=run.db_failed or dbw.lost,
            source_results=dbw.source_results, n_sources=len(job.sources))
    finally:
        try:
            dbw.finish(status, dict(run.counters), message)
        except db.DatabaseUnavailable:
            return crawl.EXIT_DB_LOST
        finally:
            dbw.close()
    if status == "interrupted":
        return EXIT_INTERRUPTED
    return 0 if status in ("succeeded", "partial") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
