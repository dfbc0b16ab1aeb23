"""A wait for a child, given 300 ms, gives up in time; after the program's clean-up nothing is left.

Reference semantics: ``Popen.wait(timeout=0.3)`` on a child that sleeps 30 s raises
``subprocess.TimeoutExpired`` after 300 ms and leaves the child running (``poll()`` is None): what
becomes of it is the program's business, and its clean-up is ``kill()`` then ``wait()``, after which no
descriptor, thread or child process is left (measured on this machine). The other styles bound the wait
their own way: ``asyncio.wait_for(proc.wait(), 0.3)`` raising ``asyncio.TimeoutError``; trio's
``move_on_after(0.3)`` around ``run_process`` (started with ``nursery.start``, which hands back the
``Process``), whose cancellation, by design, terminates the child and waits for it before the scope
ends; Twisted's ``addTimeout(0.3, reactor)`` on the Deferred of the child's end, failing with
``twisted.internet.defer.TimeoutError``. Supervisors, test runners and health checks put such bounds on
every tool they run; a bound that is not kept hangs them, and a clean-up that leaves a zombie or a
descriptor behind piles them up in a long-running process.

The contract, the same for every style: (1) the bounded wait ends through the style's timeout after at
least 300 ms and within 900 ms; (2) after the program's clean-up (kill, unless the child has already
ended, and a bounded wait for it), the leak check finds no descriptor, OS thread or child process left.
What became of the child when the bound ran out is a measurement, not a verdict:
``child_running_after_timeout`` (1: still running, as the reference leaves it; 0: already ended) and,
where it had ended, ``child_returncode_after_timeout`` (``-15``: terminated by SIGTERM). The trio bound
also covers ``run_process``'s spawn (a few milliseconds), since the ``Process`` comes from inside it.
``timeout_ms`` is how long the bounded wait took. Each body first runs one short child to its end
through the same API, so that what a runtime keeps once per process (trio spawns in a worker thread of
its thread cache, which stays idle for reuse) exists before the count starts. POSIX only: the leak
check counts children from ``/proc`` (Linux) or ``ps`` (macOS).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from conformance import Context

NOT_APPLICABLE = {"win32": "the check that no child process is left counts children from /proc or ps, "
                           "which Windows lacks"}
TIMEOUT_S = 15.0
WAIT_S = 5.0
GIVEN_S = 0.3
COMMAND = (sys.executable, "-c", "import time; time.sleep(30)")
WARM_UP = (sys.executable, "-c", "pass")
FLOOR_MS = GIVEN_S * 1000.0 - 10.0  # timers may round to the millisecond
CEILING_MS = 900.0


def _check_bound(ctx: Context, elapsed_s: float, returncode: int | None) -> None:
    elapsed_ms = elapsed_s * 1000.0
    ctx.measure("timeout_ms", elapsed_ms)
    ctx.measure("child_running_after_timeout", 1 if returncode is None else 0)
    if returncode is not None:
        ctx.measure("child_returncode_after_timeout", returncode)
    ctx.expect(FLOOR_MS <= elapsed_ms < CEILING_MS,
               f"the wait bounded to {GIVEN_S * 1000:.0f} ms ended after {elapsed_ms:.1f} ms, for a "
               "child that runs 30 s")


def run_sync(ctx: Context) -> None:
    import subprocess

    subprocess.run(WARM_UP, timeout=WAIT_S, check=True)
    before = ctx.resources()
    proc = subprocess.Popen(COMMAND)
    try:
        started = time.perf_counter()
        with ctx.expect_raises(subprocess.TimeoutExpired):
            proc.wait(GIVEN_S)
        _check_bound(ctx, time.perf_counter() - started, proc.poll())
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(WAIT_S)
    ctx.check_leaks_sync(before, "the timed-out wait and the clean-up")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    warm_up = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(*WARM_UP))
    await asyncio.wait_for(warm_up.wait(), WAIT_S)
    before = ctx.resources()
    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(*COMMAND))
    try:
        started = time.perf_counter()
        with ctx.expect_raises(asyncio.TimeoutError):
            await asyncio.wait_for(proc.wait(), GIVEN_S)
        _check_bound(ctx, time.perf_counter() - started, proc.returncode)
    finally:
        if proc.returncode is None:
            proc.kill()
        await asyncio.wait_for(proc.wait(), WAIT_S)
    await ctx.check_leaks(before, "the timed-out wait and the clean-up", asyncio.sleep)


async def run_trio(ctx: Context) -> None:
    from functools import partial

    import trio

    with trio.fail_after(WAIT_S):
        await trio.run_process(WARM_UP)
    before = ctx.resources()
    procs: list[Any] = []
    started = time.perf_counter()
    with trio.move_on_after(GIVEN_S) as bound:
        async with trio.open_nursery() as nursery:
            procs.append(await nursery.start(partial(trio.run_process, COMMAND, check=False)))
    elapsed = time.perf_counter() - started
    ctx.expect(bool(procs), "run_process was cancelled before it had started the child")
    proc = procs[0]
    try:
        ctx.expect(bound.cancelled_caught, f"run_process returned ({proc.returncode}) instead of being "
                                           "cancelled")
        _check_bound(ctx, elapsed, proc.returncode)
    finally:
        if proc.returncode is None:
            proc.kill()
        with trio.fail_after(WAIT_S):
            await proc.wait()
    await ctx.check_leaks(before, "the timed-out wait and the clean-up", trio.sleep)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor, task

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    def sleep(seconds: float) -> Any:
        return task.deferLater(reactor, seconds)

    warm_up = spawn(WARM_UP, childFDs={0: 0, 1: 1, 2: 2})
    await within_twisted(WAIT_S, warm_up.wait_ended())
    before = ctx.resources()
    child = spawn(COMMAND, childFDs={0: 0, 1: 1, 2: 2})
    try:
        started = time.perf_counter()
        with ctx.expect_raises(defer.TimeoutError):
            await within_twisted(GIVEN_S, child.wait_ended())
        _check_bound(ctx, time.perf_counter() - started, child.returncode)
    finally:
        child.kill()  # unless it has already exited
        await within_twisted(WAIT_S, child.wait_ended())
    await ctx.check_leaks(before, "the timed-out wait and the clean-up", sleep)
