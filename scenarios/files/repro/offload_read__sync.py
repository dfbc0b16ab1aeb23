"""gevent and eventlet: a file read handed to concurrent.futures.ThreadPoolExecutor still holds the hub.

Reference: blocking code hands a file read to ``ThreadPoolExecutor().submit(read)`` and waits for the
result; the worker is an OS thread, so while the device works every other thread keeps running. After
gevent's ``patch_all()`` or eventlet's ``monkey_patch()``, ``threading`` is green, so the executor's
workers are greenlets on the one OS thread (gevent/thread.py: ``start_new_thread`` is
``Greenlet.spawn``; eventlet/green/thread.py: ``greenthread.spawn``) and the offloaded read runs on the
hub's thread all the same. Their real-thread pools (``gevent.threadpool``, ``eventlet.tpool``) are not
what unchanged code names. The script writes 256 MiB, evicts it from the page cache
(``posix_fadvise(POSIX_FADV_DONTNEED)``), reads it through the executor while a heartbeat thread ticks
every 5 ms, and compares the heartbeat's longest gap with the read's duration. Linux only.
Usage: python offload_read__sync.py gevent|eventlet (``threads``, unpatched: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import os  # noqa: E402 - after the patch, as a patched program imports them
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

assert sys.platform == "linux", "posix_fadvise keeps the file out of the page cache on Linux"
MIB = 1024 * 1024
SIZE_MIB = 256
TICK_S = 0.005
gaps: list[float] = []
stop = threading.Event()


def heartbeat() -> None:
    last = time.perf_counter()
    while not stop.is_set():
        time.sleep(TICK_S)
        now = time.perf_counter()
        gaps.append(now - last - TICK_S)
        last = now


def read(path: str) -> None:
    with open(path, "rb") as f:
        while f.read(MIB):
            pass


with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "big.bin")
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for _ in range(SIZE_MIB):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
        os.posix_fadvise(out.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    time.sleep(0.05)  # the heartbeat is ticking
    pool = ThreadPoolExecutor(max_workers=1)
    gaps.clear()
    started = time.perf_counter()
    pool.submit(read, path).result(timeout=10)
    read_s = time.perf_counter() - started
    pool.shutdown(wait=False)
    time.sleep(0.02)  # the heartbeat's next tick records the gap the read made
    stop.set()
    beat.join(2)
longest = max(gaps, default=0.0)
print(f"{RUNTIME}: read {SIZE_MIB} MiB through ThreadPoolExecutor in {read_s * 1000:.0f} ms; the "
      f"heartbeat's longest gap meanwhile: {longest * 1000:.0f} ms")
if longest >= 0.5 * read_s:
    print("REPRODUCED: the offloaded read held the scheduler for most of its duration")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the offloaded read")
sys.exit(1)
