"""Ask for 1 MiB pipes to a child (Popen's pipesize), and get them.

Reference semantics (measured, Linux): ``subprocess.Popen(cmd, stdin=PIPE, stdout=PIPE, stderr=PIPE,
pipesize=1 << 20)`` (Python 3.10+) resizes each pipe it creates with ``fcntl(F_SETPIPE_SZ)``: the
child sees 1 MiB (1048576) from ``fcntl(fd, F_GETPIPE_SZ)`` on its stdin, stdout and stderr, and a
256 KiB round trip through the pipes comes back intact. A program that streams bulk data through a
child (a compressor, ``ffmpeg``, a database dump) raises the pipe size to cut the number of wake-ups
and context switches per megabyte, or to let a child write a whole record without blocking; a runtime
that accepts the argument and drops it keeps 64 KiB pipes without a word.

The contract, the same for every style: the style's spawn, given the standard library's
``pipesize=1 << 20`` (``subprocess.Popen``; asyncio's ``create_subprocess_exec`` hands extra keywords to
``Popen``; ``trio.run_process`` takes "general subprocess options" for ``Popen``; Twisted's
``spawnProcess`` has no such keyword: probed), gives the child pipes of at least 1 MiB on all three
of its stdio descriptors (the child reads ``F_GETPIPE_SZ`` on its own ends, which are the same pipes the
parent holds), and the round trip is exact. A spawn that refuses the keyword (a ``TypeError`` or
``ValueError`` naming it), or a style without it, is ``unsupported``. Linux only: ``F_SETPIPE_SZ`` is
Linux's, and ``Popen`` ignores ``pipesize`` elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from conformance import Context

TIMEOUT_S = 15.0
WAIT_S = 5.0
NOT_APPLICABLE = {
    "darwin": "pipe sizes are set with F_SETPIPE_SZ, which only Linux has (Popen ignores pipesize elsewhere)",
    "win32": "pipe sizes are set with F_SETPIPE_SZ, which only Linux has (Popen ignores pipesize elsewhere)",
}
PIPESIZE = 1 << 20
PAYLOAD_SIZE = 256 * 1024
F_GETPIPE_SZ = 1032  # fcntl.F_GETPIPE_SZ, named here so that the module reads the same on every platform
CHILD = (
    "import fcntl, sys\n"
    "def size(fd):\n"
    "    try:\n"
    f"        return fcntl.fcntl(fd, {F_GETPIPE_SZ})\n"
    "    except OSError:\n"
    "        return -1\n"
    "sizes = b' '.join(b'%d' % size(fd) for fd in (0, 1, 2))\n"
    "data = sys.stdin.buffer.read()\n"
    "sys.stderr.buffer.write(sizes)\n"
    "sys.stdout.buffer.write(data)\n"
)
COMMAND = (sys.executable, "-c", CHILD)


def _precondition(ctx: Context) -> bytes:
    """The payload; a skip where an unprivileged program may not raise a pipe to 1 MiB here."""
    if sys.platform == "win32":  # NOT_APPLICABLE there: the engine never runs it (and mypy reads on)
        raise AssertionError("pipesize is Linux's")
    try:
        with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as limit:
            most = int(limit.read())
    except (OSError, ValueError):
        most = PIPESIZE
    if most < PIPESIZE and os.geteuid() != 0:
        raise ctx.skip(f"/proc/sys/fs/pipe-max-size is {most}: an unprivileged program cannot ask for "
                       f"{PIPESIZE}")
    return ctx.payload(PAYLOAD_SIZE)


def _refused(exc: Exception) -> NotImplementedError | None:
    if "pipesize" in str(exc):
        return NotImplementedError(f"the spawn refuses pipesize: {type(exc).__name__}: {exc}")
    return None


def _check(ctx: Context, payload: bytes, stdout: bytes, stderr: bytes, returncode: int | None) -> None:
    ctx.expect_equal(returncode, 0, "the child's return code")
    words = stderr.split()
    sizes = [int(word) for word in words] if all(word.lstrip(b"-").isdigit() for word in words) else []
    ctx.expect(len(sizes) == 3, f"the child's report of its pipe sizes: {stderr!r}")
    ctx.measure("stdin_pipe_kib", sizes[0] / 1024)
    for name, size in zip(("stdin", "stdout", "stderr"), sizes, strict=True):
        ctx.expect(size >= PIPESIZE, f"the child's {name} pipe holds {size} bytes (F_GETPIPE_SZ), not the "
                   f"{PIPESIZE} asked for with pipesize")
    ctx.expect(stdout == payload, f"the round trip: {len(stdout)} bytes came back for {len(payload)} sent, "
               f"{'the same' if stdout == payload[:len(stdout)] else 'not the same'} bytes")


def run_sync(ctx: Context) -> None:
    payload = _precondition(ctx)
    # Probed by the call: a Popen of a runtime's own may take it through **kwargs (eventlet's does).
    try:
        proc = subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pipesize=PIPESIZE)
    except (TypeError, ValueError) as exc:
        refused = _refused(exc)
        if refused is None:
            raise
        raise refused from exc
    with proc:
        try:
            stdout, stderr = proc.communicate(payload, timeout=WAIT_S)
        finally:
            if proc.poll() is None:  # Popen's __exit__ waits without a bound
                proc.kill()
    _check(ctx, payload, stdout, stderr, proc.returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    payload = _precondition(ctx)
    try:
        proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
            *COMMAND, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, pipesize=PIPESIZE))
    except (TypeError, ValueError) as exc:
        refused = _refused(exc)
        if refused is None:
            raise
        raise refused from exc
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(payload), WAIT_S)
    finally:
        if proc.returncode is None:
            proc.kill()
    _check(ctx, payload, stdout, stderr, proc.returncode)


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":  # NOT_APPLICABLE there: the engine never runs it (and mypy reads on)
        raise AssertionError("pipesize is Linux's")
    import trio

    payload = _precondition(ctx)
    try:
        with trio.fail_after(WAIT_S):
            done = await trio.run_process(COMMAND, stdin=payload, capture_stdout=True, capture_stderr=True,
                                          check=False, pipesize=PIPESIZE)
    except (TypeError, ValueError) as exc:
        refused = _refused(exc)
        if refused is None:
            raise
        raise refused from exc
    _check(ctx, payload, done.stdout, done.stderr, done.returncode)


async def run_twisted(ctx: Context) -> None:
    import inspect

    from twisted.internet import reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    payload = _precondition(ctx)
    parameters = inspect.signature(reactor.spawnProcess).parameters
    keyword = next((name for name in ("pipesize", "pipeSize") if name in parameters), None)
    if keyword is None:
        raise NotImplementedError(
            "IReactorProcess.spawnProcess has no pipesize keyword (its parameters: "
            f"{', '.join(parameters)}): https://docs.twisted.org/en/twisted-26.10.0/api/"
            "twisted.internet.interfaces.IReactorProcess.html#spawnProcess")
    options: dict[str, Any] = {keyword: PIPESIZE}
    child = spawn(COMMAND, **options)

    async def converse() -> tuple[bytes, bytes, int | None]:
        child.transport.write(payload)
        child.transport.closeStdin()
        stdout = await child.read_to_eof(1)
        stderr = await child.read_to_eof(2)
        return stdout, stderr, await child.wait_ended()

    try:
        stdout, stderr, returncode = await within_twisted(WAIT_S, converse())
    finally:
        child.kill()
    _check(ctx, payload, stdout, stderr, returncode)
