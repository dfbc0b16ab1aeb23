"""wait() returns when the child exits, even while a grandchild still holds the child's stdout pipe.

Reference semantics: the child, started with ``stdout=PIPE``, starts a grandchild that inherits its
stdout, says ``child done`` and exits at once; the grandchild writes ``grandchild done`` 1 s later and
exits. ``Popen.wait()`` is about the child process alone: it returns as soon as the child has exited,
with status 0, although the pipe is still open (the grandchild holds it); reading the pipe afterwards
gives both lines, and EOF once the grandchild is gone. A program that starts a launcher, a shell
wrapper or a daemonizing server and waits for it to return (the server itself lives on, holding the
inherited stdout) needs ``wait()`` to mean "the child exited", not "every copy of its pipes is closed".
``wait_ms`` is the time from the spawn to the end of ``wait()``; ``eof_ms`` to the end of the read. The
check: ``wait()`` returned at least 500 ms before the read ended (the reference: about 1 s before).
"""

from __future__ import annotations

import subprocess
import sys
import time

from conformance import Context

TIMEOUT_S = 20.0
WAIT_S = 10.0
GRANDCHILD_SLEEP_S = 1.0
# wait() must come back this long before EOF: half the grandchild's lifetime after the child's exit.
MIN_LEAD_S = GRANDCHILD_SLEEP_S / 2
GRANDCHILD = f"import time; time.sleep({GRANDCHILD_SLEEP_S}); print('grandchild done', flush=True)"
CHILD = (
    "import subprocess, sys\n"
    # stdout given explicitly, so that on Windows too the grandchild gets (and holds) the pipe.
    f"subprocess.Popen([sys.executable, '-c', {GRANDCHILD!r}], stdout=sys.stdout)\n"
    "print('child done', flush=True)\n"
)
COMMAND = (sys.executable, "-c", CHILD)


def _check(ctx: Context, wait_s: float, eof_s: float, stdout: bytes, returncode: int | None) -> None:
    ctx.measure("wait_ms", wait_s * 1000.0)
    ctx.measure("eof_ms", eof_s * 1000.0)
    ctx.expect_equal(returncode, 0, "the child's return code")
    ctx.expect_equal(stdout.replace(b"\r\n", b"\n"), b"child done\ngrandchild done\n",
                     "the output of the child and the grandchild")
    ctx.expect(eof_s - wait_s >= MIN_LEAD_S,
               f"wait() returned {wait_s * 1000:.0f} ms after the spawn and the pipe's EOF came at "
               f"{eof_s * 1000:.0f} ms: wait() waited for the grandchild to close the child's stdout, "
               "not for the child to exit")


def run_sync(ctx: Context) -> None:
    started = time.perf_counter()
    with subprocess.Popen(COMMAND, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        try:
            returncode = proc.wait(WAIT_S)
            waited = time.perf_counter() - started
            stdout = proc.stdout.read()  # the grandchild's own 1 s sleep bounds this read
            eof = time.perf_counter() - started
        finally:
            if proc.poll() is None:  # Popen's __exit__ waits without a bound
                proc.kill()
    _check(ctx, waited, eof, stdout, returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    started = time.perf_counter()
    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *COMMAND, stdout=asyncio.subprocess.PIPE))
    assert proc.stdout is not None
    try:
        returncode = await asyncio.wait_for(proc.wait(), WAIT_S)
        waited = time.perf_counter() - started
        stdout = await asyncio.wait_for(proc.stdout.read(), WAIT_S)
        eof = time.perf_counter() - started
    finally:
        if proc.returncode is None:
            proc.kill()
    _check(ctx, waited, eof, stdout, returncode)


async def run_trio(ctx: Context) -> None:
    import functools

    import trio

    stdout = bytearray()
    with trio.fail_after(WAIT_S):
        async with trio.open_nursery() as nursery:
            started = time.perf_counter()
            proc = await nursery.start(functools.partial(
                trio.run_process, COMMAND, stdout=subprocess.PIPE, check=False))
            returncode = await proc.wait()
            waited = time.perf_counter() - started
            while chunk := await proc.stdout.receive_some(65536):
                stdout += chunk
            eof = time.perf_counter() - started
    _check(ctx, waited, eof, bytes(stdout), returncode)


async def run_twisted(ctx: Context) -> None:
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    started = time.perf_counter()
    child = spawn(COMMAND, childFDs={0: 0, 1: "r", 2: 2})
    try:
        # processExited is wait(): the child has exited and been reaped; processEnded would also
        # wait for its stdout pipe, which the grandchild holds.
        returncode = await within_twisted(WAIT_S, child.wait_exited())
        waited = time.perf_counter() - started
        stdout = await within_twisted(WAIT_S, child.read_to_eof())
        eof = time.perf_counter() - started
        await within_twisted(WAIT_S, child.wait_ended())
    finally:
        child.kill()
    _check(ctx, waited, eof, stdout, returncode)
