"""Children die with their parent (crawler/run/lifeline.py): by the lifeline pipe alone, and by the
Linux death signal alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A parent that starts one spawn child wired as the crawl child is, prints the child's pid, then waits.
PARENT = """
import multiprocessing, os, sys, time
from crawler.run import lifeline

def child(parent_pid, alive, death_signal, use_pipe):
    os.setpgrp()  # as the crawl child does
    lifeline.die_with_parent(parent_pid, alive if use_pipe else None, death_signal=death_signal)
    time.sleep(60)

if __name__ == "__main__":
    death_signal, use_pipe = sys.argv[1] == "1", sys.argv[2] == "1"
    ctx = multiprocessing.get_context("spawn")
    r, w = ctx.Pipe(duplex=False)
    p = ctx.Process(target=child, args=(os.getpid(), r, death_signal, use_pipe))
    p.start()
    r.close()
    time.sleep(1.5)  # the child has armed its death signal / started its watcher
    print(p.pid, flush=True)
    time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _child_outlives_parent_kill(death_signal: bool, use_pipe: bool, tmp_path: Path) -> bool:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    parent = subprocess.Popen([sys.executable, str(script), "1" if death_signal else "0", "1" if use_pipe else "0"],
                              stdout=subprocess.PIPE, text=True, env=env)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    survived = _alive(child)
    if survived:
        os.kill(child, signal.SIGKILL)
    return survived


def test_the_lifeline_pipe_alone_ends_the_child(tmp_path: Path) -> None:
    assert not _child_outlives_parent_kill(death_signal=False, use_pipe=True, tmp_path=tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_death_signal_alone_ends_the_child(tmp_path: Path) -> None:
    assert not _child_outlives_parent_kill(death_signal=True, use_pipe=False, tmp_path=tmp_path)


def test_without_either_the_child_would_outlive_its_parent(tmp_path: Path) -> None:
    """The control case: the two tests above can fail."""
    assert _child_outlives_parent_kill(death_signal=False, use_pipe=False, tmp_path=tmp_path)


def test_a_process_watching_another_than_its_parent_ends_with_it() -> None:
    """An extraction worker's parent is the pool's fork server; it ends with the crawl process instead."""
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    code = f"import time; from crawler.run import lifeline; lifeline.die_with_process({watched.pid}); time.sleep(60)"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    watcher = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        time.sleep(1.5)  # the watcher is importing and arming its watch
        assert watcher.poll() is None, "the watcher ended while the watched process was alive"
        watched.kill()
        watched.wait()
        assert watcher.wait(timeout=5) == 1
    finally:
        for proc in (watched, watcher):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
