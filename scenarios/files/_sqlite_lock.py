"""Shared by files.sqlite_locked_direct and files.sqlite_locked_offload: a database that another
process holds an exclusive lock on, and the query that waits for it."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from conformance import Context

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


def lock_database(ctx: Context) -> tuple[Path, subprocess.Popen[bytes]]:
    """Create the database, start the process that locks it, and wait until it holds the lock."""
    path = ctx.tmpdir / "locked.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (x INTEGER)")
        db.execute("INSERT INTO t VALUES (1)")
        db.commit()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert holder.stdout is not None
    # rstrip: on Windows, print() in the holder ends its line with "\r\n" (text-mode stdout).
    line = holder.stdout.readline()
    if line.rstrip(b"\r\n") != b"locked":
        holder.kill()
        _, err = holder.communicate(timeout=IO_TIMEOUT_S)
        raise ctx.skip(f"the lock holder could not lock the database (it said {line!r}): "
                       f"{err.decode(errors='replace')}")
    return path, holder


def release(holder: subprocess.Popen[bytes]) -> None:
    holder.communicate(timeout=IO_TIMEOUT_S)  # closes its stdin: it rolls back and exits


def query(path: Path) -> list[tuple[int]]:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        return db.execute("SELECT x FROM t").fetchall()
    finally:
        db.close()


def check(ctx: Context, caught: list[BaseException], elapsed_s: float) -> None:
    ctx.measure("wait_ms", elapsed_s * 1000.0)
    ctx.expect("database is locked" in str(caught[0]),
               f"the OperationalError says {str(caught[0])!r}, not 'database is locked'")
    ctx.expect(elapsed_s >= BUSY_TIMEOUT_S * 0.8,
               f"gave up after {elapsed_s * 1000:.0f} ms, before the {BUSY_TIMEOUT_S * 1000:.0f} ms "
               "busy timeout")


@contextlib.contextmanager
def waiting_on_lock(ctx: Context) -> Iterator[Path]:
    """The whole scenario around one call: lock the database, yield its path inside the measured
    window, expect the block to fail with "database is locked", release the lock, check the wait."""
    path, holder = lock_database(ctx)
    try:
        with ctx.measured(), ctx.expect_raises(sqlite3.OperationalError) as caught:
            started = time.perf_counter()
            try:
                yield path
            finally:
                elapsed = time.perf_counter() - started
    finally:
        release(holder)
    check(ctx, caught, elapsed)
