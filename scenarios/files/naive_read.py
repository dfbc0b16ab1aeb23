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
speed (256 MiB in 20-80 ms), too short to tell a held scheduler from the noise; 512 MiB from the device
takes from a few hundred milliseconds to a few seconds. The file is streamed in 1 MiB chunks, not read
whole: a single 512 MiB ``read()`` into fresh memory spends most of its time in page faults of the new
buffer, which also delay the other threads of the process by tens of milliseconds and would blur the
reference. ``read_ms`` and ``mib_per_s`` are the read's own figures.

The verdict does not depend on the disk's speed: the stall limit is half of the read's own duration
(``RELATIVE_STALL_LIMIT``), not a fixed 100 ms. A runtime that holds its scheduler through the read
stalls for all of it (98.6-99.8% of ``read_ms`` in 80 cells of 10 runs here), one that does not for a
few percent (``threads``: 0.6-2.9%).
"""

from __future__ import annotations

import time

from conformance import Context, sibling_module

TIMEOUT_S = 30.0
PLOTS = {"max_stall_ms": "longest scheduler stall"}  # the report plots it per runtime and OS
RELATIVE_STALL_LIMIT = ("read_ms", 0.5)
DOCUMENTED_MISTAKE = ("a blocking file read on the scheduler's thread; every runtime documents handing it to "
                      "a worker thread instead (files.offload_read)")
_big = sibling_module(__file__, "_big_file")


def run_sync(ctx: Context) -> None:
    path, tail = _big.write_file(ctx)
    with ctx.measured():
        started = time.perf_counter()
        chunks, first_bad = _big.read(path, tail)
        elapsed = time.perf_counter() - started
    _big.check(ctx, chunks, first_bad, elapsed)


async def run_asyncio(ctx: Context) -> None:
    path, tail = _big.write_file(ctx)
    with ctx.measured():
        started = time.perf_counter()
        chunks, first_bad = _big.read(path, tail)  # blocking file I/O inside the task: what naive code does
        elapsed = time.perf_counter() - started
    _big.check(ctx, chunks, first_bad, elapsed)


async def run_trio(ctx: Context) -> None:
    path, tail = _big.write_file(ctx)
    with ctx.measured():
        started = time.perf_counter()
        chunks, first_bad = _big.read(path, tail)  # blocking file I/O inside the task: what naive code does
        elapsed = time.perf_counter() - started
    _big.check(ctx, chunks, first_bad, elapsed)


async def run_twisted(ctx: Context) -> None:
    path, tail = _big.write_file(ctx)
    with ctx.measured():
        started = time.perf_counter()
        chunks, first_bad = _big.read(path, tail)  # blocking file I/O in the reactor's thread: naive code
        elapsed = time.perf_counter() - started
    _big.check(ctx, chunks, first_bad, elapsed)
