"""Twisted: _thread.interrupt_main() from a worker thread stops the reactor; no KeyboardInterrupt is raised.

Reference: ``_thread.interrupt_main()`` (3.10+) simulates SIGINT in the main thread: Python's default
handler raises ``KeyboardInterrupt`` in the waiting main code. ``reactor.run()`` installs its own SIGINT
handler, ``reactor.sigInt``, which ``interrupt_main`` runs like a real SIGINT: it calls
``reactor.stop()`` (twisted/internet/base.py), so the coroutine awaiting a sleep gets no exception and
never resumes; the program gets control back only in its "before" "shutdown" triggers. The worker is
a ``deferToThread`` call. POSIX and Windows alike. Usage: python interrupt_main__twisted.py
twisted|twisted-asyncio.
"""

import _thread
import asyncio
import sys
import time
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: the reference is Python's own SIGINT handler, which reactor.run()
    # replaces; the threads cells of signals.interrupt_main show it.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import defer, task, threads  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
seen: list[str] = []


def interrupt() -> None:
    time.sleep(0.2)
    _thread.interrupt_main()


async def waiter() -> None:
    threads.deferToThread(interrupt)
    try:
        await task.deferLater(reactor, 3.0)
        seen.append("the sleep ended")
    except KeyboardInterrupt:
        seen.append("KeyboardInterrupt")


reactor.addSystemEventTrigger("before", "shutdown", lambda: seen.append("the reactor began to stop"))
reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(waiter()))
reactor.callLater(5, reactor.stop)  # a bound on the whole run
try:
    reactor.run()
except KeyboardInterrupt:
    seen.append("KeyboardInterrupt out of reactor.run()")
print(f"{RUNTIME} ({type(reactor).__name__}): after interrupt_main(): {seen}")
if "KeyboardInterrupt" not in seen and "the reactor began to stop" in seen:
    print("REPRODUCED: interrupt_main() stopped the reactor; the awaiting coroutine got no KeyboardInterrupt")
    sys.exit(0)
print("NOT REPRODUCED: the waiting code was interrupted")
sys.exit(1)
