"""Ping-pong between two tasks through the runtime's own queue: switches/s.

Two units of concurrency pass a token back and forth, each waiting on its own queue: ``queue.Queue``
between two threads (greenlets under gevent and eventlet), ``asyncio.Queue`` between two tasks, trio
memory channels of capacity 0, Twisted ``DeferredQueue``s between two coroutines. Every hand-over is a
context switch of the runtime (an OS thread switch for threads). The figure, ``switches_per_s``, counts
two per round trip over a fixed window, after a warm-up.
"""

from __future__ import annotations

import time

from conformance import Context

TIMEOUT_S = 60.0
CHECK_EVERY = 100  # round trips between looks at the clock


def _windows(ctx: Context) -> tuple[float, float]:
    return ctx.bench.warm_up_s, ctx.bench.duration_s


def run_sync(ctx: Context) -> None:
    import queue
    import threading

    pings: queue.Queue[int] = queue.Queue()
    pongs: queue.Queue[int] = queue.Queue()

    def ponger() -> None:
        while (token := pings.get()) >= 0:
            pongs.put(token)

    thread = threading.Thread(target=ponger)
    thread.start()

    def rally(seconds: float) -> float:
        trips, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(CHECK_EVERY):
                pings.put(trips)
                pongs.get()
            trips += CHECK_EVERY
        return 2 * trips / (time.perf_counter() - started)

    warm_up, window = _windows(ctx)
    rally(warm_up)
    ctx.measure("switches_per_s", rally(window))
    pings.put(-1)
    thread.join()


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    pings: asyncio.Queue[int] = asyncio.Queue()
    pongs: asyncio.Queue[int] = asyncio.Queue()

    async def ponger() -> None:
        while (token := await pings.get()) >= 0:
            pongs.put_nowait(token)

    task = asyncio.create_task(ponger())

    async def rally(seconds: float) -> float:
        trips, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(CHECK_EVERY):
                pings.put_nowait(trips)
                await pongs.get()
            trips += CHECK_EVERY
        return 2 * trips / (time.perf_counter() - started)

    warm_up, window = _windows(ctx)
    await rally(warm_up)
    ctx.measure("switches_per_s", await rally(window))
    pings.put_nowait(-1)
    await task


async def run_trio(ctx: Context) -> None:
    import trio

    ping_send, ping_receive = trio.open_memory_channel[int](0)
    pong_send, pong_receive = trio.open_memory_channel[int](0)

    async def ponger() -> None:
        async for token in ping_receive:
            await pong_send.send(token)

    async def rally(seconds: float) -> float:
        trips, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(CHECK_EVERY):
                await ping_send.send(trips)
                await pong_receive.receive()
            trips += CHECK_EVERY
        return 2 * trips / (time.perf_counter() - started)

    warm_up, window = _windows(ctx)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(ponger)
        await rally(warm_up)
        ctx.measure("switches_per_s", await rally(window))
        await ping_send.aclose()


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    pings: defer.DeferredQueue[int] = defer.DeferredQueue()
    pongs: defer.DeferredQueue[int] = defer.DeferredQueue()

    async def ponger() -> None:
        while (token := await pings.get()) >= 0:
            pongs.put(token)

    done = defer.Deferred.fromCoroutine(ponger())

    async def rally(seconds: float) -> float:
        trips, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(CHECK_EVERY):
                pings.put(trips)
                await pongs.get()
            trips += CHECK_EVERY
        return 2 * trips / (time.perf_counter() - started)

    warm_up, window = _windows(ctx)
    await rally(warm_up)
    ctx.measure("switches_per_s", await rally(window))
    pings.put(-1)
    await done
