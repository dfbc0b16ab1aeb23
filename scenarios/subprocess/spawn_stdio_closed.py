"""Running a child while the program's own descriptors 0, 1 and 2 are closed, as a detached daemon does.

Reference semantics: a daemon closes its stdin, stdout and stderr when it detaches, so the pipes of the
next child it runs take the lowest free numbers, 0, 1 and 2, in the parent. ``subprocess`` (CPython's
``_posixsubprocess``) moves every pipe end and its own error pipe out of the way before it wires the
child's 0, 1 and 2, so that the child still gets exactly what was asked for: with any of the parent's
0, 1, 2 closed (all seven combinations, measured here), ``subprocess.run(..., input=line,
stdin=PIPE, stdout=PIPE, stderr=PIPE)`` hands the line and then end-of-file to the child's stdin,
returns what the child wrote to its stdout and to its stderr apart, and its exit status (3). A child
that is given no redirection for its stdin and stdout while the parent's 0 and 1 are closed finds
them closed, not holding a pipe end of the runtime's. (CPython's own tests of this:
``test_close_fds_0_1_2`` and its siblings, ``test_small_errpipe_write_fd`` and
``test_swap_std_fds_with_one_closed`` in Lib/test/test_subprocess.py; issues #10806, #12607, #15798.)
Daemons, supervisors' workers and anything started with its stdio closed run tools like this; a
runtime whose pipes or poller mistake descriptor 0 for "none", or will not close a descriptor below 3,
loses the child's input or output, hangs, or aborts.

The contract, the same for every style: in eight attempts, each with some of the parent's 0, 1, 2
closed (os.close, restored with dup2 at once after the attempt, before anything is checked or
written), the style's own spawn and exchange completes within its bound without raising, and gives:
for the seven "piped" attempts (each non-empty set of 0, 1, 2 closed), ``out:`` + the line on stdout,
``err:`` + the line on stderr and status 3; for the "inherited" one (0 and 1 closed, stderr a pipe),
a child that reports its 0 and 1 closed and status 3. Each style spells it its own way: sync,
``subprocess.run``; asyncio, ``create_subprocess_exec`` and ``communicate``; trio,
``trio.run_process`` (``stdin=None`` to inherit); twisted, ``reactor.spawnProcess`` with the default
pipes, and for the inherited attempt a ``childFDs`` with only the stderr pipe: Twisted has no setting
that inherits a descriptor apart from mapping a parent's number, and ``{0: 0, 1: 1}`` with the
parent's 0 and 1 closed names the descriptors Twisted's own stderr pipe has just taken, as
``stdin=0, stdout=1`` does in ``subprocess`` (measured: the child then finds both open). The body
stops at the first attempt that goes wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from conformance import Context, sibling_module

_source = sibling_module(__file__, "_child_source")

TIMEOUT_S = 15.0
NOT_APPLICABLE = {"win32": "a detached POSIX daemon's closed descriptors 0, 1 and 2: Windows children "
                           "get their standard handles from STARTUPINFO, not from descriptor numbers"}
WAIT_S = 5.0
LINE = b"hello daemon\n"
# Each non-empty set of the parent's 0, 1, 2, all three (what a daemon has) first.
PIPED = ((0, 1, 2), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2))
INHERITED = (0, 1)
PIPED_CHILD = (
    "import sys\n"
    "line = sys.stdin.buffer.read()\n"
    "sys.stdout.buffer.write(b'out:' + line)\n"
    "sys.stderr.buffer.write(b'err:' + line)\n"
    "sys.exit(3)\n"
)
INHERITED_CHILD = (
    "import os, sys\n"
    + _source.IS_OPEN
    + "os.write(2, b'open: %r' % [fd for fd in (0, 1) if is_open(fd)])\n"
    "sys.exit(3)\n"
)
# -S: the children need nothing of site-packages, and start faster without it.
PIPED_COMMAND = (sys.executable, "-S", "-c", PIPED_CHILD)
INHERITED_COMMAND = (sys.executable, "-S", "-c", INHERITED_CHILD)
Result = tuple[bytes, bytes, int | None]


@contextmanager
def _closed(fds: tuple[int, ...]) -> Iterator[None]:
    """The parent's ``fds`` closed for the block, each restored (dup2) from a saved copy at its end."""
    saved = {fd: os.dup(fd) for fd in fds}
    try:
        for fd in fds:
            os.close(fd)
        yield
    finally:
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)


