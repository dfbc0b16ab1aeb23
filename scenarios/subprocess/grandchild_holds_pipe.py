"""Reading a child's output to EOF while a grandchild it left behind still holds the pipe.

Reference semantics: the child starts a grandchild that inherits its stdout, says ``child done`` and
exits at once; the grandchild writes ``grandchild done`` 500 ms later and exits. The parent's
``subprocess.run(..., stdout=PIPE)`` (``communicate()``) reads until EOF, and EOF only comes when the
last holder of the pipe's write end is gone: it returns after the grandchild has exited, with both lines
and the child's status 0. Launchers, shell wrappers and daemons that fork leave such grandchildren
behind; a runtime must neither stop reading at the child's exit (losing the grandchild's output) nor
hang once the grandchild is gone too. ``eof_ms`` is the time from the spawn to the end of the read: at
least the grandchild's 500 ms, and bounded by a 10 s timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from conformance import Context, sibling_module

_communicate = sibling_module(__file__, "_communicate")

TIMEOUT_S = 20.0
WAIT_S = 10.0
GRANDCHILD_SLEEP_S = 0.5
GRANDCHILD = f"import time; time.sleep({GRANDCHILD_SLEEP_S}); print('grandchild done', flush=True)"
CHILD = (
    "import subprocess, sys\n"
    # stdout given explicitly, so that on Windows too the grandchild gets (and holds) the pipe.
    f"subprocess.Popen([sys.executable, '-c', {GRANDCHILD!r}], stdout=sys.stdout)\n"
    "print('child done', flush=True)\n"
)
COMMAND = (sys.executable, "-c", CHILD)


def _check(ctx: Context, elapsed_s: float, stdout: bytes, returncode: int | None) -> None:
    ctx.measure("eof_ms", elapsed_s * 1000.0)
    ctx.expect_equal(stdout.replace(b"\r\n", b"\n"), b"child done\ngrandchild done\n",
                     "the output of the child and the grandchild")
    ctx.expect_equal(returncode, 0, "the child's return code")
    ctx.expect(elapsed_s >= GRANDCHILD_SLEEP_S,
               f"the read ended {elapsed_s * 1000:.0f} ms after the spawn, before the grandchild's "
               f"{GRANDCHILD_SLEEP_S * 1000:.0f} ms were over")


def run_sync(ctx: Context) -> None:
    started = time.perf_counter()
    done = subprocess.run(COMMAND, stdout=subprocess.PIPE, timeout=WAIT_S)
    _check(ctx, time.perf_counter() - started, done.stdout, done.returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    started = time.perf_counter()
    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *COMMAND, stdout=asyncio.subprocess.PIPE))
    stdout, _ = await _communicate.asyncio_communicate(proc, WAIT_S)
    _check(ctx, time.perf_counter() - started, stdout, proc.returncode)


async def run_trio(ctx: Context) -> None:
    import trio

    started = time.perf_counter()
    with trio.fail_after(WAIT_S):
        done = await trio.run_process(COMMAND, capture_stdout=True, check=False)
    _check(ctx, time.perf_counter() - started, done.stdout, done.returncode)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import utils

    from conformance.support.net import within_twisted

    started = time.perf_counter()
    # processEnded, which fires the Deferred, waits for every pipe to the child to reach EOF.
    stdout, _, returncode = await within_twisted(WAIT_S, utils.getProcessOutputAndValue(
        COMMAND[0], COMMAND[1:], env=os.environ))
    _check(ctx, time.perf_counter() - started, stdout, returncode)
