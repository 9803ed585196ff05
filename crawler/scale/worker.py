"""`mediamon worker`: a procrastinate worker that runs host tasks in long-lived crawl processes.

Each concurrency slot has one crawl process (crawler.scale.hostcrawl) that stays up across tasks: one
Twisted reactor and one warm extraction pool for its life; the worker sends it a task on its stdin and
reads the task's exit status back. Scrapy never runs in this process (procrastinate's loop stays free
for heartbeats and sweeps; a crashing or leaking crawl takes only its own process down). A crawl
process that dies mid-task fails that task as a crashed child did, and the next task gets a new one.

Crash safety: every worker sweeps for stalled tasks (a worker whose heartbeat stopped, e.g. after
`kill -9`) and puts them back in the queue; the dead attempt's run is closed as failed, and its URL
claims are taken back by the retry (same holder) or expire. SIGTERM: the crawl processes close their crawl cleanly
(no new requests; pages in flight are stored) and exit, their tasks are handed back to the queue, and the
worker exits; after `grace` seconds what is left is killed and handed back too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc
from procrastinate import jobs as pjobs
from procrastinate import worker as pworker

from crawler import config
from crawler.errors import JobError
from crawler.jobs import jobs
from crawler.scale import claims, hostcrawl, queue
from crawler.store import db, sqlfiles, store

log = logging.getLogger(__name__)

#: how often a worker records that it is alive (s)
HEARTBEAT_SECONDS = 2.0
#: a task whose worker has not recorded a heartbeat for this long is stalled (s): 5 missed heartbeats
STALL_SECONDS = 10.0
#: how often each worker looks for stalled tasks (s)
SWEEP_SECONDS = 3.0
#: finished tasks are deleted after this long (h), checked every CLEANUP_SWEEPS sweeps; failed ones are kept
KEEP_FINISHED_HOURS, CLEANUP_SWEEPS = 72, 200
#: exit code of a crawl child that stopped on SIGTERM
CHILD_INTERRUPTED = hostcrawl.EXIT_INTERRUPTED


def _q(name: str) -> str:
    return sqlfiles.load_queries("scale")[name]


def worker_tag() -> str:
    """How this worker process is named in claims, task_runs and metrics."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """One `mediamon worker` process: its tasks' crawl children and its shutdown state."""

    def __init__(self, url: str, settings: config.Settings, *, grace: float = 30.0) -> None:
        self.url, self.settings, self.grace = url, settings, grace
        self.tag = worker_tag()
        self.children: set[asyncio.subprocess.Process] = set()  # crawl processes, one per busy or idle slot
        self.idle: list[asyncio.subprocess.Process] = []  # waiting for their next task
        self.started_children = 0
        self.stopping = False
        self.app = queue.make_app(url, register=self.register)

    def register(self, app: procrastinate.App) -> None:
        @app.task(name=queue.TASK, queue=queue.QUEUE, pass_context=True)
        async def crawl_host(context: procrastinate.JobContext, job: str, host: str, job_toml: str) -> str:
            assert context.job.id is not None
            return await self.run_task(context.job.id, queue.HostTask(job, host, job_toml))

    # -- one task

    async def run_task(self, task_id: int, task: queue.HostTask) -> str:
        """Crawl one job's sources on one host in a crawl process of this worker; hand the task back if stopped."""
        with tempfile.TemporaryDirectory(prefix="mediamon-task-") as tmp:
            path = Path(tmp) / f"{task.job}.toml"
            path.write_text(task.job_toml, encoding="utf-8")
            try:
                jobs.load_job(path)
            except JobError as exc:
                log.error("task job file invalid", extra={"job": task.job, "host": task.host, "error": str(exc)})
                raise
            run_id = await asyncio.to_thread(self._started, task_id, task)
            log.info("task started", extra={"job": task.job, "host": task.host, "run": run_id, "task": task_id})
            code = await self._crawl(path, run_id, task)
        await asyncio.to_thread(self._finished, task_id, task, run_id, code)
        log.info("task ended", extra={"job": task.job, "host": task.host, "run": run_id, "task": task_id, "code": code})
        if code == CHILD_INTERRUPTED or (self.stopping and code != 0):
            await self.hand_back(task)
            return "handed back"
        if code != 0:
            raise TaskFailed(f"crawl of {task.key} ended with exit code {code}")
        return "done"

    async def _crawl(self, path: Path, run_id: int, task: queue.HostTask) -> int:
        """Hand the task to an idle crawl process of this worker (a new one if none is idle); its exit status."""
        while self.idle and self.idle[-1].returncode is not None:  # exited while idle (a signal, a crash)
            self.children.discard(self.idle.pop())
        child = self.idle.pop() if self.idle else await self._start_child()
        order = {"job_path": str(path), "run_id": run_id, "host": task.host, "holder": task.key}
        try:
            if self.stopping:  # shutdown began while this task was starting
                child.send_signal(signal.SIGTERM)
            code, recycle = await self._ask(child, order)
        except asyncio.CancelledError:  # aborted after the grace period: kill, record, hand back
            await self._kill(child)
            await asyncio.to_thread(self._close_run, run_id, "interrupted", "worker stopped: crawl killed after grace")
            await self.hand_back(task)
            raise
        if recycle or code is None:
            exited = await child.wait()  # it exits by itself (recycled, stopped) or has died
            self.children.discard(child)
            if code is None:  # no answer: the task was not crawled to its end, whatever the exit code
                code = exited or 1
        else:
            self.idle.append(child)
        return code

    async def _start_child(self) -> asyncio.subprocess.Process:
        env = {**os.environ, hostcrawl.DB_ENV: self.url}
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "crawler.scale.hostcrawl", self.tag, str(os.getpid()), env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        self.children.add(child)
        self.started_children += 1
        log.info("crawl process started", extra={"worker": self.tag, "pid": child.pid})
        return child

    @staticmethod
    async def _ask(child: asyncio.subprocess.Process, order: dict[str, Any]) -> tuple[int | None, bool]:
        """Send one task, wait for its answer: (code, recycle); (None, True) if the process died first."""
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(json.dumps(order).encode() + b"\n")
            await child.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            return None, True
        line = await child.stdout.readline()
        if not line:
            return None, True
        answer = json.loads(line)
        return int(answer["code"]), bool(answer["recycle"])

    async def _kill(self, child: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()
        self.children.discard(child)
        with contextlib.suppress(ValueError):
            self.idle.remove(child)

    async def _close_children(self) -> None:
        """At the end: idle crawl processes are told to go (stdin closed), and killed if they linger."""
        for child in list(self.children):
            if child.stdin is not None:
                child.stdin.close()
            try:
                await asyncio.wait_for(child.wait(), timeout=10)
            except TimeoutError:
                await self._kill(child)
        self.children.clear()
        self.idle.clear()

    def _started(self, task_id: int, task: queue.HostTask) -> int:
        with db.connect(self.url, autocommit=True, attempts=3) as conn:
            run_id = store.start_run(conn, task.job, trigger="worker")
            conn.execute(_q("task_started"), {"task_id": task_id, "run_id": run_id, "worker": self.tag,
                                              "host": task.host})
        return run_id

    def _finished(self, task_id: int, task: queue.HostTask, run_id: int, code: int) -> None:
        with db.connect(self.url, autocommit=True, attempts=3) as conn:
            if code != 0:
                store.fail_if_running(conn, run_id, f"crawl process exited with code {code}")
            claims.release(conn, task.key)
            conn.execute(_q("task_finished"), {"task_id": task_id})

    def _close_run(self, run_id: int, status: str, message: str) -> None:
        with db.connect(self.url, autocommit=True, attempts=3) as conn:
            store.close_if_running(conn, run_id, status, message)

    async def hand_back(self, task: queue.HostTask) -> None:
        """Queue the task again for another worker (a waiting copy already does the same work)."""
        with contextlib.suppress(pexc.AlreadyEnqueued):
            await self.app.tasks[queue.TASK].configure(lock=task.lock, queueing_lock=task.key).defer_async(
                job=task.job, host=task.host, job_toml=task.job_toml
            )
        log.info("task handed back", extra={"job": task.job, "host": task.host})

    # -- stalled tasks

    async def sweep(self) -> int:
        """Put tasks of dead workers back in the queue; return how many were found."""
        found = await self.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALL_SECONDS, queue=queue.QUEUE)
        count = 0
        for job in found:
            assert job.id is not None
            action = "retried"
            try:
                await self.app.job_manager.retry_job(job)
            except pexc.UniqueViolation:
                # a copy of this task is already waiting (queueing_lock): that one does the work
                await self.app.job_manager.finish_job_by_id_async(job.id, pjobs.Status.FAILED, delete_job=False)
                action = "failed"
            except pexc.ConnectorException:
                continue  # no longer 'doing': another worker's sweep got it first
            count += 1
            await asyncio.to_thread(self._record_stall, job.id, action)
        return count

    def _record_stall(self, task_id: int, action: str) -> None:
        with db.connect(self.url, autocommit=True, attempts=3) as conn:
            row = conn.execute(_q("task_run"), {"task_id": task_id}).fetchone()
            run_id, dead = (row[0], row[1]) if row else (None, None)
            if run_id is not None:
                store.fail_if_running(conn, run_id, f"worker {dead} stopped sending heartbeats: task {action}")
            conn.execute(_q("record_stall"), {"task_id": task_id, "worker": dead, "action": action})
        log.warning("stalled task found", extra={"task": task_id, "worker": dead, "action": action})

    async def _heartbeat(self, worker: Any) -> None:
        """Keep beating while the worker drains: procrastinate stops its own heartbeat when shutdown
        begins, and a draining task must not look stalled to the other workers."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if self.stopping and worker.worker_id is not None:
                with contextlib.suppress(pexc.ConnectorException):
                    await self.app.job_manager.update_heartbeat(worker.worker_id)

    async def _sweeper(self) -> None:
        sweeps = 0
        while not self.stopping:  # a stopping worker leaves stalled tasks to the others
            try:
                await self.sweep()
                if sweeps % CLEANUP_SWEEPS == 0:  # the queue table stays small (README "Scaling out")
                    await self.app.job_manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS, queue=queue.QUEUE)
                sweeps += 1
            except (pexc.ConnectorException, db.DatabaseUnavailable, OSError) as exc:
                log.warning("stall sweep failed", extra={"error": str(exc)})
            await asyncio.sleep(SWEEP_SECONDS)

    # -- the process

    def on_signal(self, signum: int, main: asyncio.Task[Any]) -> None:
        if self.stopping:  # second signal: no more waiting
            log.warning("second signal: killing crawls")
            for child in list(self.children):
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
            return
        self.stopping = True
        log.info("signal received: stopping", extra={"signal": signal.Signals(signum).name, "grace": self.grace})
        for child in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)  # Scrapy's graceful stop: in-flight pages are stored
        main.cancel()  # procrastinate stops fetching and waits up to `grace` for running tasks

    async def run(self, *, concurrency: int = 1) -> None:
        async with self.app.open_async():
            sweeper = asyncio.create_task(self._sweeper(), name="stall-sweeper")
            worker = pworker.Worker(
                app=self.app, queues=[queue.QUEUE], name=self.tag, concurrency=concurrency,
                install_signal_handlers=False, update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALL_SECONDS, shutdown_graceful_timeout=self.grace, listen_notify=True,
            )
            beat = asyncio.create_task(self._heartbeat(worker), name="drain-heartbeat")
            main = asyncio.create_task(worker.run())  # type: ignore[no-untyped-call]
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.on_signal, sig, main)
            log.info("worker started", extra={"worker": self.tag, "concurrency": concurrency})
            try:
                with contextlib.suppress(asyncio.CancelledError):
                    await main
            finally:
                for side in (sweeper, beat):
                    side.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await side
                await self._close_children()
        log.info("worker stopped", extra={"worker": self.tag})


class TaskFailed(RuntimeError):
    """A crawl child failed (its run row says why); the next schedule queues the sources again."""


def serve_worker(settings: config.Settings, *, concurrency: int = 1, grace: float = 30.0) -> int:
    """`mediamon worker`: run host tasks until SIGTERM/SIGINT."""
    url = db.resolve_url(settings)
    queue.ensure_schema(url)
    asyncio.run(Worker(url, settings, grace=grace).run(concurrency=concurrency))
    return 0
