"""A signal handler that raises: the exception surfaces where the style's contract says it does.

Reference semantics (POSIX): a SIGUSR1 handler installed with ``signal.signal`` raises
``RuntimeError``; the parent sends SIGUSR1 while the main thread sleeps 3 s. Python runs the handler in
the main thread and its exception is raised there, "out of thin air", at the point the main thread was
executing: here out of ``time.sleep``, which is cut short, so the program catches it around the sleep
(https://docs.python.org/3/library/signal.html#note-on-signal-handlers-and-exceptions). Each style has
its own documented contract for an exception in the code that handles a signal, and that is what is
checked:

- sync (threads, gevent, eventlet; unchanged stdlib code): the ``RuntimeError`` comes out of the
  ``time.sleep`` call of the program, well before the 3 s are up;
- asyncio: a callback registered with ``loop.add_signal_handler`` runs as a loop callback, and an
  exception it raises goes to the loop's exception handler (``context["exception"]``), not to any
  awaiting code; the loop and the program's tasks keep running
  (https://docs.python.org/3/library/asyncio-eventloop.html#error-handling-api);
- trio: the code that handles a signal is the program's own ``async for`` over
  ``trio.open_signal_receiver``, so the exception propagates out of that loop like any other, and
  leaving the ``with`` block restores the signal's previous disposition.

``latency_ms`` is the time from the parent's ``kill()`` to the exception reaching the place the contract
names. Code that raises from a handler (``SystemExit``, or a custom "shutdown" exception, to unwind the
main program) relies on it arriving exactly there; an exception that vanishes, or kills the event loop
instead, turns a controlled shutdown into a hang or a crash.
"""

from __future__ import annotations

import signal
import sys
import time

from conformance import Context, sibling_module

_tw = sibling_module(__file__, "_twisted_signals")

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no SIGUSR1"}
TIMEOUT_S = 15.0
DELAY_S = 0.3
WAIT_S = 3.0
MESSAGE = "raised by the SIGUSR1 handler"


def _raise(signum: int) -> None:
    raise RuntimeError(MESSAGE)


def _latency(ctx: Context, seen_at: float, sent: list[float]) -> None:
    ctx.expect_equal(len(sent), 1, "SIGUSR1s the parent logged")
    ctx.expect(seen_at >= sent[0], f"seen before the signal was sent: {seen_at} < {sent[0]}")
    ctx.measure("latency_ms", (seen_at - sent[0]) * 1000)


def run_sync(ctx: Context) -> None:
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    caught: RuntimeError | None = None
    seen_at = 0.0

    def on_sigusr1(signum: int, frame: object) -> None:
        _raise(signum)

    previous = signal.signal(signal.SIGUSR1, on_sigusr1)
    try:
        ctx.send_signal("SIGUSR1", delay_s=DELAY_S)
        started = time.monotonic()
        try:
            time.sleep(WAIT_S)
        except RuntimeError as exc:
            caught, seen_at = exc, time.monotonic()
        slept = time.monotonic() - started
    finally:
        signal.signal(signal.SIGUSR1, previous)
    ctx.expect(caught is not None,
               f"the handler's RuntimeError did not come out of the main thread's time.sleep "
               f"(the sleep ran {slept:.2f} s to its end)")
    ctx.expect_equal(str(caught), MESSAGE, "the exception out of the sleep")
    deadline = time.monotonic() + WAIT_S  # the parent logs the send just after kill()
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        time.sleep(0.01)
    _latency(ctx, seen_at, sent)


