"""A child spawned outside the runtime and waited for with waitpid: the program gets its exit status.

Reference semantics (POSIX): C libraries and daemons spawn and reap children themselves (``posix_spawn``
or ``fork`` + ``exec``, then ``waitpid(pid, &status, 0)``), whatever else the program does. Here the
program first runs one child with the style's process API and waits for it, so that the runtime's child
machinery is active (``subprocess.run``; ``asyncio.create_subprocess_exec`` + ``proc.wait()``;
``trio.run_process``; ``reactor.spawnProcess``). Then it spawns ``sh -c 'exit 7'`` with ``os.posix_spawn``
and lets it exit while the program goes on with its own work: it waits, with the style's sleep, until the
child has exited (``os.waitid`` with ``WNOWAIT``, which leaves it to be reaped; where there is no
``os.waitid``, macOS, for 0.5 s), and goes on with its work for 50 ms more, as a program does between
a child's exit and its own wait (so that whatever the runtime does on SIGCHLD has had its turn, on every
run: without it, whether the program or the runtime reaps first is a race). Then it reaps it, once per
kind of caller: with ``os.waitpid`` (Python code, ``os_waitpid_code``), and, for a second child spawned
the same way, with the C library's ``waitpid`` through ``ctypes`` (a C extension, ``libc_waitpid_code``);
both with ``WNOHANG``, which reaps an exited child as a blocking ``waitpid(pid, &status, 0)`` would, and
cannot hang. With blocking code nobody else reaps the process's children: both return the status, exit
code 7.

Why a user cares: a runtime that reaps every child of the process itself (a SIGCHLD handler that calls
``waitpid(-1)``, as libev's does under gevent) takes the status away from the code that spawned the
child: ``waitpid`` fails with ECHILD (``ChildProcessError``) or the status is lost, and a C library
reports its helper as failed. A runtime that patches ``os.waitpid`` may hand Python code the status it
kept, while C code, which calls the C library directly, still loses it.

The contract, the same for every style: both waits return exit code 7. The waits are blocking calls, so
the event-loop styles make them in a worker thread with the style's documented offload for a blocking
call (``asyncio.to_thread``, ``trio.to_thread.run_sync``, ``deferToThread``): none of them has an API to
wait for a process it did not spawn (asyncio's child watchers are internal and gone in 3.14, trio and
Twisted wait only for their own ``Process``), so a program waits for such a child exactly that way. The
sync style calls them directly, as blocking code does.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time

from conformance import Context

NOT_APPLICABLE = {"win32": "POSIX process API: Windows has no posix_spawn, fork or waitpid of a pid"}
TIMEOUT_S = 15.0
WAIT_S = 5.0        # the bound on each child's run and each wait
POLL_S = 0.005      # the program's own work between two looks at the child
EXIT_S = 0.5        # where os.waitid is missing: how long the program works before it reaps the child
SETTLE_S = 0.05     # and where it is there, how long it goes on working after the child has exited
EXIT_CODE = 7
SHELL = "/bin/sh"
FIRST = (SHELL, "-c", "exit 0")  # the child run with the style's process API


def _spawn_outside() -> int:
    """A child spawned as C libraries do, outside the runtime's process API: it exits with 7 at once."""
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    return os.posix_spawn(SHELL, [SHELL, "-c", f"exit {EXIT_CODE}"], dict(os.environ))


def _has_exited(pid: int, spawned_at: float) -> bool:
    """Whether the child has exited (or been reaped by someone else), without reaping it."""
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    if sys.platform == "linux":
        try:
            return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return True  # already reaped: by someone else
    # No os.waitid (macOS): the shell has exited well before this.
    return time.monotonic() - spawned_at > EXIT_S


def _os_waitpid(pid: int) -> int | str:
    """``os.waitpid(pid, WNOHANG)`` of a child that has exited: the exit code, or what went wrong."""
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError as exc:
        return f"os.waitpid raised {exc!r}: someone else had reaped the child"
    if done != pid:
        return f"os.waitpid returned pid {done}, not {pid}"
    return os.waitstatus_to_exitcode(status)


