"""16 MiB into a child's stdin and 16 MiB out of its stdout at the same time, without deadlock.

Reference semantics: ``subprocess.run(..., input=data, capture_output=True)`` (``Popen.communicate``)
feeds the child's stdin while it drains the child's stdout and stderr. The child here writes all 16 MiB
of its output *before* it reads a byte of its input, so a parent that wrote its input first would block
on a full stdin pipe while the child blocks on a full stdout pipe: only a parent that does both at once
finishes. Every byte arrives intact in both directions (the child reports the length and SHA-256 of what
it read on stderr, and of what it wrote). Feeding a filter (``gzip``, ``jq``, ``ffmpeg``) and reading
its output is everyday work, and a pipe buffer is only 4 to 64 KiB. ``mib_per_s`` counts both
directions; the stall window is the exchange itself, not the making of the data.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

from conformance import Context

TIMEOUT_S = 30.0
WAIT_S = 20.0
SIZE = 16 * 1024 * 1024
CHILD = (
    "import hashlib, random, sys\n"
    f"out = random.Random(7).randbytes({SIZE})\n"
    "sys.stdout.buffer.write(out)\n"
    "sys.stdout.buffer.flush()\n"
    "data = sys.stdin.buffer.read()\n"
    "sys.stderr.write(f'{len(data)} {hashlib.sha256(data).hexdigest()} '\n"
    "                 f'{len(out)} {hashlib.sha256(out).hexdigest()}')\n"
)
COMMAND = (sys.executable, "-c", CHILD)


def _check(ctx: Context, data: bytes, elapsed_s: float, stdout: bytes, stderr: bytes,
           returncode: int | None) -> None:
    ctx.measure("elapsed_ms", elapsed_s * 1000.0)
    ctx.measure("mib_per_s", 2 * SIZE / (1024 * 1024) / elapsed_s)
    ctx.expect_equal(returncode, 0, "the child's return code")
    report = stderr.decode(errors="replace").split()
    ctx.expect(len(report) == 4, f"the child's report on stderr is garbled: {stderr[:200]!r}")
    ctx.expect_equal((int(report[0]), report[1]), (SIZE, hashlib.sha256(data).hexdigest()),
                     "length and SHA-256 of the input the child read")
    ctx.expect_equal(len(stdout), int(report[2]), "bytes of the child's output received")
    ctx.expect(hashlib.sha256(stdout).hexdigest() == report[3],
               "the output received differs from what the child wrote")


def run_sync(ctx: Context) -> None:
    data = ctx.payload(SIZE)
    with ctx.measured():
        started = time.perf_counter()
        done = subprocess.run(COMMAND, input=data, capture_output=True, timeout=WAIT_S)
        elapsed = time.perf_counter() - started
    _check(ctx, data, elapsed, done.stdout, done.stderr, done.returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    data = ctx.payload(SIZE)
    with ctx.measured():
        started = time.perf_counter()
        proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
            *COMMAND, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE))
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(data), WAIT_S)
        finally:
            if proc.returncode is None:
                proc.kill()
        elapsed = time.perf_counter() - started
    _check(ctx, data, elapsed, stdout, stderr, proc.returncode)


async def run_trio(ctx: Context) -> None:
    import trio

    data = ctx.payload(SIZE)
    with ctx.measured():
        started = time.perf_counter()
        with trio.fail_after(WAIT_S):
            done = await trio.run_process(COMMAND, stdin=data, capture_stdout=True, capture_stderr=True,
                                          check=False)
        elapsed = time.perf_counter() - started
    _check(ctx, data, elapsed, done.stdout, done.stderr, done.returncode)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import utils

    from conformance.support.net import within_twisted

    data = ctx.payload(SIZE)
    with ctx.measured():
        started = time.perf_counter()
        stdout, stderr, returncode = await within_twisted(WAIT_S, utils.getProcessOutputAndValue(
            COMMAND[0], COMMAND[1:], env=os.environ, stdinBytes=data))
        elapsed = time.perf_counter() - started
    _check(ctx, data, elapsed, stdout, stderr, returncode)
