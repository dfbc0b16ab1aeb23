"""File and pipe I/O through each style's own paths leaks no file descriptors.

Reference semantics: blocking code that writes and reads files in a thread pool, fails to open a missing
file, raises inside a ``with open(...)`` block, and reads a pipe to EOF and closes it, has exactly as many
descriptors open afterwards as before: every ``with`` closes its file, a failed ``open`` leaves nothing
behind, and a closed pipe is gone. A runtime's offload path (``ThreadPoolExecutor``,
``asyncio.to_thread``, ``trio.open_file`` / ``trio.Path``) and its pipe API (a file object over the pipe,
``loop.connect_read_pipe`` until ``connection_lost``, ``trio.lowlevel.FdStream``) must do the same, or a
long-running server runs out of descriptors ("Too many open files") after enough requests.

Runtimes open descriptors of their own lazily at first use (an event loop's selector and wake-up pipe,
a thread pool's machinery), so one round runs before the first count, and only the descriptors of the
next 20 rounds are compared: ``fds_before`` and ``fds_after`` must be equal. POSIX only: the count reads
``/proc/self/fd`` or ``/dev/fd``, and the pipe is read through the POSIX APIs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from conformance import Context

NOT_APPLICABLE = {"win32": "Windows has no /proc/self/fd or /dev/fd to count descriptors, and no "
                           "event loop reads an os.pipe() there"}
IO_TIMEOUT_S = 10.0
ROUNDS = 20
SIZE = 4096


class Abandon(Exception):
    """Raised inside an open file's ``with`` block: the file must still be closed."""


def _counted(ctx: Context, before: int, after: int) -> None:
    ctx.measure("fds_before", before)
    ctx.measure("fds_after", after)
    ctx.expect(after <= before, f"{after - before} descriptors leaked over {ROUNDS} rounds "
                                f"({before} open before, {after} after)")


def _raise_inside(path: Path) -> None:
    with open(path, "rb"):
        raise Abandon


def _pipe_with(data: bytes) -> int:
    """A pipe holding ``data`` whose write end is closed: reading it gives ``data`` then EOF.

    The ends are closed through file objects, not ``os.close``: gevent's patched ``os.close`` defers
    closing a pipe until its hub runs (see files.pipe_cooperative_read), which is not what this
    scenario is about."""
    r, w = os.pipe()
    with open(w, "wb", buffering=0) as f:
        f.write(data)  # less than a pipe's buffer: does not block
    return r


