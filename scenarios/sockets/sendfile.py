"""sendfile of an 8 MiB file to a TCP peer

Reference semantics: a blocking client opens a regular file and calls ``socket.sendfile(file)``, which
uses ``os.sendfile`` where the platform has it (falling back to read and send elsewhere) and returns the
number of bytes sent; after ``shutdown(SHUT_WR)`` the peer answers the byte count and sha256 of what
it received, which must be the file's. Static-file servers and proxies rely on this to serve large
files without writing the copy loop themselves.

The contract, the same for every style: the file arrives intact (the peer's count and sha256) through
the style's own file-sending API, and the byte count that API returns, where it returns one, is the
file's size. The APIs: ``socket.sendfile`` (sync; under gevent and eventlet the patched socket's),
``loop.sock_sendfile`` or, for a loop that implements only the transport one, ``loop.sendfile``
(asyncio), a ``sendfile`` method of trio's socket or stream (trio has none today: the body probes for
one), a transport's ``sendfile`` or else ``twisted.protocols.basic.FileSender``, Twisted's documented
producer that sends a file to a transport. How the bytes travel is not the verdict: gevent's socket
and Twisted's FileSender read the file into Python and send it piece by piece, asyncio's fallback does
the same in its executor. Whether the kernel copied them is the measurement ``zero_copy`` (1 or 0),
decided by wrapping ``os.sendfile`` for the duration of the send (``os.sendfile`` is looked up at call
time by the standard library's socket and asyncio's loop) and counting the bytes it returned
(``zero_copy_bytes``); a runtime with its own native path (uvloop's libuv, rloop's Rust) would not go
through ``os.sendfile`` and would read 0 here. A style without any file-sending API is ``unsupported``.
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

PEERS = ("digest",)
_errors = sibling_module(__file__, "_errors")
_sendfile = sibling_module(__file__, "_sendfile")
SIZE = 8 * 1024 * 1024
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def _check(ctx: Context, sent: object, answer: bytes, expected: bytes) -> None:
    _sendfile.check(ctx, sent, SIZE, answer, expected,
                    "the peer's answer (bytes and sha256 it received), to EOF")


def run_sync(ctx: Context) -> None:
    path, expected = _sendfile.write_file(ctx, SIZE)
    answer = bytearray()
    with ctx.measured():
        started = time.perf_counter()
        with socket.create_connection(ctx.peers["digest"].tuple, timeout=TIMEOUT_S) as sock, \
                open(path, "rb") as file:
            with _sendfile.kernel_copies(ctx):
                sent = sock.sendfile(file)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


def _implements(loop: object, name: str) -> bool:
    """Whether the loop's class overrides AbstractEventLoop's stub (which raises NotImplementedError)."""
    import asyncio

    found = getattr(type(loop), name, None)
    return found is not None and found is not getattr(asyncio.AbstractEventLoop, name)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path, expected = _sendfile.write_file(ctx, SIZE)
    loop = asyncio.get_running_loop()
    host, port = ctx.peers["digest"].tuple

    async def with_sock_sendfile() -> tuple[int, bytes]:
        answer = bytearray()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, open(path, "rb") as file:
            sock.setblocking(False)
            await loop.sock_connect(sock, (host, port))
            with _sendfile.kernel_copies(ctx), _errors.naming_missing("loop.sock_sendfile"):
                sent = await loop.sock_sendfile(sock, file)
            sock.shutdown(socket.SHUT_WR)
            while chunk := await loop.sock_recv(sock, 4096):
                answer.extend(chunk)
        return sent, bytes(answer)

    async def with_transport_sendfile() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            with open(path, "rb") as file, _sendfile.kernel_copies(ctx), _errors.naming_missing(
                    "loop.sendfile (loop.sock_sendfile is AbstractEventLoop's stub)"):
                sent = await loop.sendfile(writer.transport, file)
            writer.write_eof()
            return sent, await reader.read()
        finally:
            writer.close()

    # Both are asyncio's file-sending API; a loop that has neither keeps AbstractEventLoop's stubs.
    if _implements(loop, "sock_sendfile"):
        exchange = with_sock_sendfile
    elif _implements(loop, "sendfile"):
        exchange = with_transport_sendfile
    else:
        raise NotImplementedError(
            f"{type(loop).__module__}.{type(loop).__qualname__} implements neither loop.sock_sendfile "
            "nor loop.sendfile (both are AbstractEventLoop's stubs, which raise NotImplementedError)")
    with ctx.measured():
        started = time.perf_counter()
        sent, answer = await asyncio.wait_for(exchange(), TIMEOUT_S)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, answer, expected)


async def run_trio(ctx: Context) -> None:
    import trio

    path, expected = _sendfile.write_file(ctx, SIZE)
    answer = bytearray()
    with ctx.measured(), trio.fail_after(TIMEOUT_S):
        started = time.perf_counter()
        stream = await trio.open_tcp_stream(*ctx.peers["digest"].tuple)
        async with stream:
            sendfile = _sendfile.trio_sendfile(stream)
            with open(path, "rb") as file, _sendfile.kernel_copies(ctx):
                sent = await sendfile(file)
            await stream.send_eof()
            while chunk := await stream.receive_some(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    path, expected = _sendfile.write_file(ctx, SIZE)
    host, port = ctx.peers["digest"].tuple

    async def exchange() -> tuple[int | None, bytes]:
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        try:
            transport = stream.transport
            with open(path, "rb") as file, _sendfile.kernel_copies(ctx):
                sent = await _sendfile.twisted_sendfile(transport)(file)
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
