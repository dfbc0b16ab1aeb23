"""Writing to the stdin of a child that has exited reports the broken pipe on the first write.

Reference semantics (measured): a ``Popen(..., stdin=PIPE)`` whose child exits without reading its
stdin, once ``wait()`` has returned: the first ``stdin.write(b"ping\\n")`` plus ``flush()`` raises
``BrokenPipeError`` (Python ignores SIGPIPE, so ``write(2)`` fails with EPIPE instead of killing the
program), on the first attempt and on every one after it. A program that feeds a co-process (a filter,
a language server, a worker it restarts when it dies) learns that the child is gone from exactly this
error: a runtime that accepts a write into a pipe nobody can read loses that data silently, and the
program notices the dead child one write late, or never.

The contract, the same for every style: the child exits without reading; once the style's wait for
its exit has returned, the FIRST write to its stdin (with the style's way of pushing it out) is
reported as a write into a closed pipe. Each style spells the report its own way:

- sync: ``stdin.write`` + ``flush()`` raises ``BrokenPipeError``;
- asyncio: ``stdin.write`` + ``await stdin.drain()`` raises ``BrokenPipeError`` or
  ``ConnectionResetError`` (the two errors asyncio's own ``Process.communicate()`` catches as "the
  child closed its stdin", Lib/asyncio/subprocess.py ``_feed_stdin``);
- trio: ``proc.stdin.send_all`` raises ``trio.BrokenResourceError`` ("the stream is broken", the
  documented error of ``SendStream.send_all``; ``ClosedResourceError`` is for a stream the program
  closed itself, which this one did not);
- twisted: ``transport.write`` never raises; Twisted's documented report is the protocol's
  ``childConnectionLost(0)`` (``inConnectionLost``), which must have arrived once the write and the
  reactor's turns to carry it out (at most ``TOLD_S``) are done.

The style's wait is ``Popen.wait()``, ``Process.wait()``, trio's ``Process.wait()`` and, for Twisted,
``processExited`` (not ``processEnded``, which Twisted holds back until every pipe, stdin's included,
is closed). Up to ``WRITES`` writes are tried; ``writes_to_error`` records the attempt that was
reported (the contract is 1). A write that raises anything else fails at once, and so does a sync
write that does not return within ``WRITE_S`` (the body writes in a thread to bound it: a write to a
pipe has no timeout of its own).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading

from conformance import Context

TIMEOUT_S = 15.0
WAIT_S = 5.0
WRITES = 4
WRITE_S = 2.0  # the sync body's bound on one write (a write to a pipe has no timeout of its own)
DATA = b"ping\n"
# Twisted: how long after each write the reactor has to report the lost pipe (it writes on its next
# turn, and hears of EPIPE then): generous, the report takes a few milliseconds.
TOLD_S = 0.5
CHILD = "import sys\nsys.exit(0)\n"  # exits at once, without reading its stdin
COMMAND = (sys.executable, "-c", CHILD)


def _check(ctx: Context, reported_at: int | None, what: str, other: str | None) -> None:
    if reported_at is not None:
        ctx.measure("writes_to_error", reported_at)
    ctx.expect(other is None, f"a write to the exited child's stdin {other}, where {what} was expected")
    ctx.expect(reported_at is not None,
               f"none of {WRITES} writes to the exited child's stdin was reported as a write into a closed "
               f"pipe ({what})")
    ctx.expect_equal(reported_at, 1, f"the write reported as a write into a closed pipe ({what})")


def _other(attempt: int, exc: BaseException) -> str:
    return f"(attempt {attempt}) raised {type(exc).__module__}.{type(exc).__qualname__}: {exc}"


def run_sync(ctx: Context) -> None:
    proc = subprocess.Popen(COMMAND, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    stdin = proc.stdin
    reported_at: int | None = None
    other: str | None = None
    what = "BrokenPipeError from write() + flush()"
    raised: list[BaseException | None] = []

    def write() -> None:
        try:
            stdin.write(DATA)
            stdin.flush()
        except Exception as exc:
            raised.append(exc)
        else:
            raised.append(None)

    try:
        ctx.expect_equal(proc.wait(WAIT_S), 0, "the child's return code")
        for attempt in range(1, WRITES + 1):
            # A write to a pipe has no timeout: a thread bounds it (it is left behind if it hangs).
            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            writer.join(WRITE_S)
            if writer.is_alive():
                other = f"(attempt {attempt}) did not return within {WRITE_S} s"
                break
            exc = raised.pop()
            if isinstance(exc, BrokenPipeError):
                reported_at = attempt
                break
            if exc is not None:
                other = _other(attempt, exc)
                break
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT_S)
        if reported_at is not None:
            with contextlib.suppress(OSError):  # the flush on close meets the same broken pipe
                stdin.close()
    _check(ctx, reported_at, what, other)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *COMMAND, stdin=asyncio.subprocess.PIPE))
    assert proc.stdin is not None
    reported_at: int | None = None
    other: str | None = None
    what = "BrokenPipeError or ConnectionResetError from write() + drain()"
    try:
        ctx.expect_equal(await asyncio.wait_for(proc.wait(), WAIT_S), 0, "the child's return code")
        for attempt in range(1, WRITES + 1):
            try:
                proc.stdin.write(DATA)
                await asyncio.wait_for(proc.stdin.drain(), WAIT_S)
            except (BrokenPipeError, ConnectionResetError):
                reported_at = attempt
                break
            except Exception as exc:
                other = _other(attempt, exc)
                break
    finally:
        if proc.returncode is None:
            proc.kill()
        proc.stdin.close()
    _check(ctx, reported_at, what, other)


async def run_trio(ctx: Context) -> None:
    import functools

    import trio

    reported_at: int | None = None
    other: str | None = None
    what = "trio.BrokenResourceError from send_all()"
    with trio.fail_after(WAIT_S):
        async with trio.open_nursery() as nursery:
            proc = await nursery.start(functools.partial(
                trio.run_process, COMMAND, stdin=subprocess.PIPE, check=False))
            ctx.expect_equal(await proc.wait(), 0, "the child's return code")
            for attempt in range(1, WRITES + 1):
                try:
                    await proc.stdin.send_all(DATA)
                except trio.BrokenResourceError:
                    reported_at = attempt
                    break
                except Exception as exc:
                    other = _other(attempt, exc)
                    break
            await proc.stdin.aclose()
    _check(ctx, reported_at, what, other)


async def run_twisted(ctx: Context) -> None:
    import time

    from twisted.internet import reactor, task

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    child = spawn(COMMAND, childFDs={0: "w", 1: 1, 2: 2})
    reported_at: int | None = None
    other: str | None = None
    what = "the protocol's childConnectionLost(0) after transport.write()"
    try:
        # processExited, not processEnded: Twisted ends a process only once it has heard that every
        # pipe, stdin's included, is closed, which would decide the question before the first write.
        ctx.expect_equal(await within_twisted(WAIT_S, child.wait_exited()), 0, "the child's return code")
        for attempt in range(1, WRITES + 1):
            try:
                child.transport.write(DATA)
            except Exception as exc:
                other = _other(attempt, exc)
                break
            deadline = time.monotonic() + TOLD_S
            while 0 not in child.eof and time.monotonic() < deadline:
                await task.deferLater(reactor, 0.005)
            if 0 in child.eof:
                reported_at = attempt
                break
    finally:
        child.kill()
    _check(ctx, reported_at, what, other)
