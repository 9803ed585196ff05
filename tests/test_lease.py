"""Leases (crawler/store/lease.py): one holder at a time, renewable, released by token, taken over
only when expired or when the holder's process is provably gone."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import psycopg

from crawler.store import lease


def test_a_held_lease_cannot_be_taken(conn: psycopg.Connection) -> None:
    assert lease.acquire(conn, "job:a", 30) is not None
    assert lease.acquire(conn, "job:a", 30) is None  # same process, still alive: no takeover


def test_a_released_lease_is_free(conn: psycopg.Connection) -> None:
    held = lease.acquire(conn, "job:a", 30)
    assert held is not None
    lease.release(conn, held)
    assert lease.is_free(conn, "job:a")
    assert lease.acquire(conn, "job:a", 30) is not None


def test_an_expired_lease_is_free_and_its_old_holder_cannot_renew_it(conn: psycopg.Connection) -> None:
    old = lease.acquire(conn, "job:a", 0.2)
    assert old is not None
    time.sleep(0.3)
    new = lease.acquire(conn, "job:a", 30)
    assert new is not None
    assert not lease.renew(conn, old)
    assert lease.renew(conn, new)


def test_a_lease_whose_local_holder_died_is_taken_over_at_once(conn: psycopg.Connection) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    conn.execute("INSERT INTO leases (name, token, holder_host, holder_pid, expires_at) "
                 "VALUES ('job:a', gen_random_uuid(), %s, %s, now() + interval '1 hour')",
                 (socket.gethostname(), pid))
    conn.commit()
    assert lease.is_free(conn, "job:a")
    assert lease.acquire(conn, "job:a", 30) is not None


def test_the_keeper_renews_the_lease(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        held = lease.acquire(conn, "job:a", 1.5)
        assert held is not None
        keeper = lease.Keeper(db_url, held, acquired_at=time.monotonic()).start()
        try:
            time.sleep(2.5)  # longer than the lease: only renewals keep it
            assert not keeper.expired
            assert lease.acquire(conn, "job:a", 30) is None
        finally:
            keeper.stop()
        assert lease.is_free(conn, "job:a")  # released at stop
