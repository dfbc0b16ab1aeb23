"""asyncio, uvloop and rloop: a plain read of a file in a coroutine freezes the event loop.

Reference: blocking code reads a file with ``open()`` and ``read()`` in 1 MiB chunks; each read(2)
sleeps in the kernel with the GIL released, so other threads keep running. asyncio has no asynchronous
regular-file I/O (its documentation says to run blocking calls in an executor: "Running Blocking Code"
in asyncio-dev), and neither has uvloop nor rloop, which keep asyncio's API: the same read in a
coroutine runs on the loop's thread and no other task runs until the device has delivered the file.
The script writes 256 MiB, evicts it from the page cache (``posix_fadvise(POSIX_FADV_DONTNEED)``),
reads it in a coroutine while a heartbeat task ticks every 5 ms, and compares the heartbeat's longest
gap with the read's duration. Linux only. Usage: python naive_read__asyncio.py asyncio|uvloop|rloop
(``threads``: the same read in a thread beside the loop, NOT REPRODUCED).
"""

import asyncio
import importlib
import os
import sys
import tempfile
import time

assert sys.platform == "linux", "posix_fadvise keeps the file out of the page cache on Linux"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
MIB = 1024 * 1024
SIZE_MIB = 256
TICK_S = 0.005


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME in ("asyncio", "threads"):
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def read(path: str) -> None:
    with open(path, "rb") as f:
        while f.read(MIB):
            pass


async def main(path: str) -> tuple[float, float]:
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            gaps.append(now - last - TICK_S)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)  # the heartbeat is ticking
    gaps.clear()
    started = time.perf_counter()
    if RUNTIME == "threads":
        await asyncio.wait_for(asyncio.to_thread(read, path), 10)  # the reference: the read in a thread
    else:
        read(path)  # in the coroutine, as naive code does
    read_s = time.perf_counter() - started
    await asyncio.sleep(0.02)  # the heartbeat's next tick records the gap the read made
    beat.cancel()
    return read_s, max(gaps, default=0.0)


with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "big.bin")
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for _ in range(SIZE_MIB):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
        os.posix_fadvise(out.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    loop = new_loop()
    try:
        read_s, longest = loop.run_until_complete(main(path))
    finally:
        loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): read {SIZE_MIB} MiB from the device in "
      f"{read_s * 1000:.0f} ms; the heartbeat's longest gap meanwhile: {longest * 1000:.0f} ms")
if longest >= 0.5 * read_s:
    print("REPRODUCED: the file read held the event loop for most of its duration")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the read")
sys.exit(1)
