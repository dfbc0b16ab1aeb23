"""A naive read of a 512 MiB file inside a task.

Reference semantics: blocking code streams a 512 MiB file with ``open(path, "rb")`` and ``f.read(1 MiB)``
until EOF, checks each chunk, and gets exactly the bytes on disk. Each ``read(2)`` sleeps in the kernel
while the storage device delivers the data, with the interpreter lock released, so every other thread
keeps running (``pass`` under ``threads``). A regular file is always "ready" to a selector, so no event
loop and no monkey-patching makes this read cooperative: the same naive loop in a greenlet, an asyncio
task or a trio task holds the whole scheduler for as long as the disk takes (``blocking``), and every
other connection of the program freezes meanwhile. A user must offload file I/O (see
``files.offload_read``).

Design: the file is written and synced before the measured window, then evicted from the page cache
(``posix_fadvise(POSIX_FADV_DONTNEED)`` where the platform has it; ``evicted`` says whether it did), so the
read goes to the device as the first read of a big file does. A read from the page cache runs at memory
speed (256 MiB in 20-80 ms), under the 100 ms limit and not 10x the noise; 512 MiB from the device takes
a few hundred milliseconds. The file is streamed in 1 MiB chunks, not read whole: a single 512 MiB
``read()`` into fresh memory spends most of its time in page faults of the new buffer, which also delay
the other threads of the process by tens of milliseconds and would blur the reference. ``read_ms`` and
``mib_per_s`` are the read's own figures; a blocking runtime's stall is about ``read_ms``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from conformance import Context

TIMEOUT_S = 30.0
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


def _check(ctx: Context, chunks: int, first_bad: int | None, elapsed_s: float) -> None:
    ctx.measure("read_ms", elapsed_s * 1000.0)
    ctx.measure("mib_per_s", SIZE_MIB / max(elapsed_s, 1e-9))
    ctx.expect_equal(chunks, SIZE_MIB, "1 MiB chunks read")
    ctx.expect(first_bad is None, f"MiB #{first_bad} of the file read back differs from the one written")


def run_sync(ctx: Context) -> None:
    path, tail = _write_file(ctx)
    chunks, first_bad = 0, None
    with ctx.measured():
        started = time.perf_counter()
        with open(path, "rb") as f:
            while chunk := f.read(MIB):
                if first_bad is None and not _chunk_ok(chunk, chunks, tail):
                    first_bad = chunks
                chunks += 1
        elapsed = time.perf_counter() - started
    _check(ctx, chunks, first_bad, elapsed)


async def run_asyncio(ctx: Context) -> None:
    path, tail = _write_file(ctx)
    chunks, first_bad = 0, None
    with ctx.measured():
        started = time.perf_counter()
        with open(path, "rb") as f:  # blocking file I/O inside the task: what naive code does
            while chunk := f.read(MIB):
                if first_bad is None and not _chunk_ok(chunk, chunks, tail):
                    first_bad = chunks
                chunks += 1
        elapsed = time.perf_counter() - started
    _check(ctx, chunks, first_bad, elapsed)


async def run_trio(ctx: Context) -> None:
    path, tail = _write_file(ctx)
    chunks, first_bad = 0, None
    with ctx.measured():
        started = time.perf_counter()
        with open(path, "rb") as f:  # blocking file I/O inside the task: what naive code does
            while chunk := f.read(MIB):
                if first_bad is None and not _chunk_ok(chunk, chunks, tail):
                    first_bad = chunks
                chunks += 1
        elapsed = time.perf_counter() - started
    _check(ctx, chunks, first_bad, elapsed)
