"""_thread.interrupt_main() from a worker thread interrupts the main code's wait, as Ctrl-C would.

Reference semantics: a worker thread (a watchdog, a UI thread, a test runner's timeout) calls
``_thread.interrupt_main()`` while the main code waits (a 1 s sleep). Since Python 3.10 it simulates
SIGINT arriving in the main thread: it marks SIGINT as tripped (and writes to the ``set_wakeup_fd``
descriptor, if any), and the main thread runs the SIGINT handler the next time it runs Python code;
the default handler raises ``KeyboardInterrupt`` there. No signal is sent, so a blocking call in
progress is not interrupted: measured here (3.10 to 3.13), ``time.sleep(1)`` runs to its end and
``KeyboardInterrupt`` comes out of it as it returns, 0.8 s after the call. An event loop, which wakes up
when its worker thread finishes, runs the handler at once. Where SIGINT's handler is not a Python one,
nothing happens. The worker is the style's thread: ``threading.Thread`` (sync; a greenlet under gevent
and eventlet, as they patch it), ``asyncio.to_thread``, ``trio.to_thread.run_sync``, ``deferToThread``.

Why a user cares: it is the standard library's way for another thread to stop the main program
(``_thread.interrupt_main`` is what IDLE, test runners and watchdog threads use). If the runtime runs
the simulated handler somewhere else, or never wakes up to run it, the main code keeps waiting or the
interruption lands in the wrong place.

The contract is ``signals.sigint_in_recv``'s: each style's documented form of Ctrl-C reaches the
waiting code, at the latest as its wait ends (``latency_ms`` is the time from the worker's call to the
main code getting control back: the rest of the sleep in the reference, a few milliseconds on an event
loop; an interruption that never comes fails once the sleep is over):

- sync (threads, gevent, eventlet): ``KeyboardInterrupt`` out of ``time.sleep`` in the main code;
- asyncio: ``asyncio.CancelledError`` out of ``await asyncio.sleep()``, as the runner cancels the main
  task (3.11+: ``asyncio.Runner``'s SIGINT handler, which ``interrupt_main`` runs; before 3.11,
  ``KeyboardInterrupt`` out of the loop, after which ``asyncio.run()`` cancels the main task);
- trio: ``KeyboardInterrupt`` out of ``await trio.sleep()``;
- twisted: ``KeyboardInterrupt`` out of the awaited sleep (``reactor.run()`` installs its own SIGINT
  handler, which ``interrupt_main`` runs too: see ``signals.sigint_in_recv``).

If this process inherited SIGINT ignored, the cell is skipped (``interrupt_main`` then does nothing).
"""

from __future__ import annotations

import _thread
import signal
import threading
import time

from conformance import Context, sibling_module

_tw = sibling_module(__file__, "_twisted_signals")

TIMEOUT_S = 15.0
DELAY_S = 0.2  # the main code is waiting by then
WAIT_S = 1.0   # the main code's wait: a lost interruption fails after it


def _precondition(ctx: Context) -> None:
    if signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL):
        raise ctx.skip("SIGINT has no Python handler in this process (inherited SIG_IGN?), so "
                       "interrupt_main() does nothing")


def _interrupt(called: list[float]) -> None:
    """The worker: a moment after it starts, interrupt the main thread."""
    time.sleep(DELAY_S)
    called.append(time.monotonic())
    _thread.interrupt_main()


def _check(ctx: Context, called: list[float], waited: object, interrupted_at: float | None,
           what: str) -> None:
    ctx.expect(bool(called), "the worker thread never called _thread.interrupt_main()")
    ctx.expect(interrupted_at is not None,
               f"the main code's wait was not interrupted by _thread.interrupt_main() from a worker thread "
               f"({what} never reached it); it ended with {waited!r}")
    assert interrupted_at is not None
    ctx.expect(interrupted_at >= called[0],
               f"interrupted before the worker called interrupt_main(): {interrupted_at} < {called[0]}")
    ctx.measure("latency_ms", (interrupted_at - called[0]) * 1000)


def run_sync(ctx: Context) -> None:
    _precondition(ctx)
    called: list[float] = []
    waited: object = None
    interrupted_at = None
    worker = threading.Thread(target=_interrupt, args=(called,), name="interrupter")
    worker.start()
    try:
        try:
            time.sleep(WAIT_S)
            waited = f"the {WAIT_S:g} s sleep running to its end"
        except KeyboardInterrupt:
            interrupted_at = time.monotonic()
    finally:
        worker.join(WAIT_S)
    _check(ctx, called, waited, interrupted_at, "KeyboardInterrupt")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    _precondition(ctx)
    called: list[float] = []
    waited: object = None
    interrupted_at = None
    worker = asyncio.ensure_future(asyncio.to_thread(_interrupt, called))
    try:
        try:
            await asyncio.sleep(WAIT_S)
            waited = f"the {WAIT_S:g} s sleep running to its end"
        except asyncio.CancelledError:
            # The runner cancelled the main task: asyncio's form of Ctrl-C (stopped at the top).
            interrupted_at = time.monotonic()
    finally:
        # Before 3.11 asyncio.run() cancels every task after a KeyboardInterrupt, the worker's too: wait
        # for it to end either way (what it did is in `called`).
        await asyncio.wait({worker}, timeout=WAIT_S)
    _check(ctx, called, waited, interrupted_at, "the cancellation of the main task")


async def run_trio(ctx: Context) -> None:
    import trio

    _precondition(ctx)
    called: list[float] = []
    waited: object = None
    interrupted_at = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.to_thread.run_sync, _interrupt, called)
        try:
            await trio.sleep(WAIT_S)
            waited = f"the {WAIT_S:g} s sleep running to its end"
        except KeyboardInterrupt:
            interrupted_at = time.monotonic()
    _check(ctx, called, waited, interrupted_at, "KeyboardInterrupt")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor, task, threads

    _precondition(ctx)
    called: list[float] = []
    waited: object = None
    interrupted_at = None
    winner, stopped_at = 0, 0.0
    # reactor.run() installed Twisted's SIGINT handler (reactor.sigInt), which stops the reactor. The
    # documented place where a Twisted program gets control then is a "before" "shutdown" trigger.
    watch = _tw.ShutdownWatch()
    try:
        worker = threads.deferToThread(_interrupt, called)
        try:
            # The sleep, or the reactor's shutdown if that comes first.
            winner, result = await defer.race([task.deferLater(reactor, WAIT_S), watch.stopping]).addTimeout(
                WAIT_S + 1, reactor)
            if winner == 0:
                waited = f"the {WAIT_S:g} s sleep running to its end"
            else:
                stopped_at = result
        except KeyboardInterrupt:  # the reference's form of Ctrl-C, if it ever reached the await
            interrupted_at = time.monotonic()
        except defer.TimeoutError as exc:
            waited = exc
        await worker.addTimeout(WAIT_S, reactor)
        ctx.expect(interrupted_at is not None or winner != 1,
                   _tw.stopped_instead("awaited sleep", stopped_at, called))
        _check(ctx, called, waited, interrupted_at, "KeyboardInterrupt")
    finally:
        watch.close()
