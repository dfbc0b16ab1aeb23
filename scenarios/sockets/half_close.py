"""Half-close: shut down the sending side and keep reading

Reference semantics: a blocking client ``sendall``s 1 MiB, calls ``shutdown(SHUT_WR)`` and keeps
reading: the peer sees EOF, answers ``<count> <sha256 hex>`` of everything it received, and closes,
which the client sees as EOF after the answer. Request/response protocols that mark the end of a
request by EOF (HTTP/1.0 bodies, ``nc -N``, ``ssh`` exec channels, rsync) need a runtime to send a FIN
without closing the connection, and to keep delivering what arrives afterwards.
"""

from __future__ import annotations

import hashlib
import socket
import time

from conformance import Context

PEERS = ("digest",)
SIZE = 1024 * 1024
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def _check_answer(ctx: Context, answer: bytes, data: bytes) -> None:
    expected = f"{len(data)} {hashlib.sha256(data).hexdigest()}\n".encode()
    ctx.expect_equal(answer, expected, "the peer's answer (bytes and sha256 it received), to EOF")


def run_sync(ctx: Context) -> None:
    data = ctx.payload(SIZE)
    answer = bytearray()
    started = time.perf_counter()
    with socket.create_connection(ctx.peers["digest"].tuple, timeout=TIMEOUT_S) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        while chunk := sock.recv(4096):
            answer.extend(chunk)
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check_answer(ctx, bytes(answer), data)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    data = ctx.payload(SIZE)

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection(*ctx.peers["digest"].tuple)
        ctx.expect(writer.can_write_eof(), "a TCP stream writer should be able to write EOF")
        writer.write(data)
        await writer.drain()
        writer.write_eof()
        answer = await reader.read()  # to EOF
        writer.close()
        await writer.wait_closed()
        return answer

    started = time.perf_counter()
    answer = await asyncio.wait_for(exchange(), TIMEOUT_S)
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check_answer(ctx, answer, data)


async def run_trio(ctx: Context) -> None:
    import trio

    data = ctx.payload(SIZE)
    answer = bytearray()
    started = time.perf_counter()
    with trio.fail_after(TIMEOUT_S):
        async with await trio.open_tcp_stream(*ctx.peers["digest"].tuple) as stream:
            await stream.send_all(data)
            await stream.send_eof()
            while chunk := await stream.receive_some(4096):
                answer.extend(chunk)
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check_answer(ctx, bytes(answer), data)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    data = ctx.payload(SIZE)
    host, port = ctx.peers["digest"].tuple

    async def exchange() -> bytes:
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        try:
            stream.transport.write(data)
            # ITCPTransport.loseWriteConnection: the FIN goes once the buffer is written, and the
            # protocol (an IHalfCloseableProtocol) keeps receiving until readConnectionLost.
            stream.transport.loseWriteConnection()
            answer: bytes = await stream.read_to_eof()
        finally:
            await stream.close()
        return answer

    started = time.perf_counter()
    answer = await within_twisted(TIMEOUT_S, exchange())
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check_answer(ctx, answer, data)
