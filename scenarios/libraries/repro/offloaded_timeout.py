"""A blocking call offloaded to a thread and timed out: the style's timeout cannot stop the thread.

A blocking library runs under an event loop through the style's thread offload (asyncio.to_thread,
trio.to_thread.run_sync, Twisted's threads.deferToThread), and a timeout around the offloaded call is
the style's cancellation. No thread can be stopped from outside: concurrent.futures' Future.cancel
refuses a running call, so asyncio (uvloop and rloop alike, through the loop's default executor) and
Twisted (deferToThread's Deferred has no canceller) raise their timeout error at once while the call runs
on in its thread; trio.to_thread.run_sync ignores the cancellation by default (abandon_on_cancel=False)
and returns only when the call ends. Either way the library's work (a query, on the server) goes on.
Here the call is time.sleep(2) with a 0.3 s timeout. Run: python offloaded_timeout.py RUNTIME
(asyncio, uvloop, rloop, trio, twisted, twisted-asyncio).
"""

import sys
import threading
import time
from typing import Any

RUNTIMES = ("asyncio", "uvloop", "rloop", "trio", "twisted", "twisted-asyncio")
if len(sys.argv) != 2 or sys.argv[1] not in RUNTIMES:
    sys.exit(f"usage: {sys.argv[0]} {'|'.join(RUNTIMES)}")
RUNTIME = sys.argv[1]
CALL_S, TIMEOUT_S = 2.0, 0.3
finished = threading.Event()


def blocking_call() -> str:
    time.sleep(CALL_S)
    finished.set()
    return "answer"


RESULT: list[tuple[int, str]] = []


def verdict(said: str, elapsed_s: float, running_at_the_end: bool) -> None:
    """Keep what happened: exit status 0 where the timeout left the call running (or waited for it)."""
    finished.wait(CALL_S + 5)
    then = "still running" if running_at_the_end else "over"
    print(f"{RUNTIME}: the offloaded {CALL_S:g} s call with a {TIMEOUT_S:g} s timeout gave {said} after "
          f"{elapsed_s * 1000:.0f} ms; the call was {then} then, and it "
          f"{'ran to its end' if finished.is_set() else 'never ended'}")
    if RUNTIME == "trio":
        RESULT.append((0, "REPRODUCED: trio.to_thread.run_sync ignored the cancellation and returned when "
                          "the call ended") if elapsed_s >= CALL_S * 0.9 else
                      (1, "NOT REPRODUCED: the timeout ended the wait before the call ended"))
    elif elapsed_s < CALL_S / 2 and running_at_the_end and finished.is_set():
        RESULT.append((0, "REPRODUCED: the timeout's error came at once, and the call ran on in its thread "
                          "to its end"))
    else:
        RESULT.append((1, "NOT REPRODUCED: the timeout stopped the call, or its error waited for the call"))


def asyncio_style() -> None:
    import asyncio

    async def main() -> None:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.to_thread(blocking_call), TIMEOUT_S)
            said = "the call's answer"
        except asyncio.TimeoutError:
            said = "TimeoutError"
        verdict(said, time.perf_counter() - started, not finished.is_set())

    loop: asyncio.AbstractEventLoop
    if RUNTIME == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    elif RUNTIME == "rloop":
        import rloop

        loop = rloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def trio_style() -> None:
    import trio

    async def main() -> None:
        started = time.perf_counter()
        said = "the call's answer"
        try:
            with trio.fail_after(TIMEOUT_S):
                await trio.to_thread.run_sync(blocking_call)
        except trio.TooSlowError:
            said = "TooSlowError"
        verdict(said, time.perf_counter() - started, not finished.is_set())

    trio.run(main)


def twisted_style() -> None:
    if RUNTIME == "twisted-asyncio":
        from twisted.internet import asyncioreactor

        asyncioreactor.install()
    from twisted.internet import defer, threads
    from twisted.internet import reactor as installed

    reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)

    async def main() -> None:
        started = time.perf_counter()
        try:
            await threads.deferToThread(blocking_call).addTimeout(TIMEOUT_S, reactor)
            said = "the call's answer"
        except defer.TimeoutError:
            said = "TimeoutError"
        verdict(said, time.perf_counter() - started, not finished.is_set())
        reactor.stop()

    reactor.callWhenRunning(defer.Deferred.fromCoroutine, main())
    reactor.callLater(CALL_S + 10, reactor.stop)  # a bound: main() stops the reactor long before
    reactor.run()


if RUNTIME == "trio":
    trio_style()
elif RUNTIME.startswith("twisted"):
    twisted_style()
else:
    asyncio_style()
status, line = RESULT[0] if RESULT else (1, "NOT REPRODUCED: no verdict was reached")
print(line)
sys.exit(status)
