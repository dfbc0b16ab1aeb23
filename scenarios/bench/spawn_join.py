"""Spawn and join 100,000 tasks: tasks/s.

Each style starts N units of concurrency that do nothing and waits for all of them, the way its users
would: ``threading.Thread`` start then join (real threads; greenlets under gevent and eventlet), tasks
gathered with ``asyncio.gather``, ``nursery.start_soon`` in a trio nursery, coroutines wrapped with
``Deferred.fromCoroutine`` and gathered with ``gatherResults`` in Twisted. A warm-up batch of a tenth
runs first. The figure is ``tasks_per_s``: what one spawned unit costs, start to finish.
"""

from __future__ import annotations

import time

from conformance import Context

TIMEOUT_S = 120.0


def _count(ctx: Context) -> int:
    count: int = ctx.bench.scale(100_000, 5_000)
    return count


def _nothing() -> None:
    pass


def run_sync(ctx: Context) -> None:
    import threading

    def batch(count: int) -> float:
        started = time.perf_counter()
        threads = [threading.Thread(target=_nothing) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    count = _count(ctx)
    batch(count // 10)
    ctx.measure("tasks_per_s", count / batch(count))


async def _nothing_async() -> None:
    pass


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    async def batch(count: int) -> float:
        started = time.perf_counter()
        await asyncio.gather(*(asyncio.create_task(_nothing_async()) for _ in range(count)))
        return time.perf_counter() - started

    count = _count(ctx)
    await batch(count // 10)
    ctx.measure("tasks_per_s", count / await batch(count))


async def run_trio(ctx: Context) -> None:
    import trio

    async def batch(count: int) -> float:
        started = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(count):
                nursery.start_soon(_nothing_async)
        return time.perf_counter() - started

    count = _count(ctx)
    await batch(count // 10)
    ctx.measure("tasks_per_s", count / await batch(count))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    async def batch(count: int) -> float:
        started = time.perf_counter()
        await defer.gatherResults([defer.Deferred.fromCoroutine(_nothing_async())
                                   for _ in range(count)])
        return time.perf_counter() - started

    count = _count(ctx)
    await batch(count // 10)
    ctx.measure("tasks_per_s", count / await batch(count))
