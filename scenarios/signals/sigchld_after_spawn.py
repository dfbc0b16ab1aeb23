"""A SIGCHLD handler installed after a child was spawned: the wait still returns its code, the handler runs.

Reference semantics (POSIX): the program starts a child, then installs a SIGCHLD handler with
``signal.signal`` (a library set up late, a plugin, a job-control module), then waits for the child
(bounded). The child exits with code 7 once the handler is in place (it waits for a file the program
creates after installing it, so the order never depends on timing). The kernel sends SIGCHLD; Python
runs the handler in the main thread, and the wait still reaps the child: the return code is 7 and the
handler has run at least once. Unlike signals.sigchld_subprocess, whose handler comes before the spawn,
here the runtime has already set up whatever it uses to learn that its children exit (a SIGCHLD handler
of its own in C, a pidfd, a thread in ``waitpid``) when the program's handler replaces the process's
SIGCHLD disposition: a runtime that tracks children through its own C-level SIGCHLD handler loses it,
and its wait hangs; one that keeps its handler may drop the program's.

The contract, the same for every style: the wait returns 7 within its bound, and the handler installed
with ``signal.signal`` after the spawn runs (``handler_calls``: once for one child, in the reference)
within 3 s of the wait returning. Every style installs the handler with ``signal.signal`` (the scenario
is about a handler the runtime did not install) and spawns and waits its own documented way:
``subprocess.Popen`` + ``wait(timeout=)`` (sync), ``asyncio.create_subprocess_exec`` + ``proc.wait()``
(asyncio), ``trio.lowlevel.open_process`` + ``proc.wait()`` (trio), ``reactor.spawnProcess`` and
``processEnded`` (twisted). ``wait_ms`` is the time from the child's go-ahead to the wait returning.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conformance import Context, sibling_module

_sigchld = sibling_module(__file__, "_sigchld")
_tw = sibling_module(__file__, "_twisted_signals")

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no SIGCHLD"}
TIMEOUT_S = 25.0
WAIT_S = 10.0     # the bound on the child's run (a Python start-up on a loaded machine)
HANDLER_S = 3.0   # how long after the wait the handler may still come
EXIT_CODE = 7
# The child exits once the go-ahead file exists (bounded: it exits anyway after 8 s).
CHILD = ("import os, sys, time\n"
         "deadline = time.monotonic() + 8\n"
         "while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:\n"
         "    time.sleep(0.005)\n"
         f"sys.exit({EXIT_CODE})\n")


def _command(ctx: Context) -> tuple[str, ...]:
    return (sys.executable, "-c", CHILD, str(_go_ahead(ctx)))


def _go_ahead(ctx: Context) -> Path:
    return ctx.tmpdir / "go-ahead"


def _check(ctx: Context, returncode: object, calls: list[float], released_at: float,
           waited_at: float, lost: str = "") -> None:
    ctx.measure("handler_calls", len(calls))
    ctx.measure("wait_ms", (waited_at - released_at) * 1000)
    ctx.expect(returncode is not None, f"the wait for the child did not return within {WAIT_S:g} s of "
                                       f"its go-ahead: {lost}")
    ctx.expect_equal(returncode, EXIT_CODE,
                     "the child's return code with a SIGCHLD handler installed after the spawn")
    ctx.expect(calls, f"the SIGCHLD handler installed with signal.signal after the spawn did not run "
                      f"within {HANDLER_S:.0f} s of the child being reaped")
    ctx.expect(calls[0] >= released_at, "the handler ran before the child was let exit")


def _on_sigchld(calls: list[float]) -> Any:
    def on_sigchld(signum: int, frame: object) -> None:
        calls.append(time.monotonic())

    return on_sigchld


def run_sync(ctx: Context) -> None:
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    calls: list[float] = []
    child = subprocess.Popen(_command(ctx))
    previous = signal.signal(signal.SIGCHLD, _on_sigchld(calls))
    returncode: int | None = None
    lost = ""
    try:
        released_at = time.monotonic()
        _go_ahead(ctx).touch()
        try:
            returncode = child.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            lost = _sigchld.lost(child.pid)
        waited_at = time.monotonic()
        deadline = waited_at + HANDLER_S
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, released_at, waited_at, lost)


async def run_asyncio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import asyncio

    calls: list[float] = []
    proc = await asyncio.wait_for(asyncio.create_subprocess_exec(*_command(ctx)), WAIT_S)
    previous = signal.signal(signal.SIGCHLD, _on_sigchld(calls))
    returncode: int | None = None
    lost = ""
    try:
        released_at = time.monotonic()
        _go_ahead(ctx).touch()
        try:
            returncode = await asyncio.wait_for(proc.wait(), WAIT_S)
        except asyncio.TimeoutError:
            lost = _sigchld.lost(proc.pid)
        waited_at = time.monotonic()
        deadline = waited_at + HANDLER_S
        while not calls and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, released_at, waited_at, lost)


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import trio

    calls: list[float] = []
    proc = await trio.lowlevel.open_process(_command(ctx))
    previous = signal.signal(signal.SIGCHLD, _on_sigchld(calls))
    returncode: int | None = None
    lost = ""
    try:
        released_at = time.monotonic()
        _go_ahead(ctx).touch()
        try:
            with trio.fail_after(WAIT_S):
                returncode = await proc.wait()
        except trio.TooSlowError:
            lost = _sigchld.lost(proc.pid)
        waited_at = time.monotonic()
        deadline = waited_at + HANDLER_S
        while not calls and time.monotonic() < deadline:
            await trio.sleep(0.01)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, released_at, waited_at, lost)


async def run_twisted(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    from twisted.internet import defer

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    calls: list[float] = []
    child = spawn(_command(ctx))
    # Over the SIGCHLD handler reactor.run() installed, after the spawn.
    previous = signal.signal(signal.SIGCHLD, _on_sigchld(calls))
    returncode: int | None = None
    lost = ""
    try:
        released_at = time.monotonic()
        _go_ahead(ctx).touch()
        try:
            returncode = await within_twisted(WAIT_S, child.wait_ended())
        except defer.TimeoutError:
            lost = _sigchld.lost(child.pid)
        waited_at = time.monotonic()
        await _tw.wait_until(lambda: bool(calls), HANDLER_S)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, released_at, waited_at, lost)
