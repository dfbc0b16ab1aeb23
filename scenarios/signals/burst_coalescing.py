"""A burst of 10 SIGUSR1: the handler runs at least once, and the program keeps handling signals.

Reference semantics (POSIX): the parent sends SIGUSR1 ten times back to back (no pause between the
``kill()`` calls) to a program with a SIGUSR1 handler installed the style's way (``signal.signal``;
``loop.add_signal_handler``; ``trio.open_signal_receiver``). Standard POSIX signals are not queued: the
kernel keeps one pending SIGUSR1, and Python (which only sets a flag per signal until the main thread
runs the handlers), an event loop's wakeup pipe or trio's receiver may merge more, so any number of
handler calls from 1 to 10 is correct. ``handler_calls`` reports how many were observed. After the burst
the program must still be handling the signal: one more SIGUSR1 is sent and must reach the handler.

The check: at least one call for the burst, never more than the signals sent, and a further call for
the single signal after it. A program that reloads its configuration on SIGHUP, or dumps statistics on
SIGUSR1, gets such bursts from scripts and supervisors; it must count on "at least once", never on
"once per signal", and must not be left deaf or broken by a burst.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import AsyncIterator, Callable

from conformance import Context, sibling_module

_tw = sibling_module(__file__, "_twisted_signals")

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no SIGUSR1"}
TIMEOUT_S = 15.0
BURST = 10
DELAY_S = 0.3
SETTLE_S = 0.2  # after the whole burst was sent and handled once, the calls still due have come
WAIT_S = 3.0


def _check_burst(ctx: Context, sent: list[float], calls: list[float]) -> None:
    ctx.expect_equal(len(sent), BURST, "SIGUSR1s the parent logged for the burst")
    ctx.measure("handler_calls", len(calls))
    ctx.expect(calls, f"the handler did not run for a burst of {BURST} SIGUSR1")
    ctx.expect(len(calls) <= BURST, f"the handler ran {len(calls)} times for {BURST} signals")
    ctx.expect(calls[0] >= sent[0], f"handled before the first signal was sent: {calls[0]} < {sent[0]}")
    ctx.measure("latency_ms", (calls[0] - sent[0]) * 1000)


def _check_after(ctx: Context, calls_before: int, calls: list[float]) -> None:
    ctx.expect(len(calls) > calls_before,
               f"the handler did not run for the single SIGUSR1 sent after the burst (within {WAIT_S:.0f} s)")


def run_sync(ctx: Context) -> None:
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    calls: list[float] = []

    def on_sigusr1(signum: int, frame: object) -> None:
        calls.append(time.monotonic())

    def wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)

    previous = signal.signal(signal.SIGUSR1, on_sigusr1)
    try:
        ctx.send_signal("SIGUSR1", delay_s=DELAY_S, count=BURST, interval_s=0)
        wait_for(lambda: len(ctx.signals_sent()) >= BURST and bool(calls), DELAY_S + WAIT_S)
        time.sleep(SETTLE_S)
        _check_burst(ctx, ctx.signals_sent(), calls)
        before = len(calls)
        ctx.send_signal("SIGUSR1", delay_s=0.05)
        wait_for(lambda: len(calls) > before, WAIT_S)
        _check_after(ctx, before, calls)
    finally:
        signal.signal(signal.SIGUSR1, previous)


async def run_asyncio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import asyncio

    loop = asyncio.get_running_loop()
    calls: list[float] = []

    async def wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    loop.add_signal_handler(signal.SIGUSR1, lambda: calls.append(time.monotonic()))
    # The handler stays until asyncio.run() closes the loop, which removes it.
    ctx.send_signal("SIGUSR1", delay_s=DELAY_S, count=BURST, interval_s=0)
    await wait_for(lambda: len(ctx.signals_sent()) >= BURST and bool(calls), DELAY_S + WAIT_S)
    await asyncio.sleep(SETTLE_S)
    _check_burst(ctx, ctx.signals_sent(), calls)
    before = len(calls)
    ctx.send_signal("SIGUSR1", delay_s=0.05)
    await wait_for(lambda: len(calls) > before, WAIT_S)
    _check_after(ctx, before, calls)


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import trio

    calls: list[float] = []

    async def wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:
            await trio.sleep(0.01)

    async def handle(signals: AsyncIterator[int]) -> None:
        # Until the body cancels the nursery, or at the latest the cell's deadline.
        with trio.move_on_after(TIMEOUT_S):
            async for _ in signals:
                calls.append(time.monotonic())

    with trio.open_signal_receiver(signal.SIGUSR1) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(handle, signals)
            ctx.send_signal("SIGUSR1", delay_s=DELAY_S, count=BURST, interval_s=0)
            await wait_for(lambda: len(ctx.signals_sent()) >= BURST and bool(calls), DELAY_S + WAIT_S)
            await trio.sleep(SETTLE_S)
            _check_burst(ctx, ctx.signals_sent(), calls)
            before = len(calls)
            ctx.send_signal("SIGUSR1", delay_s=0.05)
            await wait_for(lambda: len(calls) > before, WAIT_S)
            _check_after(ctx, before, calls)
            nursery.cancel_scope.cancel()


async def run_twisted(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    from twisted.internet import reactor, task

    calls: list[float] = []

    def on_sigusr1(signum: int) -> None:  # on the reactor: the signal handler hands it over
        calls.append(time.monotonic())

    # Twisted has no API of its own for SIGUSR1: signal.signal in the reactor thread, handing the
    # work to the reactor with callFromThread as Twisted's own handlers do.
    previous = _tw.install_handler(signal.SIGUSR1, on_sigusr1)
    try:
        ctx.send_signal("SIGUSR1", delay_s=DELAY_S, count=BURST, interval_s=0)
        await _tw.wait_until(lambda: len(ctx.signals_sent()) >= BURST and bool(calls), DELAY_S + WAIT_S)
        await task.deferLater(reactor, SETTLE_S)
        _check_burst(ctx, ctx.signals_sent(), calls)
        before = len(calls)
        ctx.send_signal("SIGUSR1", delay_s=0.05)
        await _tw.wait_until(lambda: len(calls) > before, WAIT_S)
        _check_after(ctx, before, calls)
    finally:
        signal.signal(signal.SIGUSR1, previous)
