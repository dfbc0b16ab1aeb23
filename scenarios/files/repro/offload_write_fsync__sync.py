"""gevent and eventlet: a write + fsync handed to concurrent.futures.ThreadPoolExecutor still holds the hub.

Reference: blocking code hands the write of a file and its ``os.fsync`` to
``ThreadPoolExecutor().submit(...)``; the worker is an OS thread, so while the device works every other
thread keeps running. After gevent's ``patch_all()`` or eventlet's ``monkey_patch()``, ``threading`` is
green, so the executor's workers are greenlets on the one OS thread (gevent/thread.py:
``start_new_thread`` is ``Greenlet.spawn``; eventlet/green/thread.py: ``greenthread.spawn``), and
``os.write`` to a regular file and ``os.fsync`` are never cooperative: the hub waits for the device.
The script writes and syncs 256 MiB through the executor while a heartbeat thread ticks every 5 ms,
and compares the heartbeat's longest gap with the write's duration. Usage: python
offload_write_fsync__sync.py gevent|eventlet (``threads``, unpatched: NOT REPRODUCED).
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


def write_durably(path: str, block: bytes) -> None:
    with open(path, "wb") as f:
        for _ in range(SIZE_MIB):
            f.write(block)
        f.flush()
        os.fsync(f.fileno())


with tempfile.TemporaryDirectory() as folder:
    block = os.urandom(MIB)
    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    time.sleep(0.05)  # the heartbeat is ticking
    pool = ThreadPoolExecutor(max_workers=1)
    gaps.clear()
    started = time.perf_counter()
    pool.submit(write_durably, os.path.join(folder, "durable.bin"), block).result(timeout=20)
    write_s = time.perf_counter() - started
    pool.shutdown(wait=False)
    time.sleep(0.02)  # the heartbeat's next tick records the gap the write made
    stop.set()
    beat.join(2)
longest = max(gaps, default=0.0)
print(f"{RUNTIME}: wrote and synced {SIZE_MIB} MiB through ThreadPoolExecutor in {write_s * 1000:.0f} ms; "
      f"the heartbeat's longest gap meanwhile: {longest * 1000:.0f} ms")
if longest >= 0.5 * write_s:
    print("REPRODUCED: the offloaded write and fsync held the scheduler for most of their duration")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the offloaded write")
sys.exit(1)
