"""trio: a plain read of a file in a task blocks trio's thread for the whole read.

Reference: blocking code reads a file with ``open()`` and ``read()`` in 1 MiB chunks; each read(2)
sleeps in the kernel with the GIL released, so other threads keep running. Python's synchronous file
API knows nothing of trio: the same read in a task runs on trio's thread and no other task runs until
the device has delivered the file. trio's documented way is its asynchronous file API
(``trio.open_file``, ``trio.Path``), which runs each call in a worker thread. The script writes 256 MiB,
evicts it from the page cache (``posix_fadvise(POSIX_FADV_DONTNEED)``), reads it in a task while a
heartbeat task ticks every 5 ms, and compares the heartbeat's longest gap with the read's duration.
Linux only. Usage: python naive_read__trio.py trio (``threads``: the same read through
``trio.open_file``, NOT REPRODUCED).
"""

import os
import sys
import tempfile
import time

import trio

assert sys.platform == "linux", "posix_fadvise keeps the file out of the page cache on Linux"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
MIB = 1024 * 1024
SIZE_MIB = 256
TICK_S = 0.005


async def main(path: str) -> tuple[float, float]:
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await trio.sleep(TICK_S)
            now = time.perf_counter()
            gaps.append(now - last - TICK_S)
            last = now

    async with trio.open_nursery() as nursery:
        nursery.start_soon(heartbeat)
        await trio.sleep(0.05)  # the heartbeat is ticking
        gaps.clear()
        started = time.perf_counter()
        with trio.fail_after(10):
            if RUNTIME == "threads":  # the reference: trio's own file API, in worker threads
                async with await trio.open_file(path, "rb") as af:
                    while await af.read(MIB):
                        pass
            else:
                with open(path, "rb") as f:  # in the task, as naive code does
                    while f.read(MIB):
                        pass
        read_s = time.perf_counter() - started
        await trio.sleep(0.02)  # the heartbeat's next tick records the gap the read made
        nursery.cancel_scope.cancel()
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
    read_s, longest = trio.run(main, path)
print(f"trio {trio.__version__} ({RUNTIME}): read {SIZE_MIB} MiB from the device in {read_s * 1000:.0f} ms; "
      f"the heartbeat's longest gap meanwhile: {longest * 1000:.0f} ms")
if longest >= 0.5 * read_s:
    print("REPRODUCED: the file read held trio's thread for most of its duration")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the read")
sys.exit(1)
