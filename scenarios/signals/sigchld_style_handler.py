"""A SIGCHLD handler installed with the style's own signal API runs when a child exits, and the wait works.

Reference semantics (POSIX): the program asks for SIGCHLD the way its style documents for any signal
(a job-control shell, a supervisor that logs its workers' deaths, a library that counts children),
then runs a child that exits with code 7 and waits for it (bounded). The kernel sends SIGCHLD when the
child exits; with blocking code Python runs the handler in the main thread, and ``subprocess.run``'s
``waitpid`` (retried after the handler, PEP 475) still reaps the child: the return code is 7 and the
handler has run at least once (``handler_calls``: once for one child, measured here).

Unlike ``signals.sigchld_subprocess``, which installs its handler with ``signal.signal`` in every
style on purpose (a handler the runtime did not install), here each style uses its OWN signal API,
the one its documentation gives a program for a signal: ``signal.signal`` (sync),
``loop.add_signal_handler`` (asyncio), ``trio.open_signal_receiver`` (trio). Twisted documents no API
of its own for a program's signal handler (``reactor.run()`` installs its own for SIGINT, SIGTERM,
SIGBREAK and SIGCHLD); a Twisted program calls ``signal.signal`` and hands the work to the reactor with
``reactor.callFromThread``, as Twisted's own handlers do (``_twisted_signals.install_handler``). The
child runs with the style's process API: ``subprocess.run`` (sync), ``asyncio.create_subprocess_exec``
+ ``proc.wait()`` (asyncio), ``trio.run_process`` (trio), ``reactor.spawnProcess`` (twisted).

Why a user cares: an event loop that also tracks its children through SIGCHLD has to share the signal
with the program: it may refuse the program's request, or take it over so that one of the two (the
program's handler, or its own wait) never hears of the child.

The contract, the same for every style: the wait returns 7 within its bound, and the handler installed
with the style's API has run within 3 s of the wait returning.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import AsyncIterator

from conformance import Context, sibling_module

_sigchld = sibling_module(__file__, "_sigchld")
_tw = sibling_module(__file__, "_twisted_signals")

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no SIGCHLD"}
TIMEOUT_S = 15.0
WAIT_S = 5.0      # the bound on the child's run (a Python start-up on a loaded machine)
HANDLER_S = 3.0   # how long after the wait the handler may still come
EXIT_CODE = 7
COMMAND = (sys.executable, "-c", f"import sys; sys.exit({EXIT_CODE})")


def _check(ctx: Context, returncode: object, calls: list[float], waited_at: float, how: str) -> None:
    _sigchld.check_handler(
        ctx, returncode, EXIT_CODE, calls, waited_at,
        f"the child's return code with a SIGCHLD handler from {how}",
        f"the SIGCHLD handler installed with {how} did not run within {HANDLER_S:.0f} s of the child being "
        f"reaped")


def run_sync(ctx: Context) -> None:
    returncode, calls, waited_at = _sigchld.run_with_handler(COMMAND, WAIT_S, HANDLER_S)
    _check(ctx, returncode, calls, waited_at, "signal.signal")


async def run_asyncio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import asyncio

    loop = asyncio.get_running_loop()
    calls: list[float] = []
    # The loop's own API for a program's signal handler (a RuntimeError from a loop that refuses
    # SIGCHLD is that loop's answer, and the cell's outcome). The handler stays until asyncio.run()
    # closes the loop, which removes it.
    loop.add_signal_handler(signal.SIGCHLD, lambda: calls.append(time.monotonic()))
    proc = await asyncio.wait_for(asyncio.create_subprocess_exec(*COMMAND), WAIT_S)
    try:
        returncode = await asyncio.wait_for(proc.wait(), WAIT_S)
    finally:
        if proc.returncode is None:
            proc.kill()
    waited_at = time.monotonic()
    deadline = waited_at + HANDLER_S
    while not calls and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    _check(ctx, returncode, calls, waited_at, "loop.add_signal_handler")


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import trio

    calls: list[float] = []

    async def handle(signals: AsyncIterator[int]) -> None:
        # Until the body cancels the nursery, or at the latest the cell's deadline.
        with trio.move_on_after(TIMEOUT_S):
            async for _ in signals:
                calls.append(time.monotonic())

    with trio.open_signal_receiver(signal.SIGCHLD) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(handle, signals)
            with trio.fail_after(WAIT_S):
                returncode = (await trio.run_process(COMMAND, check=False)).returncode
            waited_at = time.monotonic()
            deadline = waited_at + HANDLER_S
            while not calls and time.monotonic() < deadline:
                await trio.sleep(0.01)
            nursery.cancel_scope.cancel()
    _check(ctx, returncode, calls, waited_at, "trio.open_signal_receiver")


async def run_twisted(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    calls: list[float] = []

    def on_sigchld(signum: int) -> None:  # on the reactor: the signal handler hands it over
        calls.append(time.monotonic())

    # Twisted has no API of its own for a program's signal handler: signal.signal in the reactor
    # thread, handing the work to the reactor with callFromThread as Twisted's own handlers do.
    previous = _tw.install_handler(signal.SIGCHLD, on_sigchld)
    try:
        returncode, waited_at = await _tw.wait_child(COMMAND, WAIT_S, calls, HANDLER_S)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    _check(ctx, returncode, calls, waited_at, "signal.signal and reactor.callFromThread")
