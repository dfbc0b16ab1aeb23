"""Starting a program that does not exist raises FileNotFoundError at once.

Reference semantics: ``subprocess.run([name], capture_output=True)`` where ``name`` is found
nowhere on ``PATH``, or is an absolute path to nothing, raises ``FileNotFoundError`` from the spawn
itself, within milliseconds: not a hang, not a generic ``OSError`` or ``RuntimeError``, not a child
that "exits" with status 127. A program that probes for an optional tool (``git``, ``ffmpeg``) and falls
back when it is missing depends on catching exactly this exception.

The contract, the same for every style: each of 12 attempts (both kinds of missing name) with the
style's own spawn (``subprocess.run``, ``asyncio.create_subprocess_exec`` awaited in the body's own
task, ``trio.run_process``, Twisted's ``getProcessOutputAndValue``) raises ``FileNotFoundError`` within
its 5 s bound, with ``errno`` ENOENT and, on POSIX, ``filename`` the program as it was given (what
``subprocess`` sets there since Python 3.7, bpo-22536, and what the message shows: "No such file or
directory: 'git'"; a program that reports which tool is missing reads it; Windows' reference carries
none). ``raise_ms`` is the slowest
attempt. What a failed spawn leaves behind is
subprocess.failed_spawn_leaks_nothing's contract, not this one's.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

from conformance import Context

TIMEOUT_S = 20.0
# This scenario is about the exception, not about stalls (subprocess.heartbeat_wait_and_pipes judges
# those): a spawn forks on the scheduler's thread in most runtimes, which a loaded 2-core machine
# stretches past 100 ms. The stall is still recorded.
STALL_LIMIT_MS = 1000.0
WAIT_S = 5.0
ATTEMPTS = 12
ON_PATH = "conformance-no-such-program-4a7c1e"
# YIELD: each body gives its scheduler a turn between attempts, as a program doing anything else would.
# A failed spawn need not suspend at all (uvloop's raises before its first await), so twelve in a row
# would add twelve spawns' worth of fork and exec into one stall of the body's own making.


def _check_error(ctx: Context, exc: BaseException, program: str) -> None:
    """What a program that reports or tells apart the failure reads from the exception."""
    ctx.expect_equal(getattr(exc, "errno", None), errno.ENOENT,
                     f"the errno of the FileNotFoundError for {program}")
    if sys.platform != "win32":  # Windows' CreateProcess failure carries no filename, in the reference too
        ctx.expect_equal(getattr(exc, "filename", None), program,
                         f"the filename of the FileNotFoundError for {program}")


def _programs(ctx: Context) -> tuple[str, str]:
    return ON_PATH, str(ctx.tmpdir / "no-such-folder" / "no-such-program")


def run_sync(ctx: Context) -> None:
    durations: list[float] = []

    def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError) as caught:
            subprocess.run([program, "--version"], capture_output=True, timeout=WAIT_S)
        durations.append(time.perf_counter() - started)
        _check_error(ctx, caught[0], program)

    for i in range(ATTEMPTS):
        attempt(_programs(ctx)[i % 2])
        time.sleep(0)  # a turn for the other tasks between attempts (see YIELD)
    ctx.measure("raise_ms", max(durations) * 1000.0)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    durations: list[float] = []

    async def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError) as caught:
            # Awaited in this task (no task of wait_for's own before 3.12): see within_asyncio.
            proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
                program, "--version", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
            await within_asyncio(WAIT_S, proc.communicate())
        durations.append(time.perf_counter() - started)
        _check_error(ctx, caught[0], program)

    for i in range(ATTEMPTS):
        await attempt(_programs(ctx)[i % 2])
        await asyncio.sleep(0)  # a turn for the other tasks between attempts (see YIELD)
    ctx.measure("raise_ms", max(durations) * 1000.0)


async def run_trio(ctx: Context) -> None:
    import trio

    durations: list[float] = []

    async def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError) as caught:
            with trio.fail_after(WAIT_S):
                await trio.run_process([program, "--version"], capture_stdout=True, capture_stderr=True)
        durations.append(time.perf_counter() - started)
        _check_error(ctx, caught[0], program)

    for i in range(ATTEMPTS):
        await attempt(_programs(ctx)[i % 2])
        await trio.sleep(0)  # a turn for the other tasks between attempts (see YIELD)
    ctx.measure("raise_ms", max(durations) * 1000.0)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, task, utils

    from conformance.support.net import within_twisted

    durations: list[float] = []

    async def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError) as caught:
            await within_twisted(WAIT_S, utils.getProcessOutputAndValue(
                program, ("--version",), env=os.environ))
        durations.append(time.perf_counter() - started)
        _check_error(ctx, caught[0], program)

    for i in range(ATTEMPTS):
        await attempt(_programs(ctx)[i % 2])
        await task.deferLater(reactor, 0)  # a turn for the other tasks between attempts (see YIELD)
    ctx.measure("raise_ms", max(durations) * 1000.0)
