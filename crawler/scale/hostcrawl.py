"""The crawl process of one `mediamon worker` slot: it stays up across tasks and crawls them in turn.

`python -m crawler.scale.hostcrawl WORKER PARENT_PID` (database URL in the environment variable
MEDIAMON_TASK_DATABASE_URL, never on the command line). The worker writes one task per line on its
stdin, `{"job_path", "run_id", "host", "holder"}`, and reads one answer per task on its stdout,
`{"run_id", "code", "recycle"}`; `code` is what a crawl child's exit code was: 0 (succeeded or
partial), 1 (failed), crawl.EXIT_DB_LOST, EXIT_INTERRUPTED (stopped by SIGTERM: the task is handed
back). Each task is `engine.run_crawl`, the same start-up, spider, pipeline and store as inline mode,
restricted to the task's host and with URL claims; one reactor and one extraction pool serve every
task, so a task costs no process start (README "Scaling out").

It dies with its worker (crawler.run.lifeline: PR_SET_PDEATHSIG), so a `kill -9` of the worker stops
its requests at once; stdin closing (the worker let it go) ends it after the task in progress. After
MAX_TASKS tasks, or once its peak memory passed MAX_RSS_BYTES, it answers `recycle` and exits: the
worker starts a fresh one for the next task.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

from crawler import config, logs
from crawler.errors import JobError
from crawler.jobs import jobs
from crawler.run import crawl, engine, lifeline
from crawler.scale import claims, queue
from crawler.store import db, writer

log = logging.getLogger(__name__)

DB_ENV = "MEDIAMON_TASK_DATABASE_URL"
#: exit code of a crawl stopped by SIGTERM (its task is handed back); crawl.EXIT_DB_LOST (3) and 1 otherwise
EXIT_INTERRUPTED = engine.EXIT_INTERRUPTED
#: tasks a crawl process runs before it is replaced (slow growth of library caches cannot build up)
MAX_TASKS = 200
#: peak resident memory after which the crawl process is replaced at the end of its task (bytes)
MAX_RSS_BYTES = 1024**3


def worker_settings(job: jobs.Job, settings: config.Settings) -> dict[str, Any]:
    """Inline mode's Scrapy settings; the job's delay is a floor here (no jitter below it), and the
    downloader holds no more requests than the host's concurrency, so that a SIGTERM drains in about
    concurrency x delay (Scrapy downloads every request already handed to the downloader)."""
    out = crawl.scrapy_settings(job, settings)
    out["DOWNLOAD_DELAY_JITTER"] = 0.0
    out["CONCURRENT_REQUESTS"] = job.limits.concurrency_per_host
    return out


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


class Slot:
    """The crawl process's loop: read a task, crawl it, answer; until stdin closes, a signal, or recycling."""

    def __init__(self, settings: config.Settings, db_url: str, worker: str, answers: BinaryIO) -> None:
        self.settings, self.db_url, self.worker, self.answers = settings, db_url, worker, answers
        self.engine = engine.Engine(settings)
        self.tasks: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        """Reader thread (a daemon: it never holds the process up): stdin lines into the task queue."""
        for line in sys.stdin.buffer:
            if line.strip():
                loop.call_soon_threadsafe(self.tasks.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(self.tasks.put_nowait, None)

    async def main(self) -> int:
        loop = asyncio.get_running_loop()
        self.engine.on_stop = lambda: self.tasks.put_nowait(None)  # an idle slot just exits
        threading.Thread(target=self._read, args=(loop,), name="tasks", daemon=True).start()
        while not self.engine.stopping:
            task = await self.tasks.get()
            if task is None:
                break
            code = await self.run_task(task)
            recycle = self.engine.crawls >= MAX_TASKS or _peak_rss() > MAX_RSS_BYTES or self.engine.stopping
            self.answers.write(json.dumps({"run_id": task["run_id"], "code": code, "recycle": recycle}).encode()
                               + b"\n")
            self.answers.flush()
            if recycle:
                break
        return 0

    async def run_task(self, task: dict[str, Any]) -> int:
        host, run_id = task["host"], int(task["run_id"])
        try:
            job = queue.host_job(jobs.load_job(Path(task["job_path"])), host)
        except (JobError, queue.NoSuchHost) as exc:
            log.error("task not crawled", extra={"host": host, "run": run_id, "error": str(exc)})
            return 1
        worker = self.worker
        order = engine.CrawlOrder(
            job=job, run_id=run_id, db_url=self.db_url, scrapy=worker_settings(job, self.settings),
            workers=self.settings.workers, timeouts=db.timeouts_from(self.settings),
            retry=writer.Retry(outage_seconds=self.settings.db_outage_seconds),
            claims=lambda dbw: claims.Claims(dbw, task["holder"], worker),
            # the host's previous task may have ended a moment ago (in this process or another worker's):
            # its delay holds between the two as well
            lead_in=job.limits.delay_seconds,
        )
        return engine.exit_code(await self.engine.run_crawl(order))


def main(argv: list[str]) -> int:
    worker, parent = argv
    lifeline.die_with_parent(int(parent))  # a kill -9 of the worker stops this crawl at once
    answers = os.fdopen(os.dup(1), "wb")  # answers only: anything else printed goes to stderr
    os.dup2(2, 1)
    settings = config.from_env()
    logs.setup(settings.log_level, settings.log_format)
    db.TIMEOUTS = db.timeouts_from(settings)
    slot = Slot(settings, os.environ[DB_ENV], worker, answers)
    return slot.engine.run(slot.main)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
