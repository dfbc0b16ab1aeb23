"""Starting a program that does not exist raises FileNotFoundError at once, and leaks nothing.

Reference semantics: ``subprocess.run([name], capture_output=True)`` where ``name`` is found
nowhere on ``PATH``, or is an absolute path to nothing, raises ``FileNotFoundError`` from the spawn
itself, within milliseconds: not a hang, not a generic ``OSError`` or ``RuntimeError``, not a child
that "exits" with status 127. The pipes made for the child are closed again: 10 more failed attempts
leave the process with as many descriptors as it had after the first two (counted where the platform
lists them: not on Windows). A program that probes for an optional tool (``git``, ``ffmpeg``) and falls
back when it is missing depends on catching exactly this exception. ``raise_ms`` is the slowest of the
failed attempts.
"""

from __future__ import annotations

import os
import subprocess
import time

from conformance import Context, sibling_module

_tw = sibling_module(__file__, "_twisted_process")

TIMEOUT_S = 20.0
WAIT_S = 5.0
MORE_ATTEMPTS = 10
ON_PATH = "conformance-no-such-program-4a7c1e"


def _programs(ctx: Context) -> tuple[str, str]:
    return ON_PATH, str(ctx.tmpdir / "no-such-folder" / "no-such-program")


def _fd_count(ctx: Context) -> int | None:
    """Descriptors open in this process, where they can be counted (not on Windows)."""
    if os.path.isdir("/proc/self/fd") or os.path.isdir("/dev/fd"):
        return ctx.open_fd_count()
    return None


def _check(ctx: Context, durations: list[float], fds_before: int | None, fds_after: int | None) -> None:
    ctx.measure("raise_ms", max(durations) * 1000.0)
    ctx.expect_equal(fds_after, fds_before,
                     f"open descriptors after {MORE_ATTEMPTS} more failed spawns (before them)")


def run_sync(ctx: Context) -> None:
    durations: list[float] = []

    def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError):
            subprocess.run([program, "--version"], capture_output=True, timeout=WAIT_S)
        durations.append(time.perf_counter() - started)

    for program in _programs(ctx):
        attempt(program)
    fds_before = _fd_count(ctx)
    for i in range(MORE_ATTEMPTS):
        attempt(_programs(ctx)[i % 2])
    _check(ctx, durations, fds_before, _fd_count(ctx))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    durations: list[float] = []

    async def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError):
            proc = await asyncio.wait_for(asyncio.create_subprocess_exec(
                program, "--version", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE),
                WAIT_S)
            await asyncio.wait_for(proc.communicate(), WAIT_S)
        durations.append(time.perf_counter() - started)

    for program in _programs(ctx):
        await attempt(program)
    fds_before = _fd_count(ctx)
    for i in range(MORE_ATTEMPTS):
        await attempt(_programs(ctx)[i % 2])
    _check(ctx, durations, fds_before, _fd_count(ctx))


async def run_trio(ctx: Context) -> None:
    import trio

    durations: list[float] = []

    async def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError):
            with trio.fail_after(WAIT_S):
                await trio.run_process([program, "--version"], capture_stdout=True, capture_stderr=True)
        durations.append(time.perf_counter() - started)

    for program in _programs(ctx):
        await attempt(program)
    fds_before = _fd_count(ctx)
    for i in range(MORE_ATTEMPTS):
        await attempt(_programs(ctx)[i % 2])
    _check(ctx, durations, fds_before, _fd_count(ctx))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import utils

    durations: list[float] = []

    async def attempt(program: str) -> None:
        started = time.perf_counter()
        with ctx.expect_raises(FileNotFoundError):
            await _tw.within(WAIT_S, utils.getProcessOutputAndValue(
                program, ("--version",), env=os.environ))
        durations.append(time.perf_counter() - started)

    for program in _programs(ctx):
        await attempt(program)
    fds_before = _fd_count(ctx)
    for i in range(MORE_ATTEMPTS):
        await attempt(_programs(ctx)[i % 2])
    _check(ctx, durations, fds_before, _fd_count(ctx))
