"""A failed spawn leaks nothing: no descriptor, thread or child process is left behind

Reference semantics: ``subprocess.run([name], stdin=PIPE, stdout=PIPE, stderr=PIPE)`` for a program
that does not exist makes three pipes, fails to start the child, closes all six descriptors and raises
``FileNotFoundError``: after ten such attempts the process holds exactly what it held before. A program
that probes for optional tools, or a supervisor that keeps retrying a command whose binary is missing,
would otherwise run out of descriptors (EMFILE) or fill the process table.

The contract, the same for every style: ten spawns of a missing program with all three standard
streams piped, through the style's own spawn (``subprocess.run``; ``asyncio.create_subprocess_exec``,
awaited in the body's own task; ``trio.run_process``; Twisted's ``getProcessOutputAndValue``), each
failing as it fails (the exception is not judged here: subprocess.missing_executable judges it), leave
no descriptor, OS thread or child process behind (``ctx.check_leaks``: the runtime gets a bounded time,
with its own sleep, to release what it releases on a later turn of its loop). Two attempts run before
the count starts, so that what a runtime opens once per process with its first child (a signal pipe, a
child watcher) is not taken for a leak. ``fds_held_at_return`` is what the ten attempts still held the
moment the last one returned: a measurement, not the verdict (uvloop closes the parent's ends of a
failed spawn's pipes only on the second turn of its loop after the failure, through libuv's close
callbacks, where the standard library closes them before it raises).
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any

from conformance import Context

TIMEOUT_S = 20.0
# This scenario is about what is left behind, not about stalls (subprocess.heartbeat_wait_and_pipes
# judges those): a spawn forks on the scheduler's thread in most runtimes, and the leak check reads
# /proc there too, which a loaded 2-core machine stretches past 100 ms. The stall is still recorded.
STALL_LIMIT_MS = 1000.0
WAIT_S = 5.0
WARM_UP = 2
ATTEMPTS = 10
MISSING = "conformance-no-such-program-4a7c1e"
# YIELD: each body gives its scheduler a turn between attempts, as a program doing anything else would.
# A failed spawn need not suspend at all (uvloop's raises before its first await), so ten in a row would
# add ten spawns' worth of fork and exec into one stall of the body's own making.


def _held(ctx: Context, before: Any) -> None:
    """``fds_held_at_return``: descriptors held now beyond ``before`` (``ctx.resources()``)."""
    now = ctx.resources()
    if now.fds is not None and before.fds is not None:
        ctx.measure("fds_held_at_return", now.fds - before.fds)


def run_sync(ctx: Context) -> None:
    def attempt() -> None:
        try:
            subprocess.run([MISSING], stdin=subprocess.PIPE, capture_output=True, timeout=WAIT_S)
        except OSError:
            return
        raise AssertionError(f"{MISSING!r} was started: it should not exist")

    for _ in range(WARM_UP):
        attempt()
    before = ctx.resources()
    for _ in range(ATTEMPTS):
        attempt()
        time.sleep(0)  # a turn for the other tasks between attempts (see YIELD)
    _held(ctx, before)
    ctx.check_leaks_sync(before, f"{ATTEMPTS} failed spawns")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    async def attempt() -> None:
        try:
            # Awaited in this task (no task of wait_for's own before 3.12): see within_asyncio.
            proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
                MISSING, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE))
        except OSError:
            return
        proc.kill()
        await within_asyncio(WAIT_S, proc.wait())
        raise AssertionError(f"{MISSING!r} was started: it should not exist")

    for _ in range(WARM_UP):
        await attempt()
    await asyncio.sleep(0.1)  # what the warm-up released late is released
    before = ctx.resources()
    for _ in range(ATTEMPTS):
        await attempt()
        await asyncio.sleep(0)  # a turn for the other tasks between attempts (see YIELD)
    _held(ctx, before)
    await ctx.check_leaks(before, f"{ATTEMPTS} failed spawns", asyncio.sleep)


async def run_trio(ctx: Context) -> None:
    import trio

    async def attempt() -> None:
        try:
            with trio.fail_after(WAIT_S):
                await trio.run_process([MISSING], stdin=b"", capture_stdout=True,
                                       capture_stderr=True, check=False)
        except OSError:
            return
        raise AssertionError(f"{MISSING!r} was started: it should not exist")

    for _ in range(WARM_UP):
        await attempt()
    await trio.sleep(0.1)  # what the warm-up released late is released
    before = ctx.resources()
    for _ in range(ATTEMPTS):
        await attempt()
        await trio.sleep(0)  # a turn for the other tasks between attempts (see YIELD)
    _held(ctx, before)
    await ctx.check_leaks(before, f"{ATTEMPTS} failed spawns", trio.sleep)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, task, utils

    from conformance.support.net import within_twisted

    def sleep(seconds: float) -> Any:
        return task.deferLater(reactor, seconds)

    async def attempt() -> None:
        try:
            # getProcessOutputAndValue pipes the child's stdin, stdout and stderr
            await within_twisted(WAIT_S, utils.getProcessOutputAndValue(MISSING, (), env=os.environ))
        except OSError:
            return
        raise AssertionError(f"{MISSING!r} was started: it should not exist")

    for _ in range(WARM_UP):
        await attempt()
    await sleep(0.1)  # what the warm-up released late is released
    before = ctx.resources()
    for _ in range(ATTEMPTS):
        await attempt()
        await sleep(0)  # a turn for the other tasks between attempts (see YIELD)
    _held(ctx, before)
    await ctx.check_leaks(before, f"{ATTEMPTS} failed spawns", sleep)