def _check(ctx: Context, closed: tuple[int, ...], piped: bool, result: Result | Exception) -> None:
    what = f"with the parent's {', '.join(map(str, closed))} closed ({'piped' if piped else 'inherited'})"
    if isinstance(result, Exception):
        raise AssertionError(f"{what}: the spawn and exchange raised {result!r}") from result
    stdout, stderr, returncode = result
    if piped:
        ctx.expect_equal(stdout, b"out:" + LINE, f"the child's stdout {what}")
        ctx.expect_equal(stderr, b"err:" + LINE, f"the child's stderr {what}")
    else:
        ctx.expect_equal(stderr, b"open: []", f"the child's report of its open 0 and 1 {what}")
    ctx.expect_equal(returncode, 3, f"the child's return code {what}")


def _attempts() -> Iterator[tuple[tuple[int, ...], bool]]:
    for closed in PIPED:
        yield closed, True
    yield INHERITED, False


def run_sync(ctx: Context) -> None:
    for closed, piped in _attempts():
        result: Result | Exception
        with _closed(closed):
            try:
                if piped:
                    done = subprocess.run(PIPED_COMMAND, input=LINE, capture_output=True, timeout=WAIT_S)
                else:
                    done = subprocess.run(INHERITED_COMMAND, stderr=subprocess.PIPE, timeout=WAIT_S)
                result = (done.stdout or b"", done.stderr, done.returncode)
            except Exception as exc:  # checked once 0, 1, 2 are back
                result = exc
        _check(ctx, closed, piped, result)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    async def attempt(piped: bool) -> Result:
        pipe = asyncio.subprocess.PIPE
        if piped:
            proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
                *PIPED_COMMAND, stdin=pipe, stdout=pipe, stderr=pipe))
        else:
            proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
                *INHERITED_COMMAND, stderr=pipe))
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(LINE if piped else None), WAIT_S)
        finally:
            if proc.returncode is None:
                proc.kill()
        return stdout or b"", stderr, proc.returncode

    for closed, piped in _attempts():
        result: Result | Exception
        with _closed(closed):
            try:
                result = await attempt(piped)
            except Exception as exc:  # checked once 0, 1, 2 are back
                result = exc
        _check(ctx, closed, piped, result)


async def run_trio(ctx: Context) -> None:
    import trio

    async def attempt(piped: bool) -> Result:
        with trio.fail_after(WAIT_S):
            if piped:
                done = await trio.run_process(PIPED_COMMAND, stdin=LINE, capture_stdout=True,
                                              capture_stderr=True, check=False)
            else:
                done = await trio.run_process(INHERITED_COMMAND, stdin=None, capture_stderr=True,
                                              check=False)
        return done.stdout or b"", done.stderr, done.returncode

    for closed, piped in _attempts():
        result: Result | Exception
        with _closed(closed):
            try:
                result = await attempt(piped)
            except Exception as exc:  # checked once 0, 1, 2 are back
                result = exc
        _check(ctx, closed, piped, result)


async def run_twisted(ctx: Context) -> None:
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    async def attempt(piped: bool) -> Result:
        if piped:
            child = spawn(PIPED_COMMAND)
            child.transport.write(LINE)
            child.transport.closeStdin()
        else:
            child = spawn(INHERITED_COMMAND, childFDs={2: "r"})

        async def exchange() -> Result:
            stdout = await child.read_to_eof(1) if piped else b""
            stderr = await child.read_to_eof(2)
            return stdout, stderr, await child.wait_ended()

        try:
            return await within_twisted(WAIT_S, exchange())
        finally:
            child.kill()

    for closed, piped in _attempts():
        result: Result | Exception
        with _closed(closed):
            try:
                result = await attempt(piped)
            except Exception as exc:  # checked once 0, 1, 2 are back
                result = exc
        _check(ctx, closed, piped, result)
