"""gevent and eventlet: sqlite3's busy wait handed to ThreadPoolExecutor still holds the hub.

Reference: the ``SELECT`` of a connection with a 300 ms busy timeout, on a database another process
holds ``BEGIN EXCLUSIVE`` on, handed to ``concurrent.futures.ThreadPoolExecutor().submit(...)``: the
worker is an OS thread, SQLite's busy wait sleeps there, and ``OperationalError: database is locked``
comes back through the future; other threads run meanwhile. After gevent's ``patch_all()`` or
eventlet's ``monkey_patch()`` the executor's workers are greenlets on the one OS thread
(gevent/thread.py ``start_new_thread`` is ``Greenlet.spawn``; eventlet/green/thread.py spawns green
threads), so the busy wait in C holds the hub all the same. The script runs the query through the
executor while a heartbeat thread ticks every 5 ms and compares the heartbeat's longest gap with the
wait. Usage: python sqlite_locked_offload__sync.py gevent|eventlet (``threads``: NOT REPRODUCED).
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
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

TICK_S = 0.005
HOLDER = ("import sqlite3, sys\n"
          "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
          "db.execute('BEGIN EXCLUSIVE')\n"
          "print('locked', flush=True)\n"
          "sys.stdin.read()\n")
gaps: list[float] = []
stop = threading.Event()


def heartbeat() -> None:
    last = time.perf_counter()
    while not stop.is_set():
        time.sleep(TICK_S)
        now = time.perf_counter()
        gaps.append(now - last - TICK_S)
        last = now


def query(path: str) -> str:
    db = sqlite3.connect(path, timeout=0.3)
    try:
        db.execute("SELECT x FROM t").fetchall()
        return "no error"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        db.close()


with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "locked.db")
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.commit()
    setup.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == b"locked"
    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    time.sleep(0.05)  # the heartbeat is ticking
    pool = ThreadPoolExecutor(max_workers=1)
    gaps.clear()
    started = time.perf_counter()
    said = pool.submit(query, path).result(timeout=10)
    wait_s = time.perf_counter() - started
    pool.shutdown(wait=False)
    time.sleep(0.02)  # the heartbeat's next tick records the gap the wait made
    stop.set()
    beat.join(2)
    holder.communicate(timeout=5)
longest = max(gaps, default=0.0)
print(f"{RUNTIME}: the offloaded query gave up after {wait_s * 1000:.0f} ms ({said}); the heartbeat's "
      f"longest gap meanwhile: {longest * 1000:.0f} ms")
if said == "database is locked" and longest >= 0.5 * wait_s:
    print("REPRODUCED: the offloaded busy wait held the scheduler for the busy timeout")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the offloaded busy wait")
sys.exit(1)
