"""terminate() and send_signal(): the signal reaches the child, and its return code says so.

Reference semantics (POSIX): on a running child, ``terminate()`` sends SIGTERM and the child's return
code is ``-SIGTERM``; ``send_signal(SIGUSR1)`` delivers exactly that signal (return code ``-SIGUSR1``,
not a SIGTERM or SIGKILL in its place); and a child that handles SIGTERM to shut down cleanly (here:
``sys.exit(3)`` from its handler) gets to run that handler, so its return code is 3. Each child first
says ``ready`` on its stdout, once its handlers are in place, so the signal is never sent during its
start-up. A service manager, a test runner stopping a server, or any graceful shutdown relies on the
signal arriving intact and on the negative return code to tell "killed by signal N" from "exited with
N". On Windows there are no such signals: ``terminate()`` is ``TerminateProcess(handle, 1)``, so only
that case is checked there, with return code 1.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

from conformance import Context

TIMEOUT_S = 20.0
WAIT_S = 5.0
CHILD = (
    "import signal, sys, time\n"
    "if sys.argv[1] == 'graceful':\n"
    "    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(3))\n"
    "print('ready', flush=True)\n"
    "time.sleep(30)\n"
)
# (how the child behaves, the signal to send: None for terminate(), the return code expected)
CASES: tuple[tuple[str, int | None, int], ...]
# sys.platform rather than os.name == "posix" (the same on every platform the suite runs on): mypy reads it
if sys.platform != "win32":
    CASES = (
        ("plain", None, -signal.SIGTERM),
        ("plain", signal.SIGUSR1, -signal.SIGUSR1),
        ("graceful", signal.SIGTERM, 3),
    )
else:
    CASES = (("plain", None, 1),)


def _command(kind: str) -> tuple[str, ...]:
    return (sys.executable, "-c", CHILD, kind)


def _describe(kind: str, signum: int | None) -> str:
    action = "terminate()" if signum is None else f"send_signal({signal.Signals(signum).name})"
    return f"the return code after {action} on a {kind} child"


def _check(ctx: Context, ready: list[bytes], returncodes: list[int | None]) -> None:
    ctx.expect_equal([line.rstrip(b"\r\n") for line in ready], [b"ready"] * len(CASES),
                     "what the children said before the signal")
    for (kind, signum, expected), returncode in zip(CASES, returncodes, strict=True):
        ctx.expect_equal(returncode, expected, _describe(kind, signum))


def run_sync(ctx: Context) -> None:
    ready: list[bytes] = []
    returncodes: list[int | None] = []
    for kind, signum, _ in CASES:
        with subprocess.Popen(_command(kind), stdout=subprocess.PIPE) as proc:
            assert proc.stdout is not None
            # readline() has no timeout: a watchdog kills the child, which ends the read with EOF.
            watchdog = threading.Timer(WAIT_S, proc.kill)
            watchdog.start()
            try:
                ready.append(proc.stdout.readline())
                if signum is None:
                    proc.terminate()
                else:
                    proc.send_signal(signum)
                returncodes.append(proc.wait(WAIT_S))
            finally:
                watchdog.cancel()
                if proc.poll() is None:
                    proc.kill()
    _check(ctx, ready, returncodes)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    ready: list[bytes] = []
    returncodes: list[int | None] = []
    for kind, signum, _ in CASES:
        proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
            *_command(kind), stdout=asyncio.subprocess.PIPE))
        assert proc.stdout is not None
        try:
            ready.append(await asyncio.wait_for(proc.stdout.readline(), WAIT_S))
            if signum is None:
                proc.terminate()
            else:
                proc.send_signal(signum)
            returncodes.append(await asyncio.wait_for(proc.wait(), WAIT_S))
        finally:
            if proc.returncode is None:
                proc.kill()
    _check(ctx, ready, returncodes)


async def run_trio(ctx: Context) -> None:
    import functools

    import trio

    ready: list[bytes] = []
    returncodes: list[int | None] = []
    for kind, signum, _ in CASES:
        with trio.fail_after(WAIT_S):
            async with trio.open_nursery() as nursery:
                proc = await nursery.start(functools.partial(
                    trio.run_process, _command(kind), stdout=subprocess.PIPE, check=False))
                line = bytearray()
                while not line.endswith(b"\n") and (chunk := await proc.stdout.receive_some(64)):
                    line += chunk
                ready.append(bytes(line))
                if signum is None:
                    proc.terminate()
                else:
                    proc.send_signal(signum)
                returncodes.append(await proc.wait())
    _check(ctx, ready, returncodes)


async def run_twisted(ctx: Context) -> None:
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    ready: list[bytes] = []
    returncodes: list[int | None] = []
    for kind, signum, _ in CASES:
        child = spawn(_command(kind), childFDs={0: 0, 1: "r", 2: 2})
        try:
            ready.append(await within_twisted(WAIT_S, child.readline()))
            child.transport.signalProcess("TERM" if signum is None else signum)
            returncodes.append(await within_twisted(WAIT_S, child.wait_ended()))
        finally:
            child.kill()
    _check(ctx, ready, returncodes)
