"""SIGCHLD reset to SIG_DFL (as a pre-fork server's worker does), then a child: the wait returns its code.

Reference semantics (POSIX): a pre-fork server (gunicorn's arbiter) installs a SIGCHLD handler to
reap its workers, forks, and each worker, once its runtime is set up (gevent's test of the pattern
patches first), resets SIGCHLD to ``SIG_DFL``, since the arbiter's handler means nothing there. The
program here does the same, with the runtime already running (``signal.signal(SIGCHLD, SIG_DFL)`` in
every style: a reset is not a handler, and the styles' own signal APIs only install handlers), then
runs a child that exits with code 7 with the style's process API and waits for it, bounded:
``subprocess.Popen`` + ``wait(timeout=)`` (sync), ``asyncio.create_subprocess_exec`` + ``proc.wait()``
(asyncio), ``trio.lowlevel.open_process`` + ``proc.wait()`` (trio), ``reactor.spawnProcess`` and
``processEnded`` (twisted); the child inherits the program's stdio in every style (``subprocess``'s
default). With blocking code nothing else touches SIGCHLD: ``waitpid`` reaps the
child and the return code is 7, promptly.

Why a user cares: a runtime that learns that its children exit through a SIGCHLD handler of its own
(libev's under gevent, libuv's under uvloop, Twisted's reactor) may have had that handler replaced by
the reset, so that its wait never hears of the child (a hang); gevent records this pattern as one that
"breaks again when gevent.subprocess is used, or any child watcher".

The contract, the same for every style: the wait returns 7 within its bound (``wait_ms``). Measured,
not judged: whether SIGCHLD is still what the program set afterwards, as Python reports it
(``python_disposition_kept``: 1 if ``signal.getsignal`` still says ``SIG_DFL``) and, on Linux, as the
kernel has it (``os_catches_sigchld``: 1 if /proc/self/status lists SIGCHLD as caught, as it is when a
runtime put a C-level handler back). With blocking code both say the reset held (1 and 0).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from conformance import Context, sibling_module

_sigchld = sibling_module(__file__, "_sigchld")

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no SIGCHLD"}
TIMEOUT_S = 15.0
WAIT_S = 5.0      # the bound on the child's run (a Python start-up on a loaded machine)
EXIT_CODE = 7
COMMAND = (sys.executable, "-c", f"import sys; sys.exit({EXIT_CODE})")


def _reset() -> object:
    """SIGCHLD back to its default disposition, as a forked worker does; returns what was there."""
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    return signal.signal(signal.SIGCHLD, signal.SIG_DFL)


def _restore(previous: object) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    if previous is not None:  # None: a handler not installed from Python, which cannot be put back
        signal.signal(signal.SIGCHLD, previous)  # type: ignore[arg-type, unused-ignore]  # what signal.signal gave


def _measure(ctx: Context, returncode: object, started: float, waited_at: float, lost: str = "") -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    ctx.measure("wait_ms", (waited_at - started) * 1000)
    ctx.measure("python_disposition_kept", int(signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL))
    status = Path("/proc/self/status")
    if status.exists():
        caught = next((int(line.split()[1], 16) for line in status.read_text().splitlines()
                       if line.startswith("SigCgt:")), None)
        if caught is not None:
            ctx.measure("os_catches_sigchld", (caught >> (signal.SIGCHLD - 1)) & 1)
    ctx.expect(returncode is not None, f"the wait for the child did not return within {WAIT_S:g} s after "
                                       f"SIGCHLD was reset to SIG_DFL: {lost}")
    ctx.expect_equal(returncode, EXIT_CODE, "the child's return code after SIGCHLD was reset to SIG_DFL")


def run_sync(ctx: Context) -> None:
    previous = _reset()
    try:
        started = time.monotonic()
        child = subprocess.Popen(COMMAND)
        returncode: int | None = None
        lost = ""
        try:
            returncode = child.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            lost = _sigchld.lost(child.pid)
        waited_at = time.monotonic()
        _measure(ctx, returncode, started, waited_at, lost)
    finally:
        _restore(previous)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    previous = _reset()
    try:
        started = time.monotonic()
        proc = await asyncio.wait_for(asyncio.create_subprocess_exec(*COMMAND), WAIT_S)
        returncode: int | None = None
        lost = ""
        try:
            returncode = await asyncio.wait_for(proc.wait(), WAIT_S)
        except asyncio.TimeoutError:
            lost = _sigchld.lost(proc.pid)
        waited_at = time.monotonic()
        _measure(ctx, returncode, started, waited_at, lost)
    finally:
        _restore(previous)


async def run_trio(ctx: Context) -> None:
    import trio

    previous = _reset()
    try:
        started = time.monotonic()
        proc = await trio.lowlevel.open_process(COMMAND)
        returncode: int | None = None
        lost = ""
        try:
            with trio.fail_after(WAIT_S):
                returncode = await proc.wait()
        except trio.TooSlowError:
            lost = _sigchld.lost(proc.pid)
        waited_at = time.monotonic()
        _measure(ctx, returncode, started, waited_at, lost)
    finally:
        _restore(previous)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    # Over the SIGCHLD handler reactor.run() installed (Twisted reaps its children from it).
    previous = _reset()
    try:
        started = time.monotonic()
        # The child inherits the program's stdio, as in the other styles (Twisted's default, pipes,
        # would let Twisted try a reap when they close, a race with the child's exit).
        child = spawn(COMMAND, childFDs={0: 0, 1: 1, 2: 2})
        returncode: int | None = None
        lost = ""
        try:
            returncode = await within_twisted(WAIT_S, child.wait_ended())
        except defer.TimeoutError:
            lost = _sigchld.lost(child.pid)
        waited_at = time.monotonic()
        _measure(ctx, returncode, started, waited_at, lost)
    finally:
        _restore(previous)