def run_sync(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one_round(pool: ThreadPoolExecutor, index: int) -> None:
        path = ctx.tmpdir / f"file{index}.bin"
        data = ctx.payload(SIZE, seed=index)
        pool.submit(path.write_bytes, data).result(timeout=IO_TIMEOUT_S)
        ctx.expect_equal(pool.submit(path.read_bytes).result(timeout=IO_TIMEOUT_S), data, "file read back")
        with ctx.expect_raises(FileNotFoundError):
            pool.submit((ctx.tmpdir / "missing.bin").read_bytes).result(timeout=IO_TIMEOUT_S)
        with ctx.expect_raises(Abandon):
            pool.submit(_raise_inside, path).result(timeout=IO_TIMEOUT_S)
        received = bytearray()
        with open(_pipe_with(data), "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                received += chunk
        ctx.expect_equal(bytes(received), data, "bytes read from the pipe")

    pool = ThreadPoolExecutor()
    try:
        one_round(pool, 0)  # warm-up: the runtime's own descriptors open now
        before = ctx.open_fd_count()
        for index in range(1, ROUNDS + 1):
            one_round(pool, index)
        after = ctx.open_fd_count()
    finally:
        pool.shutdown(wait=False)  # every result came within its bound, or the cell fails without waiting
    _counted(ctx, before, after)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()

    async def read_pipe(r: int) -> bytes:
        received = bytearray()
        lost: asyncio.Future[None] = loop.create_future()

        class Collect(asyncio.Protocol):
            def data_received(self, data: bytes) -> None:
                received.extend(data)

            def connection_lost(self, exc: Exception | None) -> None:
                if not lost.done():
                    lost.set_result(None) if exc is None else lost.set_exception(exc)

        pipe = open(r, "rb", buffering=0)  # noqa: SIM115 - the transport owns and closes it
        transport, _ = await loop.connect_read_pipe(Collect, pipe)
        try:
            await asyncio.wait_for(asyncio.shield(lost), IO_TIMEOUT_S)  # EOF closes the transport
        finally:
            transport.close()
        return bytes(received)

    async def one_round(index: int) -> None:
        path = ctx.tmpdir / f"file{index}.bin"
        data = ctx.payload(SIZE, seed=index)
        await asyncio.wait_for(asyncio.to_thread(path.write_bytes, data), IO_TIMEOUT_S)
        got = await asyncio.wait_for(asyncio.to_thread(path.read_bytes), IO_TIMEOUT_S)
        ctx.expect_equal(got, data, "file read back")
        with ctx.expect_raises(FileNotFoundError):
            await asyncio.wait_for(asyncio.to_thread((ctx.tmpdir / "missing.bin").read_bytes), IO_TIMEOUT_S)
        with ctx.expect_raises(Abandon):
            await asyncio.wait_for(asyncio.to_thread(_raise_inside, path), IO_TIMEOUT_S)
        ctx.expect_equal(await read_pipe(_pipe_with(data)), data, "bytes read from the pipe")

    await one_round(0)  # warm-up: the runtime's own descriptors open now
    before = ctx.open_fd_count()
    for index in range(1, ROUNDS + 1):
        await one_round(index)
    after = ctx.open_fd_count()
    _counted(ctx, before, after)


async def run_trio(ctx: Context) -> None:
    import trio

    async def one_round(index: int) -> None:
        path = ctx.tmpdir / f"file{index}.bin"
        data = ctx.payload(SIZE, seed=index)
        with trio.fail_after(IO_TIMEOUT_S):
            async with await trio.open_file(path, "wb") as f:
                await f.write(data)
            ctx.expect_equal(await trio.Path(path).read_bytes(), data, "file read back")
            with ctx.expect_raises(FileNotFoundError):
                await trio.Path(ctx.tmpdir / "missing.bin").read_bytes()
            with ctx.expect_raises(Abandon):
                async with await trio.open_file(path, "rb"):
                    raise Abandon
            received = bytearray()
            async with trio.lowlevel.FdStream(_pipe_with(data)) as stream:
                while chunk := await stream.receive_some(65536):
                    received += chunk
        ctx.expect_equal(bytes(received), data, "bytes read from the pipe")

    await one_round(0)  # warm-up: the runtime's own descriptors open now
    before = ctx.open_fd_count()
    for index in range(1, ROUNDS + 1):
        await one_round(index)
    after = ctx.open_fd_count()
    _counted(ctx, before, after)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, threads

    from conformance.support.twisted_streams import read_pipe_to_eof

    def offload(f: Any, *args: Any) -> Any:
        """f(*args) in the reactor's thread pool, as a bounded Deferred."""
        return threads.deferToThread(f, *args).addTimeout(IO_TIMEOUT_S, reactor)

    async def one_round(index: int) -> None:
        path = ctx.tmpdir / f"file{index}.bin"
        data = ctx.payload(SIZE, seed=index)
        await offload(path.write_bytes, data)
        ctx.expect_equal(await offload(path.read_bytes), data, "file read back")
        with ctx.expect_raises(FileNotFoundError):
            await offload((ctx.tmpdir / "missing.bin").read_bytes)
        with ctx.expect_raises(Abandon):
            await offload(_raise_inside, path)
        # a FileDescriptor on the reactor reads the pipe to EOF, then closes it
        pipe = open(_pipe_with(data), "rb", buffering=0)  # noqa: SIM115 - the reader owns and closes it
        ctx.expect_equal(await read_pipe_to_eof(pipe, IO_TIMEOUT_S), data, "bytes read from the pipe")

    await one_round(0)  # warm-up: the runtime's own descriptors open now
    before = ctx.open_fd_count()
    for index in range(1, ROUNDS + 1):
        await one_round(index)
    after = ctx.open_fd_count()
    _counted(ctx, before, after)
