"""The 512 MiB read of files.naive_read, through the style's offload path.

Reference semantics: the same stream of a 512 MiB file (written, synced and evicted from the page cache
before the measured window) read in 1 MiB chunks, but handed to a worker: every byte comes back exactly
as written and no other task is held up while the device works (``pass``). This is what every style's
documentation tells a user to do with blocking file I/O:

- sync: ``concurrent.futures.ThreadPoolExecutor().submit(read).result()``, the standard library's idiom.
  Under ``threads`` the worker is an OS thread. Under gevent and eventlet ``patch_all()`` /
  ``monkey_patch()`` turn ``threading`` (and so the executor's workers) into greenlets on the one OS
  thread, so the read still blocks the hub: their real-thread pools (``gevent.threadpool``,
  ``eventlet.tpool``) cannot be named by unchanged sync code, and the table shows what that code gets.
- asyncio: ``asyncio.to_thread(read)`` (the loop's default executor).
- trio: ``trio.open_file`` and ``await f.read(...)``, which run each call in trio's worker threads.

``read_ms`` and ``mib_per_s`` are the read's figures, to set beside files.naive_read's.

The verdict does not depend on the disk's speed: the stall limit is half of the read's own duration
(``RELATIVE_STALL_LIMIT``). An offload path that leaves the scheduler running stalls it for a few
percent of ``read_ms`` (0.1-6.8% in 70 passing cells of 10 runs here; up to 21.6% while the 2-core machine
ran three times the CI load), one that runs the read on the scheduler's thread for all of it
(98.8-99.7%).
"""

from __future__ import annotations

import time

from conformance import Context, sibling_module

TIMEOUT_S = 30.0
PLOTS = {"max_stall_ms": "longest scheduler stall"}  # the report plots it per runtime and OS
RELATIVE_STALL_LIMIT = ("read_ms", 0.5)
IO_TIMEOUT_S = 20.0
_big = sibling_module(__file__, "_big_file")
MIB = _big.MIB


def run_sync(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path, tail = _big.write_file(ctx)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        with ctx.measured():
            started = time.perf_counter()
            chunks, first_bad = pool.submit(_big.read, path, tail).result(timeout=IO_TIMEOUT_S)
            elapsed = time.perf_counter() - started
    finally:
        pool.shutdown(wait=False)  # the result came within its bound, or the cell fails without waiting
    _big.check(ctx, chunks, first_bad, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path, tail = _big.write_file(ctx)
    with ctx.measured():
        started = time.perf_counter()
        chunks, first_bad = await asyncio.wait_for(asyncio.to_thread(_big.read, path, tail), IO_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    _big.check(ctx, chunks, first_bad, elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    path, tail = _big.write_file(ctx)
    chunks, first_bad = 0, None
    with ctx.measured():
        started = time.perf_counter()
        with trio.fail_after(IO_TIMEOUT_S):
            async with await trio.open_file(path, "rb") as f:
                while chunk := await f.read(MIB):
                    if first_bad is None and not _big.chunk_ok(chunk, chunks, tail):
                        first_bad = chunks
                    chunks += 1
        elapsed = time.perf_counter() - started
    _big.check(ctx, chunks, first_bad, elapsed)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, threads

    path, tail = _big.write_file(ctx)
    with ctx.measured():
        started = time.perf_counter()
        # deferToThread: the reactor's thread pool (reactor.getThreadPool())
        read = threads.deferToThread(_big.read, path, tail).addTimeout(IO_TIMEOUT_S, reactor)
        chunks, first_bad = await read
        elapsed = time.perf_counter() - started
    _big.check(ctx, chunks, first_bad, elapsed)
