"""Twisted: sqlite3's busy wait called on the reactor's thread freezes every other event.

Reference: ``sqlite3.connect(path, timeout=0.3)`` and a ``SELECT`` while another process holds ``BEGIN
EXCLUSIVE``: SQLite retries inside its C code, sleeping between attempts with the GIL released, and
after the 300 ms busy timeout raises ``OperationalError: database is locked``; other threads run
meanwhile. Called directly from a coroutine on the reactor, the busy wait runs on the reactor's thread
and nothing else runs for the busy timeout (Twisted's documented way to use a DB-API module is
``twisted.enterprise.adbapi``, which runs the calls in threads). The script runs the query on the
reactor while a ``LoopingCall`` heartbeat ticks every 5 ms and compares the heartbeat's longest gap
with the wait. Usage: python sqlite_locked_direct__twisted.py twisted|twisted-asyncio (``threads``: the
query through ``deferToThread``, NOT REPRODUCED).
"""

import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import defer, task, threads  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
TICK_S = 0.005
HOLDER = ("import sqlite3, sys\n"
          "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
          "db.execute('BEGIN EXCLUSIVE')\n"
          "print('locked', flush=True)\n"
          "sys.stdin.read()\n")
gaps: list[float] = []
result: list[Any] = []
last = [time.perf_counter()]


def tick() -> None:
    now = time.perf_counter()
    gaps.append(now - last[0] - TICK_S)
    last[0] = now


def query(path: str) -> str:
    db = sqlite3.connect(path, timeout=0.3)
    try:
        db.execute("SELECT x FROM t").fetchall()
        return "no error"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        db.close()


async def main(path: str) -> None:
    beat = task.LoopingCall(tick)
    beat.start(TICK_S, now=False)
    await task.deferLater(reactor, 0.05)  # the heartbeat is ticking
    gaps.clear()
    started = time.perf_counter()
    if RUNTIME == "threads":  # the reference: in the reactor's thread pool
        said = await threads.deferToThread(query, path).addTimeout(10, reactor)
    else:
        said = query(path)  # on the reactor's thread, as naive code does
    result.extend((said, time.perf_counter() - started))
    await task.deferLater(reactor, 0.02)  # the heartbeat's next tick records the gap the wait made
    beat.stop()


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

    def done(outcome: Any) -> Any:
        reactor.stop()
        return outcome

    reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main(path)).addBoth(done))
    reactor.callLater(20, reactor.stop)  # a bound on the whole run
    try:
        reactor.run()
    finally:
        holder.communicate(timeout=5)
if not result:
    print("NOT REPRODUCED: the query did not finish")
    sys.exit(1)
said, wait_s = result
longest = max(gaps, default=0.0)
print(f"{RUNTIME} ({type(reactor).__name__}): the query gave up after {wait_s * 1000:.0f} ms ({said}); the "
      f"heartbeat's longest gap meanwhile: {longest * 1000:.0f} ms")
if said == "database is locked" and longest >= 0.5 * wait_s:
    print("REPRODUCED: sqlite3's busy wait held the reactor for the busy timeout")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking during the busy wait")
sys.exit(1)
