"""Shared by sockets.tcp_echo, sockets.tcp6_echo and sockets.unix_echo: the 1 MiB echo over an
already-connected socket, stream or Twisted protocol, and the checks of what came back."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from conformance import Context

SIZE = 1024 * 1024


def echo_sync(sock: socket.socket, data: bytes) -> bytes:
    """Send ``data`` while another thread reads to EOF; return what was read. Every call is bounded by
    the socket's timeout, and the join by twice that."""
    received = bytearray()

    def reader() -> None:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return
            received.extend(chunk)

    thread = threading.Thread(target=reader)
    thread.start()
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)
    # The reader ends at EOF or at its recv's timeout (a TimeoutError in the thread, and then the
    # bytes are short): never later than this unless the runtime ignores the timeout.
    thread.join(2 * (sock.gettimeout() or 10.0))
    if thread.is_alive():
        raise AssertionError("the reading thread did not end within twice the socket's timeout")
    return bytes(received)


async def echo_asyncio(reader: Any, writer: Any, data: bytes) -> bytes:
    """Send ``data`` in a task while reading to EOF, then close the writer; return what was read."""
    import asyncio

    async def send() -> None:
        writer.write(data)
        await writer.drain()
        writer.write_eof()

    sending = asyncio.create_task(send())
    received: bytes = await reader.read()  # to EOF
    await sending
    writer.close()
    await writer.wait_closed()
    return received


async def echo_trio(stream: Any, data: bytes) -> bytes:
    """Send ``data`` in a child task while reading to EOF (the caller closes ``stream``)."""
    import trio

    received = bytearray()

    async def send() -> None:
        await stream.send_all(data)
        await stream.send_eof()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send)
        while chunk := await stream.receive_some(65536):
            received.extend(chunk)
    return bytes(received)


async def echo_twisted(stream: Any, data: bytes) -> bytes:
    """Write ``data`` to a connected ``conformance.support.twisted_streams.Stream`` and half-close
    (``loseWriteConnection``: the FIN goes once the buffer is written) while reading to EOF
    (``readConnectionLost``); then close the connection and wait for it to be lost."""
    try:
        stream.transport.write(data)
        stream.transport.loseWriteConnection()
        received: bytes = await stream.read_to_eof()
    finally:
        await stream.close()
    return received


def measure_rate(ctx: Context, started: float) -> None:
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))


def check(ctx: Context, received: bytes, data: bytes) -> None:
    ctx.expect_equal(len(received), SIZE, "bytes echoed")
    ctx.expect(received == data, "the echoed bytes differ from those sent")
