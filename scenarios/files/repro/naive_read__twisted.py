"""Twisted: a plain read of a file on the reactor's thread freezes every other event for the whole read.

Reference: blocking code reads a file with ``open()`` and ``read()`` in 1 MiB chunks; each read(2)
sleeps in the kernel with the GIL released, so other threads keep running. Twisted has no asynchronous
regular-file I/O; its documented remedy for blocking calls is ``deferToThread`` ("Using Threads in
Twisted"). The same read in a coroutine on the reactor runs on the reactor's thread: no timer, no
connection is served until the device has delivered the file. The script writes 256 MiB, evicts it
from the page cache (``posix_fadvise(POSIX_FADV_DONTNEED)``), reads it on the reactor while a
``LoopingCall`` heartbeat ticks every 5 ms, and compares the heartbeat's longest gap with the read's
duration. Linux only. Usage: python naive_read__twisted.py twisted|twisted-asyncio (``threads``: the
same read through ``deferToThread``, NOT REPRODUCED).
"""

import asyncio
import os
import sys
import tempfile
import time
from typing import Any

assert sys.platform == "linux", "posix_fadvise keeps the file out of the page cache on Linux"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import defer, task, threads  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)

MIB = 1024 * 1024
SIZE_MIB = 256
TICK_S = 0.005
gaps: list[float] = []
result: list[float] = []
last = [time.perf_counter()]


def tick() -> None:
    now = time.perf_counter()
    gaps.append(now - last[0] - TICK_S)
    last[0] = now


def read(path: str) -> None:
    with open(path, "rb") as f:
        while f.read(MIB):
            pass


async def main(path: str) -> None:
    beat = task.LoopingCall(tick)
    beat.start(TICK_S, now=False)
    await task.deferLater(reactor, 0.05)  # the heartbeat is ticking
    gaps.clear()
    started = time.perf_counter()
    if RUNTIME == "threads":  # the reference: Twisted's documented way, in the reactor's thread pool
        await threads.deferToThread(read, path).addTimeout(10, reactor)
    else:
        read(path)  # on the reactor's thread, as naive code does
    result.append(time.perf_counter() - started)
    await task.deferLater(reactor, 0.02)  # the heartbeat's next tick records the gap the read made
    beat.stop()


def run(path: str) -> None:
    def done(outcome: Any) -> Any:
        reactor.stop()
        return outcome

    reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main(path)).addBoth(done))
    reactor.callLater(20, reactor.stop)  # a bound on the whole run
    reactor.run()


with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "big.bin")
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for _ in range(SIZE_MIB):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
        os.posix_fadvise(out.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    run(path)
if not result:
    print("NOT REPRODUCED: the read did not finish")
    sys.exit(1)
longest = max(gaps, default=0.0)
print(f"{RUNTIME} ({type(reactor).__name__}): read {SIZE_MIB} MiB from the device in {result[0] * 1000:.0f} "
      f"ms; the heartbeat's longest gap meanwhile: {longest * 1000:.0f} ms")
if longest >= 0.5 * result[0]:
    print("REPRODUCED: the file read held the reactor for most of its duration")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the read")
sys.exit(1)
