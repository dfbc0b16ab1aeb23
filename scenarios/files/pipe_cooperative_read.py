"""Reading an anonymous pipe (os.pipe) fed slowly by another process.

Reference semantics: a process creates a pipe, hands the write end to a writer process (``pass_fds``),
closes its own copy with ``os.close``, and reads the read end with ``os.read`` until EOF. The writer
sends 5 chunks of 1 KiB 300 ms apart and exits; the reader gets exactly those bytes, then EOF once the
last write end is closed. While ``os.read`` waits for the next chunk the thread sleeps in the kernel and
every other thread keeps running (``pass``). A pipe, unlike a regular file, can be waited on: each style
has a cooperative way to read it (sync code: plain ``os.read``, which eventlet's ``monkey_patch()``
makes green and gevent's ``patch_all()`` leaves alone; asyncio: ``loop.connect_read_pipe``; trio:
``trio.lowlevel.FdStream``), and with it the scheduler must keep ticking through the 300 ms gaps. Pipes
carry data between a program and its helpers, log shippers, ``git`` and compressors.

The writer is a separate Python process started before the measured window, so its pace does not depend
on the runtime under test. The sync body bounds its reads with ``SIGALRM``, which interrupts the blocking
``os.read`` itself (a ``select()`` before each read would change the call under test): a read that never
sees EOF fails the cell after 4 s instead of hanging it. ``read_ms`` is the time from the start of the
read to EOF (at least the 4 gaps).
Not applicable on Windows: no event loop can wait on an ``os.pipe()`` handle there (it is not
overlapped), trio has no ``FdStream``, and ``subprocess`` has no ``pass_fds``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from types import FrameType

from conformance import Context

# On Windows the harness cannot hand the pipe to the writer process (no pass_fds), so no runtime can be
# measured. The loops themselves differ there: asyncio's Proactor and Selector loops cannot wait on an
# os.pipe() handle, trio has no FdStream, but libuv can (Winloop's own tests read and write os.pipe()
# descriptors on Windows and skip only asyncio's loop:
# https://github.com/Vizonex/Winloop/blob/v0.6.3/tests/test_pipes.py#L73-L90).
NOT_APPLICABLE = {"win32": "the writer process gets the pipe through pass_fds, which subprocess lacks on "
                           "Windows (asyncio's Windows loops could not wait on an os.pipe() handle either, "
                           "which is not overlapped; winloop's libuv loop could)"}
TIMEOUT_S = 20.0
IO_TIMEOUT_S = 4.0
CHUNKS = 5
CHUNK = 1024
GAP_S = 0.3
WRITER = (
    "import os, sys, time\n"
    "fd, chunks, size, gap = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])\n"
    "for i in range(chunks):\n"
    "    if i:\n"
    "        time.sleep(gap)\n"
    "    os.write(fd, bytes([65 + i]) * size)\n"
)
EXPECTED = b"".join(bytes([65 + i]) * CHUNK for i in range(CHUNKS))


def _start_writer() -> tuple[int, subprocess.Popen[bytes]]:
    """Start the slow writer on a new pipe; return the read end and the writer process."""
    r, w = os.pipe()
    try:
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(w), str(CHUNKS), str(CHUNK), str(GAP_S)], pass_fds=(w,))
    finally:
        os.close(w)  # the writer holds the only other write end: its exit is the reader's EOF
    return r, writer


def _finish(ctx: Context, writer: subprocess.Popen[bytes], received: bytes, elapsed_s: float) -> None:
    writer.wait(timeout=IO_TIMEOUT_S)
    ctx.measure("read_ms", elapsed_s * 1000.0)
    ctx.expect_equal(writer.returncode, 0, "the writer's exit status")
    ctx.expect_equal(received, EXPECTED, "bytes read from the pipe")
    least_s = (CHUNKS - 1) * GAP_S * 0.8
    ctx.expect(elapsed_s >= least_s, f"EOF after {elapsed_s * 1000:.0f} ms, before the writer's "
                                     f"{(CHUNKS - 1) * GAP_S * 1000:.0f} ms of gaps: the writer was not slow")


class _Deadline(Exception):
    pass


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Interrupt a blocking call of the main thread with ``_Deadline`` after ``seconds``."""
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Deadline

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_sync(ctx: Context) -> None:
    r, writer = _start_writer()
    received = bytearray()
    try:
        with ctx.measured():
            started = time.perf_counter()
            try:
                with _alarm(IO_TIMEOUT_S):
                    while chunk := os.read(r, 65536):
                        received += chunk
            except _Deadline:
                raise AssertionError(
                    f"no EOF {IO_TIMEOUT_S:.0f} s after the read began, {len(received)} of "
                    f"{len(EXPECTED)} bytes received (writer exit status: {writer.poll()}): a write "
                    "end of the pipe is still open") from None
            elapsed = time.perf_counter() - started
    finally:
        os.close(r)
    _finish(ctx, writer, bytes(received), elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    r, writer = _start_writer()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                open(r, "rb", buffering=0))  # noqa: SIM115 - the transport owns it
    received = bytearray()
    try:
        with ctx.measured():
            started = time.perf_counter()
            while chunk := await asyncio.wait_for(reader.read(65536), IO_TIMEOUT_S):
                received += chunk
            elapsed = time.perf_counter() - started
    finally:
        transport.close()
    _finish(ctx, writer, bytes(received), elapsed)


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import trio

    r, writer = _start_writer()
    received = bytearray()
    async with trio.lowlevel.FdStream(r) as stream:
        with ctx.measured():
            started = time.perf_counter()
            with trio.fail_after(IO_TIMEOUT_S):
                while chunk := await stream.receive_some(65536):
                    received += chunk
            elapsed = time.perf_counter() - started
    _finish(ctx, writer, bytes(received), elapsed)


async def run_twisted(ctx: Context) -> None:
    from conformance.support.twisted_streams import read_pipe_to_eof

    r, writer = _start_writer()
    # a FileDescriptor reading the non-blocking pipe when the reactor says it is readable; it owns and
    # closes the file object
    with ctx.measured():
        started = time.perf_counter()
        received = await read_pipe_to_eof(open(r, "rb", buffering=0), IO_TIMEOUT_S)  # noqa: SIM115
        elapsed = time.perf_counter() - started
    _finish(ctx, writer, received, elapsed)