async def run_asyncio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import asyncio

    loop = asyncio.get_running_loop()
    reported: list[tuple[dict[str, object], float]] = []
    got_it = asyncio.Event()

    def on_error(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        reported.append((context, time.monotonic()))
        got_it.set()

    def on_sigusr1() -> None:
        _raise(signal.SIGUSR1)

    loop.set_exception_handler(on_error)
    try:
        loop.add_signal_handler(signal.SIGUSR1, on_sigusr1)
        ctx.send_signal("SIGUSR1", delay_s=DELAY_S)
        try:
            await asyncio.wait_for(got_it.wait(), WAIT_S)
        except asyncio.TimeoutError:
            pass  # reported by the check
        # The program's tasks keep running on the same loop after the callback failed.
        await asyncio.wait_for(asyncio.sleep(0.01), WAIT_S)
    finally:
        loop.set_exception_handler(None)
    ctx.expect(reported, "the handler set with loop.set_exception_handler, called as handler(loop, context), "
                         f"did not receive the callback's exception within {WAIT_S:.0f} s of the signal")
    context, seen_at = reported[0]
    exc = context.get("exception")
    ctx.expect(isinstance(exc, RuntimeError) and str(exc) == MESSAGE,
               f"the exception handler's context['exception'] is {exc!r}, not the handler's RuntimeError "
               f"(context: {context.get('message')!r})")
    deadline = time.monotonic() + WAIT_S
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    _latency(ctx, seen_at, sent)


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import trio

    caught: RuntimeError | None = None
    seen_at = 0.0
    with trio.open_signal_receiver(signal.SIGUSR1) as signals:
        ctx.send_signal("SIGUSR1", delay_s=DELAY_S)
        try:
            with trio.move_on_after(WAIT_S):
                async for signum in signals:
                    _raise(signum)
        except RuntimeError as exc:
            caught, seen_at = exc, time.monotonic()
    ctx.expect(caught is not None,
               f"the RuntimeError raised while handling SIGUSR1 did not come out of the receiver loop "
               f"within {WAIT_S:.0f} s")
    ctx.expect_equal(str(caught), MESSAGE, "the exception out of the receiver loop")
    ctx.expect_equal(signal.getsignal(signal.SIGUSR1), signal.SIG_DFL,
                     "the SIGUSR1 disposition after leaving open_signal_receiver")
    deadline = time.monotonic() + WAIT_S
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        await trio.sleep(0.01)
    _latency(ctx, seen_at, sent)


async def run_twisted(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    from twisted.internet import defer, reactor, task
    from twisted.logger import globalLogPublisher

    # Twisted's contract for code the reactor calls (callLater, callFromThread): an exception it raises
    # is logged as a failure event (log_failure) and the reactor and the program's other work keep
    # running. The handler hands the signal to the reactor with callFromThread, as Twisted's own
    # handlers do, and the callback raises there.
    reported: list[tuple[object, float]] = []
    got_it: defer.Deferred[None] = defer.Deferred()

    def observer(event: dict[str, object]) -> None:
        failure = event.get("log_failure")
        if failure is not None:
            reported.append((failure, time.monotonic()))
            if not got_it.called:
                # a zope.interface method, declared without self: mypy reads it right only through
                # the mypy-zope plugin, and takes the first argument for self
                reactor.callLater(0, got_it.callback, None)  # type: ignore[arg-type, unused-ignore]

    # Any callable of an event is an ILogObserver (Twisted's logger docs); mypy cannot see a function
    # provide a zope.interface interface. (This body's ignores are unused under --platform win32, where
    # mypy skips the body.)
    globalLogPublisher.addObserver(observer)  # type: ignore[arg-type, unused-ignore]
    try:
        previous = _tw.install_handler(signal.SIGUSR1, _raise)
        try:
            ctx.send_signal("SIGUSR1", delay_s=DELAY_S)
            try:
                await got_it.addTimeout(WAIT_S, reactor)
            except defer.TimeoutError:
                pass  # reported by the check
            # The program's work keeps running on the same reactor after the callback failed.
            await task.deferLater(reactor, 0.01).addTimeout(WAIT_S, reactor)
        finally:
            signal.signal(signal.SIGUSR1, previous)
    finally:
        globalLogPublisher.removeObserver(observer)  # type: ignore[arg-type, unused-ignore]  # as above
    ctx.expect(reported, "no failure was logged (a twisted.logger event with log_failure) for the exception "
                         "raised by the callback the SIGUSR1 handler scheduled, "
                         f"within {WAIT_S:.0f} s of the signal")
    failure, seen_at = reported[0]
    exc = getattr(failure, "value", None)
    ctx.expect(isinstance(exc, RuntimeError) and str(exc) == MESSAGE,
               f"the logged failure is {exc!r}, not the handler's RuntimeError")
    sent = await _tw.signals_sent(ctx, WAIT_S)
    _latency(ctx, seen_at, sent)
