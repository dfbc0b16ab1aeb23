"""A SIGTERM handler installed the style's way runs when a supervisor sends SIGTERM.

Reference semantics (POSIX): the program installs a SIGTERM handler with ``signal.signal`` and waits
(bounded, 3 s) on a ``threading.Event`` that the handler sets; the parent sends SIGTERM, as systemd,
Docker or Kubernetes do to stop a service. Python runs the handler in the main thread, once, with
``SIGTERM`` as its argument; the wait returns, and the process is still alive to shut down cleanly.
Each style installs the handler its own documented way:

- sync (threads, gevent, eventlet): ``signal.signal(SIGTERM, handler)`` and a ``threading.Event``,
  unchanged stdlib code (gevent also offers ``gevent.signal_handler``, but the promise of the sync
  style is that the stdlib idiom works);
- asyncio: ``loop.add_signal_handler(SIGTERM, callback)`` setting an ``asyncio.Event``;
- trio: ``with trio.open_signal_receiver(SIGTERM)``, iterated by the program;
- twisted: ``reactor.run()`` installs Twisted's own SIGTERM handler (``reactor.sigTerm``), which stops the
  reactor; the program's graceful shutdown is a ``"before"`` ``"shutdown"`` system event trigger, and the
  signal is ``reactor._exitSignal`` (as ``twistd`` reads it).

The check: the handler ran exactly once, for SIGTERM, after the parent sent it; ``latency_ms`` is the
time from the parent's ``kill()`` to the handler starting. Then the program stops handling SIGTERM the
style's way (``signal.signal(SIGTERM, previous)``, ``loop.remove_signal_handler(SIGTERM)``, leaving the
``with`` block; for Twisted, ``reactor.run()`` returning) and the disposition is back to ``SIG_DFL``.
Graceful shutdown of every long-running service hangs on this: a handler that never runs means the
supervisor's SIGKILL a few seconds later, and lost work.

Twisted's way of stopping to handle SIGTERM ends the program's reactor, and in a cell the reactor
returns only after the body has finished: so the Twisted body checks the disposition after
``reactor.run()`` has returned in a Twisted program of its own, on a reactor of the same class, which it
starts (``getProcessOutputAndValue``), stops with SIGTERM and asks (``_twisted_signals``). Checked
inside ``reactor.run()``, during the shutdown, the disposition would still be Twisted's whatever
Twisted does when the reactor has stopped.
"""

from __future__ import annotations

import signal
import time

from conformance import Context, sibling_module

_tw = sibling_module(__file__, "_twisted_signals")

NOT_APPLICABLE = {"win32": "POSIX signals: on Windows os.kill(pid, SIGTERM) is TerminateProcess"}
TIMEOUT_S = 15.0
DELAY_S = 0.3  # the body is waiting by then
WAIT_S = 3.0   # a lost signal fails after this


def _check(ctx: Context, sent: list[float], calls: list[tuple[int, float]]) -> None:
    ctx.expect(calls, f"the SIGTERM handler did not run within {WAIT_S:.0f} s of the signal")
    ctx.expect_equal([signal.Signals(signum).name for signum, _ in calls], ["SIGTERM"],
                     "the signals the handler was called for")
    ctx.expect_equal(len(sent), 1, "SIGTERMs the parent logged")
    handled_at = calls[0][1]
    ctx.expect(handled_at >= sent[0], f"handled before the signal was sent: {handled_at} < {sent[0]}")
    ctx.measure("latency_ms", (handled_at - sent[0]) * 1000)


def _check_restored(ctx: Context) -> None:
    ctx.expect_equal(signal.getsignal(signal.SIGTERM), signal.SIG_DFL,
                     "the SIGTERM disposition after the program stopped handling it")


def run_sync(ctx: Context) -> None:
    import threading

    calls: list[tuple[int, float]] = []
    stop = threading.Event()

    def on_sigterm(signum: int, frame: object) -> None:
        calls.append((signum, time.monotonic()))
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        ctx.send_signal("SIGTERM", delay_s=DELAY_S)
        stop.wait(WAIT_S)
        time.sleep(0.05)  # a second call, if any, would come now
        deadline = time.monotonic() + WAIT_S  # the parent logs the send just after kill()
        while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
            time.sleep(0.01)
        _check(ctx, sent, calls)
    finally:
        signal.signal(signal.SIGTERM, previous)
    _check_restored(ctx)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    calls: list[tuple[int, float]] = []
    stop = asyncio.Event()

    def on_sigterm() -> None:
        calls.append((signal.SIGTERM, time.monotonic()))
        stop.set()

    loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        ctx.send_signal("SIGTERM", delay_s=DELAY_S)
        try:
            await asyncio.wait_for(stop.wait(), WAIT_S)
        except asyncio.TimeoutError:
            pass  # reported by the check
        await asyncio.sleep(0.05)
        deadline = time.monotonic() + WAIT_S
        while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        _check(ctx, sent, calls)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
    _check_restored(ctx)


async def run_trio(ctx: Context) -> None:
    import trio

    calls: list[tuple[int, float]] = []
    with trio.open_signal_receiver(signal.SIGTERM) as signals:
        ctx.send_signal("SIGTERM", delay_s=DELAY_S)
        with trio.move_on_after(WAIT_S):
            async for signum in signals:
                calls.append((signum, time.monotonic()))
                break
        with trio.move_on_after(0.05):
            async for signum in signals:
                calls.append((signum, time.monotonic()))
        deadline = time.monotonic() + WAIT_S
        while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
            await trio.sleep(0.01)
        _check(ctx, sent, calls)
    _check_restored(ctx)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor, task

    calls: list[tuple[int, float]] = []
    # First, what a Twisted program stopped by SIGTERM finds once reactor.run() has returned.
    after_run = await _tw.disposition_after_run(WAIT_S * 3)
    # Twisted's way: reactor.run() installed its SIGTERM handler (reactor.sigTerm), which stops the
    # reactor; the program's graceful shutdown is a "before" "shutdown" trigger, which may hold the
    # shutdown with a Deferred until its work is done (here: until the checks are made).
    watch = _tw.ShutdownWatch()
    try:
        ctx.send_signal("SIGTERM", delay_s=DELAY_S)
        try:
            stopped_at = await watch.stopping.addTimeout(WAIT_S, reactor)
        except defer.TimeoutError:
            pass  # reported by the check
        else:
            # The signal that stopped the reactor, as twistd and twist read it (twisted.application.app).
            calls.append((reactor._exitSignal, stopped_at))
        await task.deferLater(reactor, 0.05)
        sent = await _tw.signals_sent(ctx, WAIT_S)
        _check(ctx, sent, calls)
    finally:
        watch.close()  # the shutdown goes on (or the trigger is removed, if SIGTERM never came)
    ctx.measure("after_run_stop_ms", after_run["elapsed_s"] * 1000)
    ctx.expect(after_run["elapsed_s"] < WAIT_S, "the Twisted program that was sent SIGTERM did not stop "
                                                f"within {WAIT_S:g} s")
    ctx.expect(after_run["restored"], "the SIGTERM disposition after the program stopped handling it "
                                      "(after reactor.run() returned, in a Twisted program stopped by "
                                      f"SIGTERM): expected SIG_DFL, got {after_run['disposition']}")
