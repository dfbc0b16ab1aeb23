"""SIGINT (Ctrl-C) while the program is idle in a sleep interrupts it, and its finally blocks run.

Reference semantics (POSIX): the parent sends SIGINT, as a terminal's Ctrl-C would, while the main
thread sleeps 3 s; Python's default SIGINT handler raises ``KeyboardInterrupt`` in the main thread, out
of ``time.sleep``, so the program's ``finally`` blocks run and its top level can catch it. What the
program's own code sees is each style's documented form of that interruption:

- sync (threads, gevent, eventlet): ``KeyboardInterrupt`` raised out of the ``time.sleep`` call;
- asyncio (3.11+ ``asyncio.run``/``asyncio.Runner``, on every loop): the runner's SIGINT handler
  cancels the main task, so ``asyncio.CancelledError`` is raised at the program's ``await`` and the
  stack unwinds through its ``finally`` blocks; ``asyncio.run()`` itself raises ``KeyboardInterrupt``
  only after the main task has finished (https://docs.python.org/3/library/asyncio-runner.html
  #handling-keyboard-interruption). That last step happens outside the body, in the suite's runner,
  so the body stops the cancellation at its top, as it stops ``KeyboardInterrupt`` in the other
  styles, and checks what it can observe: the await was interrupted, promptly, and the finally ran.
  Before Python 3.11 the runner has no SIGINT handler: ``KeyboardInterrupt`` is raised wherever the
  main thread is, usually inside the loop's ``select()``, and ``asyncio.run()`` (``uvloop.run()``
  copies it) then cancels the main task, runs it to its end and raises ``KeyboardInterrupt`` again, so
  the program's code sees the same ``CancelledError`` (https://github.com/python/cpython/issues/83803);
- trio: ``trio.run`` raises ``KeyboardInterrupt`` in whatever task is running, or, when none is (as
  here), wakes the main task, which is the body, with it at its checkpoint: out of ``trio.sleep``
  (https://trio.readthedocs.io/en/stable/reference-core.html#trio.run).

The check: the sleep is interrupted (not completed), by the style's form of the interruption, after
the signal was sent, and the ``finally`` block ran. ``latency_ms`` is the time from the parent's
``kill()`` to the moment the program's code got control back. Ctrl-C is how every interactive user
and many supervisors stop a program: a runtime that swallows it, or delays it until the sleep ends,
makes the program unstoppable. If this process inherited SIGINT ignored, there is nothing to observe
and the cell is skipped. On Windows the equivalent is a CTRL_C_EVENT to the console process group,
which the suite does not deliver yet: the scenario is not applicable there.
"""

from __future__ import annotations

import signal
import time

from conformance import Context, sibling_module

_tw = sibling_module(__file__, "_twisted_signals")

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no kill() of SIGINT (its Ctrl-C is a console event)"}
TIMEOUT_S = 15.0
DELAY_S = 0.3  # the parent sends the signal this long after the request: the body is asleep by then
WAIT_S = 3.0   # the sleep the signal must interrupt; a lost signal fails after it


def _precondition(ctx: Context) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        raise ctx.skip("SIGINT is ignored in this process (inherited SIG_IGN), so Ctrl-C cannot be observed")


def _check(ctx: Context, sent: list[float], interrupted_at: float | None, finally_ran: bool,
           what: str) -> None:
    ctx.expect(interrupted_at is not None, f"the {WAIT_S:.0f} s sleep was not interrupted by SIGINT "
                                           f"({what} never reached the program)")
    assert interrupted_at is not None
    ctx.expect(finally_ran, "the finally block around the interrupted sleep did not run")
    ctx.expect_equal(len(sent), 1, "SIGINTs the parent logged")
    ctx.expect(interrupted_at >= sent[0],
               f"interrupted before the signal was sent: {interrupted_at} < {sent[0]}")
    ctx.measure("latency_ms", (interrupted_at - sent[0]) * 1000)


def run_sync(ctx: Context) -> None:
    _precondition(ctx)
    interrupted_at = None
    finally_ran = False
    ctx.send_signal("SIGINT", delay_s=DELAY_S)
    try:
        try:
            time.sleep(WAIT_S)
        finally:
            finally_ran = True
    except KeyboardInterrupt:
        interrupted_at = time.monotonic()
    deadline = time.monotonic() + WAIT_S  # the parent logs the send just after kill()
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        time.sleep(0.01)
    _check(ctx, sent, interrupted_at, finally_ran, "KeyboardInterrupt")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    _precondition(ctx)
    interrupted_at = None
    finally_ran = False
    ctx.send_signal("SIGINT", delay_s=DELAY_S)
    try:
        try:
            await asyncio.sleep(WAIT_S)
        finally:
            finally_ran = True
    except asyncio.CancelledError:
        # The main task was cancelled: asyncio.run()'s form of Ctrl-C. Stopping it here, at the top of
        # the program, is the body's equivalent of catching KeyboardInterrupt around asyncio.run().
        interrupted_at = time.monotonic()
    deadline = time.monotonic() + WAIT_S
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    _check(ctx, sent, interrupted_at, finally_ran, "the cancellation of the main task")


async def run_trio(ctx: Context) -> None:
    import trio

    _precondition(ctx)
    interrupted_at = None
    finally_ran = False
    ctx.send_signal("SIGINT", delay_s=DELAY_S)
    try:
        try:
            await trio.sleep(WAIT_S)
        finally:
            finally_ran = True
    except KeyboardInterrupt:
        interrupted_at = time.monotonic()
    deadline = time.monotonic() + WAIT_S
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        await trio.sleep(0.01)
    _check(ctx, sent, interrupted_at, finally_ran, "KeyboardInterrupt")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor, task

    _precondition(ctx)
    interrupted_at = None
    finally_ran = False
    winner, stopped_at = 0, 0.0
    # reactor.run() installed Twisted's SIGINT handler (reactor.sigInt), which stops the reactor. The
    # documented place where a Twisted program gets control then is a "before" "shutdown" trigger.
    watch = _tw.ShutdownWatch()
    try:
        ctx.send_signal("SIGINT", delay_s=DELAY_S)
        try:
            try:
                # The sleep, or the reactor's shutdown if that comes first (winner 0: the sleep ended).
                winner, stopped_at = await defer.race([task.deferLater(reactor, WAIT_S), watch.stopping])
            finally:
                finally_ran = True
        except KeyboardInterrupt:  # the reference's form of Ctrl-C, if it ever reached the await
            interrupted_at = time.monotonic()
        sent = await _tw.signals_sent(ctx, WAIT_S)
        # the reactor began to stop instead of raising in the awaiting coroutine
        ctx.expect(interrupted_at is not None or winner != 1,
                   _tw.stopped_instead(f"{WAIT_S:.0f} s awaited sleep", stopped_at, sent))
        _check(ctx, sent, interrupted_at, finally_ran, "KeyboardInterrupt")
    finally:
        watch.close()
