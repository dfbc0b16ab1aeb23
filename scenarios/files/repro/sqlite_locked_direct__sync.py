"""gevent and eventlet: sqlite3's busy wait on a locked database holds the hub for the whole busy timeout.

Reference: ``sqlite3.connect(path, timeout=0.3)`` and a ``SELECT`` while another process holds ``BEGIN
EXCLUSIVE``: SQLite retries inside its C code, sleeping between attempts with the GIL released, and
after the 300 ms busy timeout raises ``OperationalError: database is locked``; other threads run
meanwhile. Monkey-patching cannot reach into a C library: under gevent or eventlet the busy wait
sleeps on the hub's thread and no other greenlet runs for the whole busy timeout. (gevent's remedy for
such C extensions is its native threadpool; eventlet's is ``tpool``.) The script makes the lock holder,
runs the query in the main greenlet while a heartbeat thread ticks every 5 ms, and compares the
heartbeat's longest gap with the wait. Usage: python sqlite_locked_direct__sync.py gevent|eventlet
(``threads``, unpatched: NOT REPRODUCED).
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
    gaps.clear()
    started = time.perf_counter()
    db = sqlite3.connect(path, timeout=0.3)
    try:
        db.execute("SELECT x FROM t").fetchall()
        said = "no error"
    except sqlite3.OperationalError as exc:
        said = str(exc)
    finally:
        db.close()
    wait_s = time.perf_counter() - started
    time.sleep(0.02)  # the heartbeat's next tick records the gap the wait made
    stop.set()
    beat.join(2)
    holder.communicate(timeout=5)
longest = max(gaps, default=0.0)
print(f"{RUNTIME}: the query gave up after {wait_s * 1000:.0f} ms ({said}); the heartbeat's longest gap "
      f"meanwhile: {longest * 1000:.0f} ms")
if said == "database is locked" and longest >= 0.5 * wait_s:
    print("REPRODUCED: sqlite3's busy wait held the scheduler for the busy timeout")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the busy wait")
sys.exit(1)
