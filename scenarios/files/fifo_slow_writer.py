"""Reading a named FIFO (os.mkfifo) while its writer, another process, is slow.

Reference semantics: a process opens a FIFO by its path with ``open(path, "rb")``, which waits until a
writer opens the other end, and reads it to EOF. The writer sends 5 chunks of 1 KiB 300 ms apart and
exits; the reader gets exactly those bytes, then EOF. Both waits (for the writer to open, for the next
chunk) sleep in the kernel and every other thread keeps running (``pass``). FIFOs are how shell
pipelines, log collectors and some daemons hand data to a program by name.

A FIFO is opened like a regular file, and each style opens it the way its users open a file by path:
sync code with ``open()`` and ``read()``, which neither gevent nor eventlet patches (the file object is
a plain ``io.FileIO``), so the waits block the whole hub (``blocking``: the read loop never yields, so the
stall is the whole read, about 1.2 s);
asyncio with ``open`` in ``asyncio.to_thread`` (the open waits for the writer) then
``loop.connect_read_pipe``, which waits on the FIFO with the selector; trio with ``trio.open_file``,
whose open and reads run in worker threads. The writer is a separate Python process, started before
the measured window. ``read_ms`` is the time from the open to EOF (at least the 4 gaps).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conformance import Context

NOT_APPLICABLE = {"win32": "Windows has no named FIFOs (os.mkfifo)"}
TIMEOUT_S = 20.0
IO_TIMEOUT_S = 10.0
CHUNKS = 5
CHUNK = 1024
GAP_S = 0.3
WRITER = (
    "import os, sys, time\n"
    "path, chunks, size, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])\n"
    "fd = os.open(path, os.O_WRONLY)  # waits for the reader\n"
    "for i in range(chunks):\n"
    "    if i:\n"
    "        time.sleep(gap)\n"
    "    os.write(fd, bytes([65 + i]) * size)\n"
    "os.close(fd)\n"
)
EXPECTED = b"".join(bytes([65 + i]) * CHUNK for i in range(CHUNKS))


def _start_writer(ctx: Context) -> tuple[Path, subprocess.Popen[bytes]]:
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    path = ctx.tmpdir / "fifo"
    os.mkfifo(path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(CHUNKS), str(CHUNK), str(GAP_S)])
    return path, writer


def _finish(ctx: Context, writer: subprocess.Popen[bytes], received: bytes, elapsed_s: float) -> None:
    writer.wait(timeout=IO_TIMEOUT_S)
    ctx.measure("read_ms", elapsed_s * 1000.0)
    ctx.expect_equal(writer.returncode, 0, "the writer's exit status")
    ctx.expect_equal(received, EXPECTED, "bytes read from the FIFO")
    least_s = (CHUNKS - 1) * GAP_S * 0.8
    ctx.expect(elapsed_s >= least_s, f"EOF after {elapsed_s * 1000:.0f} ms, before the writer's "
                                     f"{(CHUNKS - 1) * GAP_S * 1000:.0f} ms of gaps: the writer was not slow")


def run_sync(ctx: Context) -> None:
    path, writer = _start_writer(ctx)
    received = bytearray()
    with ctx.measured():
        started = time.perf_counter()
        with open(path, "rb", buffering=0) as f:
            while chunk := f.read(65536):
                received += chunk
        elapsed = time.perf_counter() - started
    _finish(ctx, writer, bytes(received), elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    path, writer = _start_writer(ctx)
    received = bytearray()
    with ctx.measured():
        started = time.perf_counter()
        # open() of a FIFO waits for the writer to open its end: a blocking call, so in a thread
        fifo = await asyncio.wait_for(asyncio.to_thread(open, path, "rb", buffering=0), IO_TIMEOUT_S)
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), fifo)
        try:
            while chunk := await asyncio.wait_for(reader.read(65536), IO_TIMEOUT_S):
                received += chunk
        finally:
            transport.close()
        elapsed = time.perf_counter() - started
    _finish(ctx, writer, bytes(received), elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    path, writer = _start_writer(ctx)
    received = bytearray()
    with ctx.measured():
        started = time.perf_counter()
        with trio.fail_after(IO_TIMEOUT_S):
            async with await trio.open_file(path, "rb", buffering=0) as f:
                while chunk := await f.read(65536):
                    received += chunk
        elapsed = time.perf_counter() - started
    _finish(ctx, writer, bytes(received), elapsed)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, threads

    from conformance.support.twisted_streams import read_pipe_to_eof

    path, writer = _start_writer(ctx)
    with ctx.measured():
        started = time.perf_counter()
        # open() of a FIFO waits for the writer to open its end: a blocking call, so in a thread
        fifo = await threads.deferToThread(open, path, "rb", buffering=0).addTimeout(IO_TIMEOUT_S, reactor)
        received = await read_pipe_to_eof(fifo, IO_TIMEOUT_S)  # a FileDescriptor on the reactor
        elapsed = time.perf_counter() - started
    _finish(ctx, writer, received, elapsed)
