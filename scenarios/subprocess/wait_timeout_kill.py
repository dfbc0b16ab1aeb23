"""A wait with a timeout gives up on a hung child, which is then killed and reaped: no zombie.

Reference semantics: ``Popen.wait(timeout=0.2)`` on a child that sleeps 30 s raises
``subprocess.TimeoutExpired`` after 200 ms (not earlier, and not much later) and leaves the child
running; ``kill()`` then ends it, and ``wait()`` returns its status: ``-SIGKILL`` on POSIX (1 on Windows,
where ``kill()`` is ``TerminateProcess(handle, 1)``). Every supervisor, test runner and health check
that must not hang on a stuck tool does exactly this, and a long-running one must not pile up zombies.
Each style uses its idiomatic timeout: ``Popen.wait(timeout)``, ``asyncio.wait_for(proc.wait(), 0.2)``
raising ``asyncio.TimeoutError`` (``TimeoutError`` itself since 3.11), ``trio.fail_after(0.2)`` raising
``trio.TooSlowError``. No zombie, on POSIX: once the runtime's wait has returned the status, the pid no
longer names any process, so ``os.kill(pid, 0)`` raises ``ProcessLookupError``. That is the honest check
for every style: a zombie (exited but not reaped) still answers ``kill(pid, 0)``, and the check never
reaps anything itself (``os.waitpid`` would, and gevent answers it from its own child watcher's cache).
Windows has no zombies; there the check is left out. ``timeout_ms`` is how long the timed-out wait took.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conformance import Context

TIMEOUT_S = 20.0
WAIT_S = 5.0
WAIT_TIMEOUT_S = 0.2
COMMAND = (sys.executable, "-c", "import time; time.sleep(30)")
FLOOR_MS = WAIT_TIMEOUT_S * 1000.0 - 10.0  # timers may round to the millisecond
CEILING_MS = 2000.0
# sys.platform rather than os.name == "posix" (the same on every platform the suite runs on), in an
# if statement: mypy reads that, and on Windows there is no SIGKILL
if sys.platform != "win32":
    KILLED = -signal.SIGKILL
else:
    KILLED = 1


def _check_timeout(ctx: Context, elapsed_s: float, returncode: int | None) -> None:
    elapsed_ms = elapsed_s * 1000.0
    ctx.measure("timeout_ms", elapsed_ms)
    ctx.expect(FLOOR_MS <= elapsed_ms < CEILING_MS,
               f"the wait gave up after {elapsed_ms:.1f} ms, for a {WAIT_TIMEOUT_S * 1000:.0f} ms timeout")
    ctx.expect_equal(returncode, None, "the return code after the timed-out wait (the child still runs)")


def _check_reaped(ctx: Context, pid: int, returncode: int | None) -> None:
    ctx.expect_equal(returncode, KILLED, "the return code of the killed child")
    if os.name == "posix":
        with ctx.expect_raises(ProcessLookupError):
            os.kill(pid, 0)  # a zombie would still be there


def run_sync(ctx: Context) -> None:
    with subprocess.Popen(COMMAND) as proc:
        try:
            started = time.perf_counter()
            with ctx.expect_raises(subprocess.TimeoutExpired):
                proc.wait(WAIT_TIMEOUT_S)
            elapsed = time.perf_counter() - started
            _check_timeout(ctx, elapsed, proc.poll())
        finally:
            proc.kill()
            returncode = proc.wait(WAIT_S)
    _check_reaped(ctx, proc.pid, returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(*COMMAND))
    try:
        started = time.perf_counter()
        with ctx.expect_raises(asyncio.TimeoutError):
            await asyncio.wait_for(proc.wait(), WAIT_TIMEOUT_S)
        elapsed = time.perf_counter() - started
        _check_timeout(ctx, elapsed, proc.returncode)
    finally:
        proc.kill()
        returncode = await asyncio.wait_for(proc.wait(), WAIT_S)
    _check_reaped(ctx, proc.pid, returncode)


async def run_trio(ctx: Context) -> None:
    import trio

    with trio.fail_after(WAIT_S):
        proc = await trio.lowlevel.open_process(COMMAND)
    try:
        started = time.perf_counter()
        with ctx.expect_raises(trio.TooSlowError):
            with trio.fail_after(WAIT_TIMEOUT_S):
                await proc.wait()
        elapsed = time.perf_counter() - started
        _check_timeout(ctx, elapsed, proc.returncode)
    finally:
        proc.kill()
        with trio.fail_after(WAIT_S):
            returncode = await proc.wait()
    _check_reaped(ctx, proc.pid, returncode)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    child = spawn(COMMAND, childFDs={0: 0, 1: 1, 2: 2})
    try:
        started = time.perf_counter()
        with ctx.expect_raises(defer.TimeoutError):
            await within_twisted(WAIT_TIMEOUT_S, child.wait_ended())
        elapsed = time.perf_counter() - started
        _check_timeout(ctx, elapsed, child.returncode)
    finally:
        child.kill()
        returncode = await within_twisted(WAIT_S, child.wait_ended())
    _check_reaped(ctx, child.pid, returncode)
