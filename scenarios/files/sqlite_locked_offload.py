"""sqlite3 waiting on a database another process has locked, through the style's offload path.

Reference semantics: the call of files.sqlite_locked_direct (``sqlite3.connect(path, timeout=0.3)`` and a
``SELECT`` while another process holds ``BEGIN EXCLUSIVE`` for longer) ends with
``sqlite3.OperationalError: database is locked`` after the 300 ms busy timeout, and the exception comes
back through the offload path unchanged. Run in a worker, the wait inside SQLite's C code holds up no
other task (``pass``). This is what each style's documentation prescribes for a blocking library: sync
code hands it to ``concurrent.futures.ThreadPoolExecutor``, asyncio to ``asyncio.to_thread``, trio to
``trio.to_thread.run_sync`` (the connection is opened, used and closed in the worker: sqlite3
connections belong to the thread that made them).

Under gevent and eventlet the standard library's executor runs its workers as greenlets on the one OS
thread (``threading`` is patched), so unchanged sync code still blocks the hub for the whole busy wait;
their real-thread pools (``gevent.get_hub().threadpool``, ``eventlet.tpool``) cannot be named by code
that does not know it runs under them.

The lock holder is a separate Python process that takes the lock, says so on its stdout (the body
waits for that before the measured window) and keeps it until the body closes its stdin after the
window, so the call always ends with "database is locked". ``wait_ms`` is the time it took to give up.
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
    from concurrent.futures import ThreadPoolExecutor

    path, holder = _lock_database(ctx)
    try:
        with (ThreadPoolExecutor(max_workers=1) as pool, ctx.measured(),
              ctx.expect_raises(sqlite3.OperationalError) as caught):
            started = time.perf_counter()
            try:
                pool.submit(_query, path).result(timeout=IO_TIMEOUT_S)
            finally:
                elapsed = time.perf_counter() - started
    finally:
        _release(holder)
    _check(ctx, caught, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path, holder = _lock_database(ctx)
    try:
        with ctx.measured(), ctx.expect_raises(sqlite3.OperationalError) as caught:
            started = time.perf_counter()
            try:
                await asyncio.wait_for(asyncio.to_thread(_query, path), IO_TIMEOUT_S)
            finally:
                elapsed = time.perf_counter() - started
    finally:
        _release(holder)
    _check(ctx, caught, elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    path, holder = _lock_database(ctx)
    try:
        with ctx.measured(), ctx.expect_raises(sqlite3.OperationalError) as caught:
            started = time.perf_counter()
            try:
                with trio.fail_after(IO_TIMEOUT_S):
                    await trio.to_thread.run_sync(_query, path)
            finally:
                elapsed = time.perf_counter() - started
    finally:
        _release(holder)
    _check(ctx, caught, elapsed)
