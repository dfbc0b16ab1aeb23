"""Run a child to completion, capture its output and read its exit code.

Reference semantics: ``subprocess.run([sys.executable, "-c", ...], capture_output=True)`` returns once the
child has exited, with exactly the bytes the child wrote to stdout and to stderr (binary, no newline
translation: NUL, 0xff and ``\\r\\n`` come back as written) and the child's exit status as
``returncode`` (3 for ``sys.exit(3)``). Running a tool and reading its output and status is the most
common thing a program does with a child; a runtime must neither lose, mix nor translate a byte, and
must report a non-zero status as such. Each style uses its idiomatic call: ``subprocess.run``,
``asyncio.create_subprocess_exec`` + ``communicate()``, ``trio.run_process(check=False)``.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conformance import Context, sibling_module

_communicate = sibling_module(__file__, "_communicate")

TIMEOUT_S = 20.0
WAIT_S = 10.0
STDOUT = b"hello\x00\xff\r\nworld"
STDERR = b"oops\n"
CHILD = (
    "import sys\n"
    f"sys.stdout.buffer.write({STDOUT!r})\n"
    f"sys.stderr.buffer.write({STDERR!r})\n"
    "sys.exit(3)\n"
)
COMMAND = (sys.executable, "-c", CHILD)


def _check(ctx: Context, stdout: bytes, stderr: bytes, returncode: int | None) -> None:
    ctx.expect_equal(stdout, STDOUT, "the child's stdout")
    ctx.expect_equal(stderr, STDERR, "the child's stderr")
    ctx.expect_equal(returncode, 3, "the child's return code")


def run_sync(ctx: Context) -> None:
    done = subprocess.run(COMMAND, capture_output=True, timeout=WAIT_S)
    _check(ctx, done.stdout, done.stderr, done.returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *COMMAND, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
    stdout, stderr = await _communicate.asyncio_communicate(proc, WAIT_S)
    _check(ctx, stdout, stderr, proc.returncode)


async def run_trio(ctx: Context) -> None:
    import trio

    with trio.fail_after(WAIT_S):
        done = await trio.run_process(COMMAND, capture_stdout=True, capture_stderr=True, check=False)
    _check(ctx, done.stdout, done.stderr, done.returncode)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import utils

    from conformance.support.net import within_twisted

    stdout, stderr, returncode = await within_twisted(WAIT_S, utils.getProcessOutputAndValue(
        COMMAND[0], COMMAND[1:], env=os.environ))
    _check(ctx, stdout, stderr, returncode)
