"""Other tasks keep running while a program reads a slow child's output and waits for it to exit.

Reference semantics: a child writes 4 lines 250 ms apart (each flushed), then works 400 ms more and
exits with status 0. The parent reads each line as it comes (``readline()`` on ``Popen.stdout``) and
then ``wait()``s: each line arrives when it is written, not all at the end, and the program's other
threads run all along. Reading a long-running tool's progress (a build log, ``ffmpeg -progress``) while
the rest of the program carries on is exactly this. The stall window is the reads and the wait (not the
spawn): a runtime whose pipe read or wait blocks its scheduler stalls for 250 to 400 ms and comes out
``blocking``. ``spread_ms`` is the time between the first and the last line's arrival (about 750 ms;
lines that only arrive together at the end give about 0 and fail), ``wait_ms`` the time spent in
``wait()`` after the last line.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from conformance import Context

TIMEOUT_S = 20.0
WAIT_S = 10.0
LINES = 4
GAP_S = 0.25
TAIL_S = 0.4
CHILD = (
    "import sys, time\n"
    f"for i in range({LINES}):\n"
    f"    time.sleep({GAP_S})\n"
    "    print('line', i, flush=True)\n"
    f"time.sleep({TAIL_S})\n"
)
COMMAND = (sys.executable, "-c", CHILD)
# The lines are written (LINES - 1) * GAP_S apart; arriving in half that spread still shows they
# came one by one, whatever the load of the machine.
MIN_SPREAD_S = (LINES - 1) * GAP_S / 2


def _check(ctx: Context, lines: list[bytes], arrivals: list[float], wait_s: float,
           returncode: int | None) -> None:
    spread = arrivals[-1] - arrivals[0] if arrivals else 0.0
    ctx.measure("spread_ms", spread * 1000.0)
    ctx.measure("wait_ms", wait_s * 1000.0)
    ctx.expect_equal([line.rstrip(b"\r\n") for line in lines], [b"line %d" % i for i in range(LINES)],
                     "the lines read")
    ctx.expect(spread >= MIN_SPREAD_S,
               f"the lines arrived within {spread * 1000:.0f} ms of each other, though they were written "
               f"{GAP_S * 1000:.0f} ms apart: the reads did not return as each line was written")
    ctx.expect_equal(returncode, 0, "the child's return code")


def run_sync(ctx: Context) -> None:
    lines: list[bytes] = []
    arrivals: list[float] = []
    with subprocess.Popen(COMMAND, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        # readline() has no timeout: a watchdog kills the child, which ends any read with EOF.
        watchdog = threading.Timer(WAIT_S, proc.kill)
        watchdog.start()
        try:
            with ctx.measured():
                for _ in range(LINES):
                    lines.append(proc.stdout.readline())
                    arrivals.append(time.perf_counter())
                started = time.perf_counter()
                returncode = proc.wait(WAIT_S)
                wait = time.perf_counter() - started
        finally:
            watchdog.cancel()
            if proc.poll() is None:  # Popen's __exit__ waits without a bound
                proc.kill()
    _check(ctx, lines, arrivals, wait, returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    lines: list[bytes] = []
    arrivals: list[float] = []
    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *COMMAND, stdout=asyncio.subprocess.PIPE))
    assert proc.stdout is not None
    try:
        with ctx.measured():
            for _ in range(LINES):
                lines.append(await asyncio.wait_for(proc.stdout.readline(), WAIT_S))
                arrivals.append(time.perf_counter())
            started = time.perf_counter()
            returncode = await asyncio.wait_for(proc.wait(), WAIT_S)
            wait = time.perf_counter() - started
    finally:
        if proc.returncode is None:
            proc.kill()
    _check(ctx, lines, arrivals, wait, returncode)


async def run_trio(ctx: Context) -> None:
    import functools

    import trio

    lines: list[bytes] = []
    arrivals: list[float] = []
    with trio.fail_after(WAIT_S):
        async with trio.open_nursery() as nursery:
            proc = await nursery.start(functools.partial(
                trio.run_process, COMMAND, stdout=subprocess.PIPE, check=False))
            buffered = bytearray()
            with ctx.measured():
                while len(lines) < LINES:
                    chunk = await proc.stdout.receive_some(65536)
                    if not chunk:
                        break
                    buffered += chunk
                    while b"\n" in buffered:
                        end = buffered.index(b"\n") + 1
                        lines.append(bytes(buffered[:end]))
                        arrivals.append(time.perf_counter())
                        del buffered[:end]
                started = time.perf_counter()
                returncode = await proc.wait()
                wait = time.perf_counter() - started
    _check(ctx, lines, arrivals, wait, returncode)


async def run_twisted(ctx: Context) -> None:
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    lines: list[bytes] = []
    arrivals: list[float] = []
    child = spawn(COMMAND, childFDs={0: 0, 1: "r", 2: 2})
    try:
        with ctx.measured():
            for _ in range(LINES):
                lines.append(await within_twisted(WAIT_S, child.readline()))
                arrivals.append(time.perf_counter())
            started = time.perf_counter()
            returncode = await within_twisted(WAIT_S, child.wait_ended())
            wait = time.perf_counter() - started
    finally:
        child.kill()
    _check(ctx, lines, arrivals, wait, returncode)
