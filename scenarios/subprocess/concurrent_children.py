"""20 children that each sleep 300 ms, waited for concurrently.

Reference semantics: a program starts 20 children (``Popen`` with ``stdin=PIPE, stdout=PIPE``), each
of which says ``ready`` on its stdout, waits for EOF on its stdin and then sleeps 300 ms. Once all are
ready, the parent closes their stdins (the "go") and waits for them: they sleep side by side, so all 20
have exited about 300 ms after the go, each with status 0, and the program's other tasks keep running
the whole time it waits. A program that fans work out to child processes (a build, a test runner, a
converter pool) depends on this. Each style waits its own way: ``wait()`` on each ``Popen`` in turn,
``asyncio.gather`` of ``proc.wait()``, a trio nursery of ``proc.wait()``.

The stall window is the go and the waits: a runtime whose wait blocks its scheduler stalls for about
300 ms and comes out ``blocking``. The spawning and the children's start-up are left out of the window
on purpose: 20 interpreters starting at once saturate a small machine, and an event loop that spawns in
its own thread (asyncio does) stalls then for a time that depends on the machine's cores and load, not
on how it waits. For the same reason the children leave with ``os._exit`` rather than finalizing 20
interpreters at once inside the window. ``elapsed_ms`` is from the go to the last exit (about 300 ms:
the children sleep side by side once told to go; what it adds to 300 ms is the cost of the go and the
reaping), ``spawn_ms`` the time taken to start all 20 (reported, not judged).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from conformance import Context

TIMEOUT_S = 30.0
PLOTS = {"elapsed_ms": "time for all children"}  # the report plots it per runtime and OS
CHILDREN = 20
SLEEP_S = 0.3
WAIT_S = 15.0
COMMAND = (sys.executable, "-c", (
    "import os, sys, time\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
    f"time.sleep({SLEEP_S})\n"
    # Leave at once: 20 interpreters finalizing together would load the machine inside the window.
    "os._exit(0)\n"
))


def _check(ctx: Context, spawn_s: float, ready: list[bytes], elapsed_s: float,
           returncodes: list[int | None]) -> None:
    ctx.measure("spawn_ms", spawn_s * 1000.0)
    ctx.measure("elapsed_ms", elapsed_s * 1000.0)
    ctx.expect_equal([line.rstrip(b"\r\n") for line in ready], [b"ready"] * CHILDREN,
                     "what the children said before the go")
    ctx.expect_equal(returncodes, [0] * CHILDREN, "the children's return codes")
    ctx.expect(elapsed_s >= SLEEP_S,
               f"all children were done {elapsed_s * 1000:.0f} ms after the go, before their "
               f"{SLEEP_S * 1000:.0f} ms sleep")


def run_sync(ctx: Context) -> None:
    procs: list[subprocess.Popen[bytes]] = []
    # readline() has no timeout: a watchdog kills the children, which ends any read with EOF.
    def kill_all() -> None:
        for p in procs:
            p.kill()

    watchdog = threading.Timer(WAIT_S, kill_all)
    watchdog.start()
    try:
        started = time.perf_counter()
        for _ in range(CHILDREN):
            procs.append(subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE))
        spawned = time.perf_counter()
        ready = [proc.stdout.readline() for proc in procs if proc.stdout is not None]
        with ctx.measured():
            go = time.perf_counter()
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.close()
            returncodes: list[int | None] = [
                proc.wait(max(0.0, go + WAIT_S - time.perf_counter())) for proc in procs]
            elapsed = time.perf_counter() - go
    finally:
        watchdog.cancel()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            if proc.stdout is not None:
                proc.stdout.close()
    _check(ctx, spawned - started, ready, elapsed, returncodes)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    procs = []
    try:
        started = time.perf_counter()
        for _ in range(CHILDREN):
            procs.append(await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
                *COMMAND, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)))
        spawned = time.perf_counter()
        ready = await asyncio.wait_for(
            asyncio.gather(*(p.stdout.readline() for p in procs if p.stdout is not None)), WAIT_S)
        with ctx.measured():
            go = time.perf_counter()
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.close()
            returncodes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), WAIT_S)
            elapsed = time.perf_counter() - go
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
    _check(ctx, spawned - started, list(ready), elapsed, list(returncodes))


async def run_trio(ctx: Context) -> None:
    import functools

    import trio

    ready: list[bytes] = [b""] * CHILDREN
    returncodes: list[int | None] = [None] * CHILDREN

    async def read_ready(index: int, proc: trio.Process) -> None:
        line = bytearray()
        # Started with stdout=PIPE below, so never None (trio.Process types it Optional for every spawn).
        while not line.endswith(b"\n") and (
                chunk := await proc.stdout.receive_some(64)):  # type: ignore[union-attr]
            line += chunk
        ready[index] = bytes(line)

    async def wait(index: int, proc: trio.Process) -> None:
        returncodes[index] = await proc.wait()

    with trio.fail_after(WAIT_S):
        async with trio.open_nursery() as nursery:
            started = time.perf_counter()
            procs = [await nursery.start(functools.partial(
                trio.run_process, COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, check=False))
                for _ in range(CHILDREN)]
            spawned = time.perf_counter()
            async with trio.open_nursery() as readers:
                for i, proc in enumerate(procs):
                    readers.start_soon(read_ready, i, proc)
            with ctx.measured():
                go = time.perf_counter()
                for proc in procs:
                    await proc.stdin.aclose()
                async with trio.open_nursery() as waits:
                    for i, proc in enumerate(procs):
                        waits.start_soon(wait, i, proc)
                elapsed = time.perf_counter() - go
    _check(ctx, spawned - started, ready, elapsed, returncodes)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    children = []
    try:
        started = time.perf_counter()
        for _ in range(CHILDREN):
            children.append(spawn(COMMAND, childFDs={0: "w", 1: "r", 2: 2}))
        spawned = time.perf_counter()
        ready = await within_twisted(WAIT_S, defer.gatherResults(
            [defer.Deferred.fromCoroutine(child.readline()) for child in children]))
        with ctx.measured():
            go = time.perf_counter()
            for child in children:
                child.transport.closeStdin()
            returncodes = await within_twisted(WAIT_S, defer.gatherResults(
                [defer.Deferred.fromCoroutine(child.wait_ended()) for child in children]))
            elapsed = time.perf_counter() - go
    finally:
        for child in children:
            child.kill()
    _check(ctx, spawned - started, list(ready), elapsed, list(returncodes))
