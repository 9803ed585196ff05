"""The extraction pool's worker recycling (crawler/fetch/pagepool.py), with real spawn processes.

Pinned: pages queued behind a worker that reached its page limit still run. ProcessPoolExecutor's own
max_tasks_per_child deadlocks there (CPython gh-115634, 3.11 and 3.12 unfixed): an inline crawl hung at ~1,400 of
2,000 pages.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool

import pytest

from crawler.fetch import pagepool


@pytest.fixture
def pool() -> Iterator[pagepool.PagePool]:
    p = pagepool.PagePool(workers=1, initializer=os.getpid, initargs=(), pages_per_worker=2)
    yield p
    p.shutdown()


def test_pages_queued_behind_a_recycled_worker_all_complete(pool: pagepool.PagePool) -> None:
    # one page at a time first (with max_tasks_per_child this leaves a stale "idle worker" token),
    # then a backlog that outlasts several workers
    for _ in range(2):
        pool.submit(os.getpid)[1].result(timeout=60)
    futures = [pool.submit(os.getpid)[1] for _ in range(9)]
    done, not_done = wait(futures, timeout=120)
    assert not not_done, f"{len(not_done)} of {len(futures)} pages never ran"


def test_each_worker_extracts_at_most_its_page_limit(pool: pagepool.PagePool) -> None:
    futures = [pool.submit(os.getpid)[1] for _ in range(10)]
    pids = Counter(f.result(timeout=120) for f in futures)
    assert max(pids.values()) <= 2
    assert len(pids) == 5


def test_a_pool_broken_by_a_dead_worker_is_rebuilt_once(pool: pagepool.PagePool) -> None:
    executor, future = pool.submit(os._exit, 1)
    with pytest.raises(BrokenProcessPool):
        future.result(timeout=60)
    assert pool.rebuild(executor)
    assert not pool.rebuild(executor)  # a second caller holding the same broken pool does not rebuild again
    assert isinstance(pool.submit(os.getpid)[1].result(timeout=60), int)
