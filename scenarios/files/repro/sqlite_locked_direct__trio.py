"""trio: sqlite3's busy wait called in a task blocks trio's thread for the whole busy timeout.

Reference: ``sqlite3.connect(path, timeout=0.3)`` and a ``SELECT`` while another process holds ``BEGIN
EXCLUSIVE``: SQLite retries inside its C code, sleeping between attempts with the GIL released, and
after the 300 ms busy timeout raises ``OperationalError: database is locked``; other threads run
meanwhile. sqlite3 is a blocking API: called in a trio task, its busy wait runs on trio's thread and no
task runs for the whole busy timeout (trio's documented way to call blocking code is
``trio.to_thread.run_sync``). The script runs the query in a task while a heartbeat task ticks every
5 ms and compares the heartbeat's longest gap with the wait. Usage: python
sqlite_locked_direct__trio.py trio (``threads``: the query in ``trio.to_thread.run_sync``, NOT
REPRODUCED).
"""

import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
TICK_S = 0.005
HOLDER = ("import sqlite3, sys\n"
          "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
          "db.execute('BEGIN EXCLUSIVE')\n"
          "print('locked', flush=True)\n"
          "sys.stdin.read()\n")


def query(path: str) -> str:
    db = sqlite3.connect(path, timeout=0.3)
    try:
        db.execute("SELECT x FROM t").fetchall()
        return "no error"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        db.close()


async def main(path: str) -> tuple[str, float, float]:
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
            if RUNTIME == "threads":  # the reference: the documented way, in a worker thread
                said = await trio.to_thread.run_sync(query, path)
            else:
                said = query(path)  # in the task, as naive code does
        wait_s = time.perf_counter() - started
        await trio.sleep(0.02)  # the heartbeat's next tick records the gap the wait made
        nursery.cancel_scope.cancel()
    return said, wait_s, max(gaps, default=0.0)


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
    try:
        said, wait_s, longest = trio.run(main, path)
    finally:
        holder.communicate(timeout=5)
print(f"trio {trio.__version__} ({RUNTIME}): the query gave up after {wait_s * 1000:.0f} ms ({said}); the "
      f"heartbeat's longest gap meanwhile: {longest * 1000:.0f} ms")
if said == "database is locked" and longest >= 0.5 * wait_s:
    print("REPRODUCED: sqlite3's busy wait held trio's thread for the busy timeout")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the busy wait")
sys.exit(1)
