"""Child processes that die with their parent, so a killed `mediamon crawl` leaves nothing crawling.

Two mechanisms, because either alone has a gap:

- Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, set first thing in the child, so the kernel kills
  it when its parent dies (even by SIGKILL). The parent may have died before the call: the child
  then sees a different parent pid and exits at once.
- Everywhere: a lifeline pipe. The parent keeps the write end; a daemon thread in the child blocks
  reading the other end and, at end-of-file (the parent is gone, however it died), kills the
  child's whole process group (the crawl child is its group's leader, its extraction workers are
  members).

Extraction workers start from a fork server, so their parent is that server, not the crawl process
they work for; and the server lives as long as any of its children (they hold its "alive" pipe). They
watch the crawl process itself instead (`die_with_process`: a pidfd, readable when it has ended).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import signal
import sys
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def set_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send `sig` to this process when its parent dies (Linux only); True if set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def die_with_parent(parent_pid: int, alive: Any = None, *, death_signal: bool = True) -> None:
    """Make this process die with `parent_pid` (call first thing in the child). `alive` is the read
    end of the lifeline pipe; `death_signal=False` leaves only the pipe (as on systems without prctl)."""
    if death_signal:
        set_death_signal(signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)
    if alive is not None:
        threading.Thread(target=_watch, args=(alive,), name="lifeline", daemon=True).start()


def _watch(alive: Any) -> None:
    """Block on the lifeline; at its end the parent is gone: end this process, and its process group
    when it leads one (never a group it merely belongs to)."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            alive.recv_bytes()
    log.error("parent process gone: stopping the crawl")
    if os.getpgrp() == os.getpid():  # a group leader (the crawl child): its extraction workers go too
        with contextlib.suppress(OSError):
            os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(1)


def die_with_process(pid: int) -> None:
    """End this process as soon as process `pid` (not necessarily the parent) has ended."""
    try:
        fd = os.pidfd_open(pid)  # Linux >= 5.3
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        threading.Thread(target=_poll_process, args=(pid,), name="lifeline", daemon=True).start()
        return
    threading.Thread(target=_wait_pidfd, args=(fd,), name="lifeline", daemon=True).start()


def _wait_pidfd(fd: int) -> None:
    select.select([fd], [], [])
    os._exit(1)


def _poll_process(pid: int) -> None:
    """Fallback without pidfds: check every second (signal 0 tests that the process exists)."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
