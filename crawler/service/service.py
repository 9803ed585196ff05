"""`mediamon serve`: an APScheduler 3.x scheduler that runs each job file's crawl in a child process.

One run per job across replicas (a PostgreSQL advisory lock held for the run), job files reloaded on
SIGHUP or when they change, dead runs marked failed at start, bounded graceful shutdown.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED

from crawler import config
from crawler.alerts import deliver
from crawler.errors import JobError
from crawler.jobs import jobdir, jobs
from crawler.run import crawl
from crawler.service import metrics
from crawler.service.staleruns import recover_stale
from crawler.store import db, migrate, sqlfiles, store
from crawler.store import outbox as alerts_outbox

log = logging.getLogger(__name__)

#: how late a fire may still start (s): APScheduler's default of 1 s silently drops runs of a busy process
MISFIRE_GRACE_SECONDS = 3600
#: crawls that may run at once in one process (each is a child process of its own)
MAX_PARALLEL_RUNS = 8
#: how often job files are checked for changes (s)
POLL_SECONDS = 5.0
#: database retry at start: first wait and cap (s)
DB_RETRY_FIRST, DB_RETRY_MAX = 1.0, 60.0
#: after SIGKILL, how long to wait for the run threads to record the end (s)
KILL_WAIT_SECONDS = 5.0


def _q(name: str) -> str:
    return sqlfiles.load_queries("service")[name]


lock_key = crawl.lock_key  # one lock per job, shared with `mediamon crawl` (cron)
scan = jobdir.scan  # re-exported: `mediamon status` (service/cli.py) lists the directory through service


# --- the service ---------------------------------------------------------------------------------


@dataclass
class _Active:
    job: str
    run_id: int | None = None
    child: Any = None  # multiprocessing.Process once started


@dataclass
class Service:
    """The scheduler, the jobs it serves and the runs in progress."""

    jobs_dir: Path
    settings: config.Settings
    db_url: str | None = None
    metrics: metrics.Metrics = field(default_factory=metrics.Metrics)

    def __post_init__(self) -> None:
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(MAX_PARALLEL_RUNS)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
            timezone=UTC,
        )
        self.scheduler.add_listener(self._on_busy, EVENT_JOB_MAX_INSTANCES)
        self.jobs: dict[Path, jobs.Job] = {}
        self.stopping = threading.Event()
        self._active: dict[int, _Active] = {}  # key: id of the run thread
        self._cond = threading.Condition()
        self._mtimes: dict[Path, float] = {}
        self._snapshots: Path | None = None  # made on first use: a Service that never loads leaves no folder

    @property
    def snapshots(self) -> Path:
        """Private copies of the job files that runs read (made on first use, removed at shutdown)."""
        if self._snapshots is None:
            self._snapshots = Path(tempfile.mkdtemp(prefix="mediamon-serve-"))
        return self._snapshots

    # -- start

    def load(self) -> None:
        """Load the jobs strictly (a JobError names the file) before anything else happens."""
        self._mtimes = jobdir.mtimes(self.jobs_dir)
        self.jobs = {job.path: job for job in jobdir.load_strict(self.jobs_dir) if job.path is not None}
        for job in self.jobs.values():
            jobdir.snapshot(job, self.snapshots)

    def connect(self, stop: threading.Event) -> str | None:
        """Reach and migrate the database, retrying with backoff until it answers or `stop` is set."""
        delay = DB_RETRY_FIRST
        while not stop.is_set():
            try:
                db.configure(self.settings)
                url = self.db_url or db.resolve_url(self.settings)
                with db.connect(url) as conn:
                    migrate.migrate(conn)
            except (db.DatabaseUnavailable, psycopg.OperationalError) as exc:
                self.metrics.db_up.set(0)
                log.error("database unreachable, retrying", extra={"retry_in": delay, "error": str(exc).strip()})
                stop.wait(delay)
                delay = min(delay * 2, DB_RETRY_MAX)
                continue
            self.db_url = url
            self.metrics.db_up.set(1)
            return url
        return None

    def start(self, *, run_now: bool = False) -> None:
        """Mark dead runs failed, seed last-success times, schedule every job and start the scheduler."""
        assert self.db_url is not None
        recover_stale(self.db_url)
        with db.connect(self.db_url, autocommit=True) as conn:
            for job_name, finished in conn.execute(_q("last_success")).fetchall():
                self.metrics.last_success.labels(job_name).set(finished.timestamp())
        for job in self.jobs.values():
            self._add(job, run_now=run_now)
        self.scheduler.start()
        self.metrics.jobs.set(len(self.jobs))
        log.info("scheduler started", extra={"jobs": ",".join(sorted(j.name for j in self.jobs.values()))})

    def start_alerts(self) -> deliver.Loop:
        """Sync every job's [[alerts]] and start the alert deliverer thread (metrics by channel)."""
        assert self.db_url is not None
        with db.connect(self.db_url) as conn:
            for job in self.jobs.values():
                alerts_outbox.sync(conn, job)
        loop = deliver.Loop(self.db_url, on_round=lambda report, counts: self.metrics.observe_alerts(
            report.sent, report.retrying, report.failed, counts))
        loop.start()
        return loop

    def _add(self, job: jobs.Job, *, run_now: bool = False) -> None:
        assert job.schedule is not None
        extra: dict[str, Any] = {"next_run_time": datetime.now(UTC)} if run_now else {}
        self.scheduler.add_job(
            self.run_guarded, job.schedule.trigger(), args=[job.name], id=job.name, name=job.name,
            replace_existing=True, **extra,
        )

    def run_now(self, name: str) -> None:
        """Fire a scheduled job at once, through the scheduler (max_instances still applies)."""
        self.scheduler.modify_job(name, next_run_time=datetime.now(UTC))

    # -- reload

    def changed(self) -> bool:
        return jobdir.mtimes(self.jobs_dir) != self._mtimes

    def reload(self) -> jobdir.Reload:
        """Re-read the job files: added, changed and removed jobs take effect; a bad file keeps its old job."""
        self._mtimes = jobdir.mtimes(self.jobs_dir)
        result = jobdir.plan_reload(self.jobs, jobdir.scan(self.jobs_dir))
        for error in result.errors:
            log.error("job file rejected, previous version kept", extra={"file": error.file, "error": str(error)})
        old = {j.name: j for j in self.jobs.values()}
        new = {j.name: j for j in result.jobs.values()}
        for name in old.keys() - new.keys():
            self.scheduler.remove_job(name)
            log.info("job removed", extra={"job": name})
        kept = dict(result.jobs)
        for path, job in result.jobs.items():
            if old.get(job.name) == job:
                continue
            try:
                jobdir.snapshot(job, self.snapshots)
            except (JobError, OSError, tomllib.TOMLDecodeError) as exc:
                log.error("job file unreadable, previous version kept", extra={"file": str(path), "error": str(exc)})
                previous = self.jobs.get(path)
                if previous is None or previous.name != job.name:
                    del kept[path]
                    continue
                kept[path] = previous
                continue
            self._add(job)
            log.info("job added" if job.name not in old else "job changed", extra={"job": job.name})
        self.jobs = kept
        self.metrics.jobs.set(len(self.jobs))
        return jobdir.Reload(kept, result.errors)

    # -- one run

    def run_guarded(self, name: str) -> crawl.RunSummary | None:
        """One run of a job under its advisory lock; the loser of the lock records a 'skipped' run."""
        if self.stopping.is_set() or self.db_url is None:
            return None
        key = threading.get_ident()
        with self._cond:
            self._active[key] = _Active(name)
            self.metrics.running.labels(name).inc()
        try:
            return self._locked_run(name)
        except (db.DatabaseUnavailable, db.DatabaseConfigError, psycopg.OperationalError) as exc:
            self.metrics.observe_error(name, "error_db")
            log.error("run failed: database unreachable", extra={"job": name, "error": str(exc).strip()})
            return None
        except JobError as exc:  # the snapshot vanished or cannot be read: report, keep serving
            self.metrics.observe_error(name, "error_job")
            log.error("run could not start: job file unusable", extra={"job": name, "error": str(exc)})
            return None
        finally:
            with self._cond:
                self._active.pop(key, None)
                self.metrics.running.labels(name).dec()
                self._cond.notify_all()

    def _locked_run(self, name: str) -> crawl.RunSummary | None:
        assert self.db_url is not None
        job = next((j for j in self.jobs.values() if j.name == name), None)
        if job is None:  # removed by a reload after this fire was scheduled
            return None
        # the validated Job itself: the crawl child gets it in its RunPlan and never re-reads a file
        summary = crawl.run_exclusive(job, self.settings, trigger="service", db_url=self.db_url,
                                      on_start=self._on_start)
        if summary.status == "skipped":
            self.metrics.observe_skipped(name)
            return None
        self.metrics.observe_run(name, summary.status, summary.counters, summary.seconds, time.time())
        log.info("run finished", extra={"job": name, "run": summary.run_id, "status": summary.status})
        return summary

    def _on_busy(self, event: JobSubmissionEvent) -> None:
        """A fire came while this job's previous run is still going here: APScheduler drops it; record it.

        The listener runs on the scheduler's thread, so the database write goes to a thread of its own.
        """
        threading.Thread(target=self._record_busy, args=(event.job_id,), name=f"busy-{event.job_id}",
                         daemon=True).start()

    def _record_busy(self, name: str) -> None:
        message = "previous run of this job still in progress in this service"
        self.metrics.observe_skipped(name)
        if self.db_url is None:  # fires start only after connect(); kept for the type checker
            return
        try:
            with db.connect(self.db_url, autocommit=True) as conn:
                run_id = store.record_skipped_run(conn, name, trigger="service", message=message)
        except (db.DatabaseUnavailable, psycopg.OperationalError) as exc:
            log.warning("run skipped, not recorded: database unreachable",
                        extra={"job": name, "error": str(exc).strip()})
            return
        log.info("run skipped: " + message, extra={"job": name, "run": run_id})

    def _on_start(self, run_id: int, child: Any) -> None:
        with self._cond:
            active = self._active.get(threading.get_ident())
            if active is not None:
                active.run_id, active.child = run_id, child
        if self.stopping.is_set():
            _signal(child, signal.SIGTERM)  # shutdown began while this run was starting

    def running(self) -> list[tuple[str, int | None, int | None]]:
        """(job, run id, crawl child pid) of every run in progress in this process."""
        with self._cond:
            return [(a.job, a.run_id, a.child.pid if a.child is not None else None) for a in self._active.values()]

    # -- health and shutdown

    def health(self) -> dict[str, bool]:
        """/healthz: database reachable and scheduler alive."""
        ok_db = False
        if self.db_url is not None:
            try:
                with db.connect(self.db_url, autocommit=True, timeouts=db.Timeouts(connect=3, statement=3)) as conn, \
                        db.watchdog(conn, 6):
                    conn.execute(_q("ping"))
                ok_db = True
            except (psycopg.Error, db.DatabaseUnavailable, db.DatabaseConfigError):
                ok_db = False
        self.metrics.db_up.set(1 if ok_db else 0)
        alive = self.scheduler.state == STATE_RUNNING and not self.stopping.is_set()
        return {"database": ok_db, "scheduler": alive}

    def shutdown(self, grace: float, force: threading.Event) -> bool:
        """Stop scheduling, ask running crawls to stop, wait up to `grace` s (or until `force`);
        then kill what is left and mark it failed. True when every run ended by itself."""
        self.stopping.set()
        if self.scheduler.state == STATE_RUNNING:
            self.scheduler.pause()
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + grace
        with self._cond:
            while self._active and not force.is_set() and time.monotonic() < deadline:
                self._cond.wait(timeout=0.2)
            left = list(self._active.values())
        clean = not left
        if left:
            why = "forced by a second signal" if force.is_set() else f"still running {grace:.0f}s after shutdown began"
            self._signal_all(signal.SIGKILL)
            if self.db_url is not None:
                with db.connect(self.db_url, autocommit=True) as conn:
                    for active in left:
                        if active.run_id is not None:
                            store.fail_if_running(conn, active.run_id, f"killed at shutdown: {why}")
            log.warning("runs killed at shutdown", extra={"jobs": ",".join(a.job for a in left), "reason": why})
            with self._cond:
                self._cond.wait_for(lambda: not self._active, timeout=KILL_WAIT_SECONDS)
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=False)
        self.remove_snapshots()
        return clean

    def remove_snapshots(self) -> None:
        """Delete the job-file copies (idempotent): at shutdown, and whenever serve() exits."""
        if self._snapshots is not None:
            shutil.rmtree(self._snapshots, ignore_errors=True)
            self._snapshots = None

    def _signal_all(self, signum: int) -> None:
        with self._cond:
            children = [a.child for a in self._active.values() if a.child is not None]
        for child in children:
            _signal(child, signum)


