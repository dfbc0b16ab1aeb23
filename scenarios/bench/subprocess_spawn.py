"""Subprocess spawn and wait: children/s, running ``/bin/true`` from 4 concurrent workers.

``sys.executable -c pass`` would measure the interpreter's start-up, not the runtime, so the child is
``true`` (found on PATH; the cell is not-applicable where there is none). Each style spawns and waits the
way its users would: ``subprocess.run`` in 4 threads (greenlets under gevent and eventlet),
``asyncio.create_subprocess_exec`` then ``wait()`` in 4 tasks, ``trio.run_process`` in 4 tasks,
``reactor.spawnProcess`` with a ``ProcessProtocol`` whose ``processEnded`` fires a Deferred in Twisted.
The figure, ``children_per_s``, is measured after a warm-up of a tenth as many children.
"""

from __future__ import annotations

import shutil
import time

from conformance import Context

TIMEOUT_S = 120.0
WORKERS = 4


def _plan(ctx: Context) -> tuple[str, int]:
    program = shutil.which("true")
    if program is None:
        raise ctx.not_applicable("no `true` program on PATH to spawn")
    count: int = ctx.bench.scale(400, 40)
    return program, count


def _shares(count: int) -> list[int]:
    return [count // WORKERS + (1 if i < count % WORKERS else 0) for i in range(WORKERS)]


def run_sync(ctx: Context) -> None:
    import subprocess
    import threading

    program, count = _plan(ctx)
    codes: list[int] = []

    def worker(share: int) -> None:
        for _ in range(share):
            codes.append(subprocess.run([program]).returncode)

    def batch(count: int) -> float:
        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(share,)) for share in _shares(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    batch(count // 10)
    ctx.measure("children_per_s", count / batch(count))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    program, count = _plan(ctx)
    codes: list[int] = []

    async def worker(share: int) -> None:
        for _ in range(share):
            child = await asyncio.create_subprocess_exec(program)
            codes.append(await child.wait())

    async def batch(count: int) -> float:
        started = time.perf_counter()
        await asyncio.gather(*(worker(share) for share in _shares(count)))
        return time.perf_counter() - started

    await batch(count // 10)
    ctx.measure("children_per_s", count / await batch(count))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")


async def run_trio(ctx: Context) -> None:
    import trio

    program, count = _plan(ctx)
    codes: list[int] = []

    async def worker(share: int) -> None:
        for _ in range(share):
            codes.append((await trio.run_process([program])).returncode)

    async def batch(count: int) -> float:
        started = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for share in _shares(count):
                nursery.start_soon(worker, share)
        return time.perf_counter() - started

    await batch(count // 10)
    ctx.measure("children_per_s", count / await batch(count))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")


async def run_twisted(ctx: Context) -> None:
    import os
    from typing import Any

    from twisted.internet import defer, error, protocol, reactor

    program, count = _plan(ctx)
    codes: list[int] = []

    class Child(protocol.ProcessProtocol):
        def __init__(self) -> None:
            self.ended: defer.Deferred[int] = defer.Deferred()

        def processEnded(self, reason: Any) -> None:
            done = reason.value
            self.ended.callback(0 if isinstance(done, error.ProcessDone) else done.exitCode)

    async def worker(share: int) -> None:
        for _ in range(share):
            child = Child()
            reactor.spawnProcess(child, program, [program], env=os.environ,
                                 childFDs={0: "w", 1: "r", 2: "r"})
            codes.append(await child.ended)

    async def batch(count: int) -> float:
        started = time.perf_counter()
        await defer.gatherResults([defer.Deferred.fromCoroutine(worker(share))
                                   for share in _shares(count)])
        return time.perf_counter() - started

    await batch(count // 10)
    ctx.measure("children_per_s", count / await batch(count))
    ctx.expect(codes == [0] * len(codes), f"some children did not exit 0: {set(codes)}")
