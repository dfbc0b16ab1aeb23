"""Twisted: SIGINT stops the reactor instead of raising KeyboardInterrupt in the waiting code.

Reference: Python's default SIGINT handler raises ``KeyboardInterrupt`` in the main thread, out of
whatever it is waiting in (a sleep, a receive), so the waiting code unwinds and runs its ``finally``
blocks; asyncio cancels the main task, trio raises KeyboardInterrupt at a checkpoint. The handler that
``reactor.run()`` installs, ``reactor.sigInt``, calls ``reactor.stop()`` instead
(twisted/internet/base.py): the coroutine awaiting a sleep gets no exception and never resumes; the
program gets control back only in its "before" "shutdown" triggers, then ``reactor.run()`` returns.
The script awaits a 3 s sleep in a coroutine on the reactor, sends itself SIGINT after 0.2 s, and
records what the coroutine saw. POSIX only. Usage: python sigint__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import os
import signal
import sys
from typing import Any

assert sys.platform != "win32", "POSIX signals"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: the reference is Python's own SIGINT handler (KeyboardInterrupt in the
    # waiting code), which reactor.run() replaces; the threads cells of signals.sigint_* show it.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import defer, task  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
seen: list[str] = []


async def waiter() -> None:
    try:
        await task.deferLater(reactor, 3.0)
        seen.append("the sleep ended")
    except KeyboardInterrupt:
        seen.append("KeyboardInterrupt")


reactor.addSystemEventTrigger("before", "shutdown", lambda: seen.append("the reactor began to stop"))
reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(waiter()))
reactor.callLater(0.2, os.kill, os.getpid(), signal.SIGINT)
reactor.callLater(5, reactor.stop)  # a bound on the whole run
try:
    reactor.run()
except KeyboardInterrupt:
    seen.append("KeyboardInterrupt out of reactor.run()")
print(f"{RUNTIME} ({type(reactor).__name__}): after SIGINT: {seen}")
if "KeyboardInterrupt" not in seen and "the reactor began to stop" in seen:
    print("REPRODUCED: SIGINT stopped the reactor; the awaiting coroutine got no KeyboardInterrupt")
    sys.exit(0)
print("NOT REPRODUCED: the waiting code was interrupted")
sys.exit(1)
