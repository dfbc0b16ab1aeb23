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

import socket
import time

from conformance import Context, sibling_module

PEERS = ("digest",)
_errors = sibling_module(__file__, "_errors")
_sendfile = sibling_module(__file__, "_sendfile")
SIZE = 8 * 1024 * 1024
HEADER = b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n"
TRAILER = b"\r\nHTTP/1.1 204 No Content\r\n\r\n"
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def _check(ctx: Context, sent: object, answer: bytes, expected: bytes) -> None:
    _sendfile.check(ctx, sent, SIZE, answer, expected,
                    "the peer's answer (bytes and sha256 of header + file + trailer it received), to EOF")


def run_sync(ctx: Context) -> None:
    path, expected = _sendfile.write_file(ctx, SIZE, HEADER, TRAILER)
    answer = bytearray()
    with ctx.measured():
        started = time.perf_counter()
        with socket.create_connection(ctx.peers["digest"].tuple, timeout=TIMEOUT_S) as sock, \
                open(path, "rb") as file:
            sock.sendall(HEADER)
            with _sendfile.kernel_copies(ctx):
                sent = sock.sendfile(file)
            sock.sendall(TRAILER)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path, expected = _sendfile.write_file(ctx, SIZE, HEADER, TRAILER)
    loop = asyncio.get_running_loop()

    async def exchange() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(*ctx.peers["digest"].tuple)
        try:
            writer.write(HEADER)
            with open(path, "rb") as file, _sendfile.kernel_copies(ctx), \
                    _errors.naming_missing("loop.sendfile"):
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

    path, expected = _sendfile.write_file(ctx, SIZE, HEADER, TRAILER)
    answer = bytearray()
    with ctx.measured(), trio.fail_after(TIMEOUT_S):
        started = time.perf_counter()
        stream = await trio.open_tcp_stream(*ctx.peers["digest"].tuple)
        async with stream:
            sendfile = _sendfile.trio_sendfile(stream)
            await stream.send_all(HEADER)
            with open(path, "rb") as file, _sendfile.kernel_copies(ctx):
                sent = await sendfile(file)
            await stream.send_all(TRAILER)
            await stream.send_eof()
            while chunk := await stream.receive_some(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    path, expected = _sendfile.write_file(ctx, SIZE, HEADER, TRAILER)
    host, port = ctx.peers["digest"].tuple

    async def exchange() -> tuple[int | None, bytes]:
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        try:
            transport = stream.transport
            send_file = _sendfile.twisted_sendfile(transport)
            transport.write(HEADER)
            with open(path, "rb") as file, _sendfile.kernel_copies(ctx):
                sent = await send_file(file)
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
