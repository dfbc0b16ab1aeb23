"""sqlite3 waiting on a database another process has locked, called directly in a task.

Reference semantics: a connection opened with ``sqlite3.connect(path, timeout=0.3)`` (a 300 ms busy
timeout) runs a ``SELECT`` while another process holds an exclusive lock (``BEGIN EXCLUSIVE``, rollback
journal) for longer than that. SQLite retries inside the C library, sleeping between attempts, and after
the busy timeout gives up: ``sqlite3.OperationalError: database is locked``. The interpreter lock is
released during the wait, so other threads keep running (``pass`` under ``threads``).

This is the everyday form of "monkey-patching cannot reach into a C extension": the busy wait sleeps in
SQLite's C code, which neither gevent nor eventlet can make cooperative, and a direct call from an
asyncio or trio task blocks their loop the same way. So a blocked call holds the whole scheduler for the
busy timeout (``blocking``, the stall is about 300 ms); files.sqlite_locked_offload shows the same call
through each style's offload path.

Deterministic by construction: the lock holder is a separate Python process that takes the lock, says
so on its stdout (the body waits for that before the measured window), and keeps it until the body
closes the holder's stdin after the window, so the lock always outlasts the busy timeout and the call
always ends with "database is locked". ``wait_ms`` is the time the call took to give up.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conformance import Context

TIMEOUT_S = 20.0
BUSY_TIMEOUT_S = 0.3
IO_TIMEOUT_S = 10.0
HOLDER = (
    "import sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "db.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()  # keep the lock until the scenario closes our stdin (or exits)\n"
    "db.execute('ROLLBACK')\n"
    "db.close()\n"
)


def _lock_database(ctx: Context) -> tuple[Path, subprocess.Popen[bytes]]:
    """Create the database, start the process that locks it, and wait until it holds the lock."""
    path = ctx.tmpdir / "locked.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (x INTEGER)")
        db.execute("INSERT INTO t VALUES (1)")
        db.commit()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert holder.stdout is not None
    if holder.stdout.readline() != b"locked\n":
        holder.kill()
        _, err = holder.communicate(timeout=IO_TIMEOUT_S)
        raise ctx.skip(f"the lock holder could not lock the database: {err.decode(errors='replace')}")
    return path, holder


def _release(holder: subprocess.Popen[bytes]) -> None:
    holder.communicate(timeout=IO_TIMEOUT_S)  # closes its stdin: it rolls back and exits


def _query(path: Path) -> list[tuple[int]]:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        return db.execute("SELECT x FROM t").fetchall()
    finally:
        db.close()


def _check(ctx: Context, caught: list[BaseException], elapsed_s: float) -> None:
    ctx.measure("wait_ms", elapsed_s * 1000.0)
    ctx.expect("database is locked" in str(caught[0]),
               f"the OperationalError says {str(caught[0])!r}, not 'database is locked'")
    ctx.expect(elapsed_s >= BUSY_TIMEOUT_S * 0.8,
               f"gave up after {elapsed_s * 1000:.0f} ms, before the {BUSY_TIMEOUT_S * 1000:.0f} ms "
               "busy timeout")


def run_sync(ctx: Context) -> None:
    path, holder = _lock_database(ctx)
    try:
        with ctx.measured(), ctx.expect_raises(sqlite3.OperationalError) as caught:
            started = time.perf_counter()
            try:
                _query(path)
            finally:
                elapsed = time.perf_counter() - started
    finally:
        _release(holder)
    _check(ctx, caught, elapsed)


async def run_asyncio(ctx: Context) -> None:
    path, holder = _lock_database(ctx)
    try:
        with ctx.measured(), ctx.expect_raises(sqlite3.OperationalError) as caught:
            started = time.perf_counter()
            try:
                _query(path)  # a direct call: the busy wait happens on the event loop's thread
            finally:
                elapsed = time.perf_counter() - started
    finally:
        _release(holder)
    _check(ctx, caught, elapsed)


async def run_trio(ctx: Context) -> None:
    path, holder = _lock_database(ctx)
    try:
        with ctx.measured(), ctx.expect_raises(sqlite3.OperationalError) as caught:
            started = time.perf_counter()
            try:
                _query(path)  # a direct call: the busy wait happens on trio's thread
            finally:
                elapsed = time.perf_counter() - started
    finally:
        _release(holder)
    _check(ctx, caught, elapsed)
