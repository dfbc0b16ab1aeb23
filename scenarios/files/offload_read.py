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
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from conformance import Context

TIMEOUT_S = 30.0
IO_TIMEOUT_S = 20.0
MIB = 1024 * 1024
SIZE_MIB = 512


def _stamp(index: int) -> bytes:
    return index.to_bytes(8, "little")


def _write_file(ctx: Context) -> tuple[Path, bytes]:
    """Write the file, sync it and drop it from the page cache; return its path and the part every MiB
    shares (each MiB is its index as 8 bytes, then that tail, so a misplaced MiB is detected)."""
    path = ctx.tmpdir / "big.bin"
    tail = ctx.payload(MIB - 8)
    with open(path, "wb") as f:
        for index in range(SIZE_MIB):
            f.write(_stamp(index))
            f.write(tail)
        f.flush()
        os.fsync(f.fileno())
        evicted = hasattr(os, "posix_fadvise")
        if evicted:
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    ctx.measure("evicted", int(evicted))
    return path, tail


def _chunk_ok(chunk: bytes, index: int, tail: bytes) -> bool:
    # startswith at an offset compares in place (memcmp), without copying the chunk
    return len(chunk) == MIB and chunk.startswith(_stamp(index)) and chunk.startswith(tail, 8)


def _read(path: Path, tail: bytes) -> tuple[int, int | None]:
    """The blocking read the worker runs: (chunks read, index of the first wrong chunk or None)."""
    chunks, first_bad = 0, None
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            if first_bad is None and not _chunk_ok(chunk, chunks, tail):
                first_bad = chunks
            chunks += 1
    return chunks, first_bad


def _check(ctx: Context, chunks: int, first_bad: int | None, elapsed_s: float) -> None:
    ctx.measure("read_ms", elapsed_s * 1000.0)
    ctx.measure("mib_per_s", SIZE_MIB / max(elapsed_s, 1e-9))
    ctx.expect_equal(chunks, SIZE_MIB, "1 MiB chunks read")
    ctx.expect(first_bad is None, f"MiB #{first_bad} of the file read back differs from the one written")


def run_sync(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path, tail = _write_file(ctx)
    with ThreadPoolExecutor(max_workers=1) as pool, ctx.measured():
        started = time.perf_counter()
        chunks, first_bad = pool.submit(_read, path, tail).result(timeout=IO_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    _check(ctx, chunks, first_bad, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path, tail = _write_file(ctx)
    with ctx.measured():
        started = time.perf_counter()
        chunks, first_bad = await asyncio.wait_for(asyncio.to_thread(_read, path, tail), IO_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    _check(ctx, chunks, first_bad, elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    path, tail = _write_file(ctx)
    chunks, first_bad = 0, None
    with ctx.measured():
        started = time.perf_counter()
        with trio.fail_after(IO_TIMEOUT_S):
            async with await trio.open_file(path, "rb") as f:
                while chunk := await f.read(MIB):
                    if first_bad is None and not _chunk_ok(chunk, chunks, tail):
                        first_bad = chunks
                    chunks += 1
        elapsed = time.perf_counter() - started
    _check(ctx, chunks, first_bad, elapsed)
