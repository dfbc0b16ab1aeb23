"""A worker thread hands results to the scheduler: hand-offs/s and CPU per hand-off.

A program that offloads blocking work to a thread has to get each result back to its scheduler. One
worker thread, started with the style's own offload, hands over result after result, each with the
style's documented call from a thread that waits until the scheduler has taken it (a round trip, so the
figure is the cost of one hand-off, not of a growing queue):

- sync: ``threading.Thread``; each result goes through a ``queue.Queue`` to the main thread, which
  answers on another (the reference: an OS thread switch each way; under gevent and eventlet the worker
  is a greenlet, as patching makes every ``threading.Thread``);
- asyncio: ``asyncio.to_thread``; ``asyncio.run_coroutine_threadsafe(coro, loop).result()``;
- trio: ``trio.to_thread.run_sync``; ``trio.from_thread.run_sync``;
- twisted: ``threads.deferToThread``; ``threads.blockingCallFromThread``.

gevent's own thread pool (``hub.threadpool``, ``AsyncResult``) is a gevent-only API that the sync style's
body cannot name: it is not measured here. Figures over a fixed window after a warm-up:
``handoffs_per_s`` and ``cpu_per_handoff_us`` (the process's CPU time, every thread, per hand-off).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from conformance import Context

TIMEOUT_S = 60.0
CHECK_EVERY = 50  # hand-offs between looks at the clock


def _rally(ctx: Context, hand_off: Callable[[int], Any]) -> tuple[float, float]:
    """Run in the worker thread: hand off for the warm-up, then measure a window. Returns
    (hand-offs per second, CPU µs per hand-off)."""

    def window(seconds: float) -> tuple[int, float, float]:
        count, started, cpu_started = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - started < seconds:
            for _ in range(CHECK_EVERY):
                if hand_off(count) != count:
                    raise AssertionError("the scheduler handed back another result")
                count += 1
        return count, time.perf_counter() - started, time.process_time() - cpu_started

    window(ctx.bench.warm_up_s)
    count, wall, cpu = window(ctx.bench.duration_s)
    return count / wall, cpu / count * 1e6


def _record(ctx: Context, figures: tuple[float, float]) -> None:
    ctx.measure("handoffs_per_s", figures[0])
    ctx.measure("cpu_per_handoff_us", figures[1])


def run_sync(ctx: Context) -> None:
    import queue
    import threading

    results: queue.Queue[int] = queue.Queue()
    taken: queue.Queue[int] = queue.Queue()
    figures: list[tuple[float, float]] = []

    def hand_off(result: int) -> int:
        results.put(result)
        return taken.get()

    def worker() -> None:
        try:
            figures.append(_rally(ctx, hand_off))
        finally:
            results.put(-1)

    thread = threading.Thread(target=worker)
    thread.start()
    while (result := results.get()) >= 0:  # the main thread takes each result
        taken.put(result)
    thread.join()
    if not figures:
        raise AssertionError("the worker thread ended without figures")
    _record(ctx, figures[0])


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()

    async def take(result: int) -> int:
        return result

    def hand_off(result: int) -> int:
        return asyncio.run_coroutine_threadsafe(take(result), loop).result()

    _record(ctx, await asyncio.to_thread(_rally, ctx, hand_off))


async def run_trio(ctx: Context) -> None:
    import trio

    def take(result: int) -> int:
        return result

    def hand_off(result: int) -> int:
        return trio.from_thread.run_sync(take, result)

    _record(ctx, await trio.to_thread.run_sync(_rally, ctx, hand_off))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, threads

    def take(result: int) -> int:
        return result

    def hand_off(result: int) -> int:
        taken: int = threads.blockingCallFromThread(reactor, take, result)
        return taken

    _record(ctx, await threads.deferToThread(_rally, ctx, hand_off))
