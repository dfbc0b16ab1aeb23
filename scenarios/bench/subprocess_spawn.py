"""Subprocess spawn and wait: children/s, running ``/bin/true`` from 4 concurrent workers.

``sys.executable -c pass`` would measure the interpreter's start-up, not the runtime, so the child is
``true`` (found on PATH; the cell is not-applicable where there is none). Each style spawns and waits the
way its users would: ``subprocess.run`` in 4 threads (greenlets under gevent and eventlet),
``asyncio.create_subprocess_exec`` then ``wait()`` in 4 tasks, ``trio.run_process`` in 4 tasks,
``reactor.spawnProcess`` with a ``ProcessProtocol`` whose ``processEnded`` fires a Deferred in Twisted.
Each worker spawns and waits again and again for a fixed window (0.8 s, after a warm-up of a quarter
of it); the figure, ``children_per_s``, counts the children that ended over the time until the last
one did.
"""

from __future__ import annotations

import shutil
import time

from conformance import Context

TIMEOUT_S = 120.0
WORKERS = 4


def _plan(ctx: Context) -> tuple[str, float]:
    program = shutil.which("true")
    if program is None:
        raise ctx.not_applicable("no `true` program on PATH to spawn")
    return program, 2 * float(ctx.bench.duration_s)


def run_sync(ctx: Context) -> None:
    import subprocess
    import threading

    program, window = _plan(ctx)
    codes: list[int] = []

    def worker(until: float) -> None:
        while time.perf_counter() < until:
            codes.append(subprocess.run([program]).returncode)

    def batch(seconds: float) -> float:
        started = time.perf_counter()
        codes.clear()
        threads = [threading.Thread(target=worker, args=(started + seconds,)) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return len(codes) / (time.perf_counter() - started)

    batch(window / 4)
    ctx.measure("children_per_s", batch(window))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    program, window = _plan(ctx)
    codes: list[int] = []

    async def worker(until: float) -> None:
        while time.perf_counter() < until:
            child = await asyncio.create_subprocess_exec(program)
            codes.append(await child.wait())

    async def batch(seconds: float) -> float:
        started = time.perf_counter()
        codes.clear()
        await asyncio.gather(*(worker(started + seconds) for _ in range(WORKERS)))
        return len(codes) / (time.perf_counter() - started)

    await batch(window / 4)
    ctx.measure("children_per_s", await batch(window))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")


async def run_trio(ctx: Context) -> None:
    import trio

    program, window = _plan(ctx)
    codes: list[int] = []

    async def worker(until: float) -> None:
        while time.perf_counter() < until:
            codes.append((await trio.run_process([program])).returncode)

    async def batch(seconds: float) -> float:
        started = time.perf_counter()
        codes.clear()
        async with trio.open_nursery() as nursery:
            for _ in range(WORKERS):
                nursery.start_soon(worker, started + seconds)
        return len(codes) / (time.perf_counter() - started)

    await batch(window / 4)
    ctx.measure("children_per_s", await batch(window))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    from conformance.support.twisted_processes import spawn

    program, window = _plan(ctx)
    codes: list[int | None] = []

    async def worker(until: float) -> None:
        while time.perf_counter() < until:
            child = spawn([program], childFDs={0: "w", 1: "r", 2: "r"})
            codes.append(await child.wait_ended())

    async def batch(seconds: float) -> float:
        started = time.perf_counter()
        codes.clear()
        await defer.gatherResults([defer.Deferred.fromCoroutine(worker(started + seconds))
                                   for _ in range(WORKERS)])
        return len(codes) / (time.perf_counter() - started)

    await batch(window / 4)
    ctx.measure("children_per_s", await batch(window))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")