def _libc_waitpid(pid: int) -> int | str:
    """The C library's ``waitpid(pid, &status, WNOHANG)`` of a child that has exited, as a C extension
    calls it: the exit code, or what went wrong."""
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    libc = ctypes.CDLL(None, use_errno=True)
    status = ctypes.c_int(0)
    done = libc.waitpid(pid, ctypes.byref(status), os.WNOHANG)
    if done == -1:
        number = ctypes.get_errno()
        return (f"waitpid() failed with {os.strerror(number)} (errno {number}): someone else had reaped the "
                "child")
    if done != pid:
        return f"waitpid() returned pid {done}, not {pid}"
    return os.waitstatus_to_exitcode(status.value)


def _check(ctx: Context, first: object, by_os: int | str, by_libc: int | str) -> None:
    ctx.expect_equal(first, 0, "the return code of the child run with the style's process API")
    if isinstance(by_os, int):
        ctx.measure("os_waitpid_code", by_os)
    if isinstance(by_libc, int):
        ctx.measure("libc_waitpid_code", by_libc)
    ctx.expect_equal(by_os, EXIT_CODE, "os.waitpid's exit code of a child spawned with os.posix_spawn")
    ctx.expect_equal(by_libc, EXIT_CODE, "the C library waitpid's exit code of a child spawned with "
                                         "os.posix_spawn")


def run_sync(ctx: Context) -> None:
    first = subprocess.run(FIRST, timeout=WAIT_S).returncode
    results: list[int | str] = []
    for reap in (_os_waitpid, _libc_waitpid):
        pid = _spawn_outside()
        spawned_at = time.monotonic()
        deadline = time.monotonic() + WAIT_S
        while True:  # the program's own work goes on while the child exits
            time.sleep(POLL_S)
            if _has_exited(pid, spawned_at) or time.monotonic() > deadline:
                break
        time.sleep(SETTLE_S)
        results.append(reap(pid))
    _check(ctx, first, *results)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    proc = await asyncio.wait_for(asyncio.create_subprocess_exec(*FIRST), WAIT_S)
    first = await asyncio.wait_for(proc.wait(), WAIT_S)
    results: list[int | str] = []
    for reap in (_os_waitpid, _libc_waitpid):
        pid = _spawn_outside()
        spawned_at = time.monotonic()
        deadline = time.monotonic() + WAIT_S
        while True:  # the program's own work goes on while the child exits
            await asyncio.sleep(POLL_S)
            if _has_exited(pid, spawned_at) or time.monotonic() > deadline:
                break
        await asyncio.sleep(SETTLE_S)
        results.append(await asyncio.wait_for(asyncio.to_thread(reap, pid), WAIT_S))
    _check(ctx, first, *results)


async def run_trio(ctx: Context) -> None:
    import trio

    with trio.fail_after(WAIT_S):
        first = (await trio.run_process(FIRST, check=False)).returncode
    results: list[int | str] = []
    for reap in (_os_waitpid, _libc_waitpid):
        pid = _spawn_outside()
        spawned_at = time.monotonic()
        deadline = time.monotonic() + WAIT_S
        while True:  # the program's own work goes on while the child exits
            await trio.sleep(POLL_S)
            if _has_exited(pid, spawned_at) or time.monotonic() > deadline:
                break
        await trio.sleep(SETTLE_S)
        with trio.fail_after(WAIT_S):
            results.append(await trio.to_thread.run_sync(reap, pid))
    _check(ctx, first, *results)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, task, threads

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    child = spawn(FIRST)
    first = await within_twisted(WAIT_S, child.wait_ended())
    results: list[int | str] = []
    for reap in (_os_waitpid, _libc_waitpid):
        pid = _spawn_outside()
        spawned_at = time.monotonic()
        deadline = time.monotonic() + WAIT_S
        while True:  # the program's own work goes on while the child exits
            await task.deferLater(reactor, POLL_S)
            if _has_exited(pid, spawned_at) or time.monotonic() > deadline:
                break
        await task.deferLater(reactor, SETTLE_S)
        results.append(await within_twisted(WAIT_S, threads.deferToThread(reap, pid)))
    _check(ctx, first, *results)