def _signal(child: Any, signum: int) -> None:
    """Signal a crawl child; SIGKILL goes to its whole process group (it calls setpgrp), so its
    extraction workers die with it instead of lingering as orphans."""
    if not child.pid:
        return
    try:
        if signum == signal.SIGKILL:
            os.killpg(child.pid, signum)
        elif child.is_alive():
            os.kill(child.pid, signum)
    except ProcessLookupError:
        pass


# --- the process ---------------------------------------------------------------------------------


def serve(jobs_dir: Path, settings: config.Settings, *, grace: float = 60.0, run_now: bool = False,
          poll: float = POLL_SECONDS) -> int:
    """Run the scheduler until SIGTERM/SIGINT; exit code 0 after a clean stop, 1 if runs had to be killed."""
    service = Service(jobs_dir, settings)
    service.load()  # JobError -> the CLI prints it and exits 2
    stop, force, wake, hup = threading.Event(), threading.Event(), threading.Event(), threading.Event()

    def on_stop(signum: int, _frame: Any) -> None:
        if stop.is_set():
            force.set()
            log.warning("second signal: forcing exit")
        else:
            log.info("signal received: stopping", extra={"signal": signal.Signals(signum).name, "grace": grace})
            stop.set()
        wake.set()

    def on_hup(_signum: int, _frame: Any) -> None:
        hup.set()
        wake.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    server = None
    if settings.metrics_port:
        server = metrics.serve_http(settings.metrics_host, settings.metrics_port, service.metrics, service.health)
    try:
        if service.connect(stop) is None:
            return 0
        service.start(run_now=run_now)
        alerts = service.start_alerts()
        while not stop.is_set():
            wake.wait(poll)
            wake.clear()
            if stop.is_set():
                break
            if hup.is_set() or service.changed():
                hup.clear()
                service.reload()
        alerts.close()
        return 0 if service.shutdown(grace, force) else 1
    finally:
        if server is not None:
            server.shutdown()
        service.remove_snapshots()  # also when start-up stopped early (no database, a signal)
        log.info("service stopped")

