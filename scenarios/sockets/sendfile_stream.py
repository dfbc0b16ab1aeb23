"""sendfile of an 8 MiB file in the middle of a TCP stream: header, file, trailer.

Reference semantics: a blocking client connects with ``socket.create_connection``, sends a header with
``sendall``, then the file with ``socket.sendfile(file)`` (``os.sendfile`` where the platform has it, read
and send elsewhere), which returns the number of bytes sent, then a trailer with ``sendall``; after
``shutdown(SHUT_WR)`` the peer answers the byte count and sha256 of all it received, which must be those of
header + file + trailer, in that order. This is how a server answers with a file (an HTTP response: status
line and headers, then the body from disk, then the next response on the same connection): what was
written to the connection before the file must go out before it, and what is written after must follow
it. ``sockets.sendfile`` sends a file alone on a raw socket (asyncio's ``loop.sock_sendfile``); here the
connection is the style's stream (asyncio's ``open_connection`` transport, trio's ``SocketStream``,
Twisted's protocol transport), whose own write buffer the file must not overtake.

The contract, the same for every style: header, file and trailer arrive intact and in order (the peer's
count and sha256), the file sent through the style's own API for sending a file on its stream, and the
byte count that API returns, where it returns one, is the file's size. The APIs: ``socket.sendfile``
(sync; under gevent and eventlet the patched socket's), ``loop.sendfile(writer.transport, file)``
(asyncio), a ``send_file``/``sendfile`` method of trio's stream or its socket (trio has none today: the
body probes for one), a transport's ``sendfile`` or else ``twisted.protocols.basic.FileSender`` (Twisted's
documented producer that sends a file to a transport). The file arriving intact is the verdict, not how
it travelled: asyncio's ``loop.sendfile`` falls back to reading and writing (``fallback=True``, its
default) where it cannot use ``os.sendfile``, gevent's socket and Twisted's FileSender always read the
file into Python. Whether the kernel copied it is the measurement ``zero_copy`` (1 or 0) with
``zero_copy_bytes``, counted by wrapping ``os.sendfile`` for the duration of the send (the standard
library's socket and asyncio's loop look it up at call time; a native path of the runtime's own would
read 0). A style without any file-sending API for its stream is ``unsupported``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance import Context, sibling_module

PEERS = ("digest",)
_errors = sibling_module(__file__, "_errors")
SIZE = 8 * 1024 * 1024
HEADER = b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n"
TRAILER = b"\r\nHTTP/1.1 204 No Content\r\n\r\n"
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def _write_file(ctx: Context) -> tuple[Path, bytes]:
    """The file to send, written before the measured section, and the answer the peer must give."""
    data = ctx.payload(SIZE)
    path = ctx.tmpdir / "payload.bin"
    path.write_bytes(data)
    whole = HEADER + data + TRAILER
    return path, f"{len(whole)} {hashlib.sha256(whole).hexdigest()}\n".encode()


@contextlib.contextmanager
def _kernel_copies(ctx: Context) -> Iterator[None]:
    """Count the bytes ``os.sendfile`` sends while the block runs: ``zero_copy`` and
    ``zero_copy_bytes``. Measuring only: the wrapper passes every call through unchanged."""
    copied = [0]
    if sys.platform != "win32":  # Windows has no os.sendfile: socket.sendfile reads and sends there
        real = os.sendfile

        def counting(*args: Any, **kwargs: Any) -> int:
            sent = real(*args, **kwargs)
            copied[0] += sent
            return sent

        os.sendfile = counting
    try:
        yield
    finally:
        if sys.platform != "win32":
            os.sendfile = real
        ctx.measure("zero_copy", 1 if copied[0] else 0)
        ctx.measure("zero_copy_bytes", copied[0])


def _check(ctx: Context, sent: object, answer: bytes, expected: bytes) -> None:
    if sent is not None:  # FileSender returns no count
        ctx.expect_equal(sent, SIZE, "the byte count the file-sending API returned")
    ctx.expect_equal(answer, expected,
                     "the peer's answer (bytes and sha256 of header + file + trailer it received), to EOF")


def run_sync(ctx: Context) -> None:
    path, expected = _write_file(ctx)
    answer = bytearray()
    with ctx.measured():
        started = time.perf_counter()
        with socket.create_connection(ctx.peers["digest"].tuple, timeout=TIMEOUT_S) as sock, \
                open(path, "rb") as file:
            sock.sendall(HEADER)
            with _kernel_copies(ctx):
                sent = sock.sendfile(file)
            sock.sendall(TRAILER)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path, expected = _write_file(ctx)
    loop = asyncio.get_running_loop()

    async def exchange() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(*ctx.peers["digest"].tuple)
        try:
            writer.write(HEADER)
            with open(path, "rb") as file, _kernel_copies(ctx), _errors.naming_missing("loop.sendfile"):
                sent = await loop.sendfile(writer.transport, file)
            writer.write(TRAILER)
            writer.write_eof()
            return sent, await reader.read()
        finally:
            writer.close()

    with ctx.measured():
        started = time.perf_counter()
        sent, answer = await asyncio.wait_for(exchange(), TIMEOUT_S)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, answer, expected)


async def run_trio(ctx: Context) -> None:
    import trio

    path, expected = _write_file(ctx)
    answer = bytearray()
    with ctx.measured(), trio.fail_after(TIMEOUT_S):
        started = time.perf_counter()
        stream = await trio.open_tcp_stream(*ctx.peers["digest"].tuple)
        async with stream:
            # trio's socket has no sendfile() today (its source lists it as "not implemented yet") and
            # no stream sends a file: https://github.com/python-trio/trio/issues/45. The probe looks for
            # one on the stream and on its socket, with the standard library's signature.
            sendfile = (getattr(stream, "send_file", None) or getattr(stream, "sendfile", None)
                        or getattr(stream.socket, "sendfile", None))
            if sendfile is None:
                raise NotImplementedError(
                    "trio has no file-sending API: probed trio.SocketStream.send_file, "
                    "trio.SocketStream.sendfile and trio.socket.SocketType.sendfile "
                    "(python-trio/trio#45)")
            await stream.send_all(HEADER)
            with open(path, "rb") as file, _kernel_copies(ctx):
                sent = await sendfile(file)
            await stream.send_all(TRAILER)
            await stream.send_eof()
            while chunk := await stream.receive_some(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor
    from twisted.protocols import basic

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    path, expected = _write_file(ctx)
    host, port = ctx.peers["digest"].tuple

    async def exchange() -> tuple[int | None, bytes]:
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        try:
            transport = stream.transport
            # No Twisted transport has a sendfile(2) method today
            # (https://github.com/twisted/twisted/issues/11395); should one appear, it is used.
            native = getattr(transport, "sendfile", None) or getattr(transport, "sendFile", None)
            sender = getattr(basic, "FileSender", None)
            if native is None and sender is None:
                raise NotImplementedError(
                    "Twisted has no file-sending API here: probed the transport's "
                    "sendfile/sendFile and twisted.protocols.basic.FileSender")
            transport.write(HEADER)
            with open(path, "rb") as file, _kernel_copies(ctx):
                if native is not None:
                    sent: int | None = await native(file)
                else:
                    assert sender is not None  # probed above
                    # FileSender registers itself as the transport's producer and unregisters once the
                    # whole file is in the transport; its Deferred then fires with the last byte written.
                    await sender().beginFileTransfer(file, transport)
                    sent = None
            transport.write(TRAILER)
            transport.loseWriteConnection()
            answer: bytes = await stream.read_to_eof()
        finally:
            await stream.close()
        return sent, answer

    with ctx.measured():
        started = time.perf_counter()
        sent, answer = await within_twisted(TIMEOUT_S, exchange())
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, answer, expected)
