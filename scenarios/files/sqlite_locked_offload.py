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

from conformance import Context, sibling_module

TIMEOUT_S = 20.0
_lock = sibling_module(__file__, "_sqlite_lock")
IO_TIMEOUT_S = _lock.IO_TIMEOUT_S


def run_sync(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    try:
        with _lock.waiting_on_lock(ctx) as path:
            pool.submit(_lock.query, path).result(timeout=IO_TIMEOUT_S)
    finally:
        pool.shutdown(wait=False)  # the result came within its bound, or the cell fails without waiting


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    with _lock.waiting_on_lock(ctx) as path:
        await asyncio.wait_for(asyncio.to_thread(_lock.query, path), IO_TIMEOUT_S)


async def run_trio(ctx: Context) -> None:
    import trio

    with _lock.waiting_on_lock(ctx) as path, trio.fail_after(IO_TIMEOUT_S):
        await trio.to_thread.run_sync(_lock.query, path)


async def run_twisted(ctx: Context) -> None:
    from twisted.enterprise import adbapi
    from twisted.internet import reactor

    with _lock.waiting_on_lock(ctx) as path:
        # Twisted's DB-API offload: the pool connects and queries in its own threads. sqlite3 connections
        # belong to their thread unless check_same_thread=False, and the pool closes them from the
        # reactor's thread; timeout is sqlite3.connect's busy timeout.
        pool = adbapi.ConnectionPool("sqlite3", str(path), timeout=_lock.BUSY_TIMEOUT_S,
                                     check_same_thread=False, cp_min=1, cp_max=1)
        try:
            await pool.runQuery("SELECT x FROM t").addTimeout(IO_TIMEOUT_S, reactor)
        finally:
            pool.close()
