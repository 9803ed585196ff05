"""The extraction process pool, replaced whole after a number of pages (README, "Reliability").

Workers are recycled so that slow growth of library caches cannot build up. This is not done with
``ProcessPoolExecutor(max_tasks_per_child=...)``: on CPython 3.11 and 3.12, and 3.13+ releases before
the fix of gh-115634, a worker that exits at its task limit is often not replaced (the executor
mistakes a stale "idle worker" token for a live worker), and once the last worker has gone the pages
queued behind it wait for ever: an inline crawl hung at ~1,400 of 2,000 pages that way.

Instead, after `pages_per_worker` x workers pages the pool is retired and a fresh one takes the next
page. A retired pool is shut down without cancelling: its workers finish the pages already queued to
it and then exit. Each worker thus extracts about `pages_per_worker` pages on average.

Workers start from a fork server (`preload`: it imports the extraction modules once), so a
replacement worker costs a fork, not a Python start plus trafilatura's import (about 1.3 s of CPU
here, ~6 ms per article at one replacement per 200 pages). The fork server is a fresh process with no
reactor, thread or connection of the crawl process; a fork of the crawl process itself would not be safe.

A crawl process keeps one pool for its whole life (`process_pool`): the long-lived crawl process of
`mediamon worker` runs many crawls in turn and must not pay the extraction workers' start (importing
trafilatura, lxml) for each; the job's settings travel with each page (crawler.run.work.process_keyed).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class PagePool:
    """A spawn-context ProcessPoolExecutor that is replaced by a new one every `pages_per_worker` x
    `workers` submissions (and on demand by `rebuild`, after a worker died and broke it)."""

    def __init__(
        self, *, workers: int, initializer: Callable[..., object], initargs: tuple[Any, ...], pages_per_worker: int,
        preload: tuple[str, ...] = (),
    ) -> None:
        if workers < 1 or pages_per_worker < 1:
            raise ValueError("workers and pages_per_worker must be at least 1")
        self.workers, self.initializer, self.initargs = workers, initializer, initargs
        self.context = _context(preload)
        self.pages_per_pool = pages_per_worker * workers
        self.submitted = 0  # pages given to the current executor
        self.retired: list[ProcessPoolExecutor] = []
        self.executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self.context,
            initializer=self.initializer,
            initargs=self.initargs,
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> tuple[ProcessPoolExecutor, Future[Any]]:
        """Run fn(*args) in a worker; returns the executor used (for `rebuild`) and the future."""
        if self.submitted >= self.pages_per_pool:
            old, self.executor, self.submitted = self.executor, self._new_executor(), 0
            old.shutdown(wait=False, cancel_futures=False)  # its queued pages still complete
            self.retired.append(old)
        self.submitted += 1
        executor = self.executor
        try:
            return executor, executor.submit(fn, *args)
        except BrokenProcessPool as exc:  # a worker died earlier: the caller rebuilds and tries again
            failed: Future[Any] = Future()
            failed.set_exception(exc)
            return executor, failed

    def rebuild(self, broken: ProcessPoolExecutor) -> bool:
        """Replace `broken` (a worker died) if it is still the current executor; True if replaced."""
        if broken is not self.executor:
            return False
        broken.shutdown(wait=False, cancel_futures=True)
        self.executor, self.submitted = self._new_executor(), 0
        return True

    def settle(self) -> None:
        """Wait for the retired pools to exit (between crawls: their pages are all done by then)."""
        for old in self.retired:
            old.shutdown(wait=True)
        self.retired.clear()

    def shutdown(self) -> None:
        """Cancel pages not started, wait for every worker of every pool to exit."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        for old in self.retired:
            old.shutdown(wait=True)
        self.retired.clear()


def _context(preload: tuple[str, ...]) -> Any:
    """A fork server that imported `preload` where there is one (Linux), else spawn. Never a plain fork:
    a fork of a process running a Twisted reactor and a psycopg connection is not safe."""
    if preload and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


def _stop_fork_server() -> None:
    """Stop the fork server and wait for it (its CPU is then counted for this process, and nothing lingers).
    `_stop` is the standard library's own way to do it (used by its tests); absent elsewhere, the server
    stops by itself when this process exits."""
    from multiprocessing import forkserver

    with contextlib.suppress(AttributeError, OSError, ChildProcessError):
        forkserver._forkserver._stop()  # type: ignore[attr-defined]


_process_pool: PagePool | None = None


def process_pool(*, workers: int, initializer: Callable[..., object], initargs: tuple[Any, ...],
                 pages_per_worker: int, preload: tuple[str, ...] = ()) -> PagePool:
    """This process's extraction pool: created on first use, then kept warm across crawls (replaced
    only if asked for another number of workers)."""
    global _process_pool
    if _process_pool is not None and _process_pool.workers != workers:
        _process_pool.shutdown()
        _process_pool = None
    if _process_pool is None:
        _process_pool = PagePool(workers=workers, initializer=initializer, initargs=initargs,
                                 pages_per_worker=pages_per_worker, preload=preload)
    return _process_pool


def close_process_pool() -> None:
    """Shut this process's extraction pool down (at the end of the crawl process)."""
    global _process_pool
    if _process_pool is not None:
        _process_pool.shutdown()
        _process_pool = None
    _stop_fork_server()
