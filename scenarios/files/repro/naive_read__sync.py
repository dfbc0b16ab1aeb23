"""gevent and eventlet: a plain read of a file in a greenlet holds the hub for the whole read.

Reference: blocking code reads a file with ``open()`` and ``read()`` in 1 MiB chunks; each read(2)
sleeps in the kernel with the GIL released, so the other threads keep running. Neither gevent's
``patch_all()`` nor eventlet's ``monkey_patch()`` makes ``open()`` or io file objects cooperative (a
regular file is always "ready" to a selector; eventlet's green ``os.read`` does not wait on regular
files: eventlet/green/os.py), so under them the same code keeps every other greenlet waiting until the
device has delivered the whole file. The script writes 256 MiB, evicts it from the page cache
(``posix_fadvise(POSIX_FADV_DONTNEED)``), reads it while a heartbeat thread (a greenlet, once patched)
ticks every 5 ms, and compares the heartbeat's longest gap with the read's duration. Linux only.
Usage: python naive_read__sync.py gevent|eventlet (``threads``, unpatched: NOT REPRODUCED).
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
    gaps.clear()
    started = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(MIB):
            pass
    read_s = time.perf_counter() - started
    time.sleep(0.02)  # the heartbeat's next tick records the gap the read made
    stop.set()
    beat.join(2)
longest = max(gaps, default=0.0)
print(f"{RUNTIME}: read {SIZE_MIB} MiB from the device in {read_s * 1000:.0f} ms; the heartbeat's "
      f"longest gap meanwhile: {longest * 1000:.0f} ms")
if longest >= 0.5 * read_s:
    print("REPRODUCED: the file read held the scheduler for most of its duration")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the read")
sys.exit(1)
