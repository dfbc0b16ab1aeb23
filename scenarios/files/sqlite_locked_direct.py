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

from conformance import Context, sibling_module

TIMEOUT_S = 20.0
DOCUMENTED_MISTAKE = ("a blocking sqlite3 call on the scheduler's thread; every runtime documents running "
                      "it in a worker thread instead (files.sqlite_locked_offload)")
_lock = sibling_module(__file__, "_sqlite_lock")
IO_TIMEOUT_S = _lock.IO_TIMEOUT_S


def run_sync(ctx: Context) -> None:
    with _lock.waiting_on_lock(ctx) as path:
        _lock.query(path)


async def run_asyncio(ctx: Context) -> None:
    with _lock.waiting_on_lock(ctx) as path:
        _lock.query(path)  # a direct call: the busy wait happens on the event loop's thread


async def run_trio(ctx: Context) -> None:
    with _lock.waiting_on_lock(ctx) as path:
        _lock.query(path)  # a direct call: the busy wait happens on trio's thread


async def run_twisted(ctx: Context) -> None:
    with _lock.waiting_on_lock(ctx) as path:
        _lock.query(path)  # a direct call: the busy wait happens on the reactor's thread
