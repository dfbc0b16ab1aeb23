"""A child exits while the program has its own SIGCHLD handler: the wait still works, the handler runs.

Reference semantics (POSIX): the program installs a SIGCHLD handler with ``signal.signal`` (as
daemons, job-control code or some libraries do), then runs a child that exits with code 7 and waits
for it (bounded). The kernel sends SIGCHLD when the child exits; Python runs the handler in the main
thread, and ``waitpid`` (retried after the handler, PEP 475) still reaps the child: the return code
is 7 and the handler has run at least once. The handler is installed with ``signal.signal`` in every
style, because the scenario is about a handler the runtime did not install (set by the program or by
a library it uses) living next to the runtime's own child tracking: ``subprocess.run`` (sync),
``asyncio.create_subprocess_exec`` + ``proc.wait()`` (asyncio), ``trio.run_process`` (trio). Event
loops that watch children through SIGCHLD themselves (libev under gevent, libuv under uvloop) may
take the signal over at the C level, so that either the program's handler never runs or the loop
never learns that the child exited: a wait that hangs, or a handler that is silently dropped.

The check: the wait returns 7 within its bound, and the handler ran (``handler_calls`` reports how
often: once for one child, in the reference) within 3 s of the wait returning.
"""

from __future__ import annotations

import signal
import sys
import time

from conformance import Context, sibling_module

_sigchld = sibling_module(__file__, "_sigchld")
_tw = sibling_module(__file__, "_twisted_signals")

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no SIGCHLD"}
TIMEOUT_S = 25.0
WAIT_S = 10.0     # the bound on the child's run (a Python start-up on a loaded machine)
HANDLER_S = 3.0   # how long after the wait the handler may still come
EXIT_CODE = 7
COMMAND = (sys.executable, "-c", f"import sys; sys.exit({EXIT_CODE})")


def _check(ctx: Context, returncode: object, calls: list[float], waited_at: float) -> None:
    _sigchld.check_handler(
        ctx, returncode, EXIT_CODE, calls, waited_at,
        "the child's return code with a custom SIGCHLD handler installed",
        f"the SIGCHLD handler installed with signal.signal did not run within {HANDLER_S:.0f} s of the "
        f"child being reaped")


def run_sync(ctx: Context) -> None:
    returncode, calls, waited_at = _sigchld.run_with_handler(COMMAND, WAIT_S, HANDLER_S)
    _check(ctx, returncode, calls, waited_at)


async def run_asyncio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import asyncio

    calls: list[float] = []

    def on_sigchld(signum: int, frame: object) -> None:
        calls.append(time.monotonic())

    previous = signal.signal(signal.SIGCHLD, on_sigchld)
    try:
        proc = await asyncio.create_subprocess_exec(*COMMAND)
        try:
            returncode = await asyncio.wait_for(proc.wait(), WAIT_S)
        finally:
            if proc.returncode is None:
                proc.kill()
        waited_at = time.monotonic()
        deadline = waited_at + HANDLER_S
        while not calls and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, waited_at)


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import trio

    calls: list[float] = []

    def on_sigchld(signum: int, frame: object) -> None:
        calls.append(time.monotonic())

    previous = signal.signal(signal.SIGCHLD, on_sigchld)
    try:
        with trio.fail_after(WAIT_S):
            returncode = (await trio.run_process(COMMAND, check=False)).returncode
        waited_at = time.monotonic()
        deadline = waited_at + HANDLER_S
        while not calls and time.monotonic() < deadline:
            await trio.sleep(0.01)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, waited_at)


async def run_twisted(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    calls: list[float] = []

    def on_sigchld(signum: int, frame: object) -> None:
        calls.append(time.monotonic())

    # Over the SIGCHLD handler reactor.run() installed (Twisted reaps its children through the
    # signal.set_wakeup_fd pipe that handler is paired with).
    previous = signal.signal(signal.SIGCHLD, on_sigchld)
    try:
        returncode, waited_at = await _tw.wait_child(COMMAND, WAIT_S, calls, HANDLER_S)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, waited_at)
