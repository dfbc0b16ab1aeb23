"""TCP echo of 1 MiB over IPv4 loopback.

Reference semantics: a blocking client connects to 127.0.0.1, ``sendall``s 1 MiB while another thread
reads, and gets back exactly the same bytes, then EOF after it shuts down its side. Every runtime must
move bulk data over a stream socket without losing, reordering or duplicating a byte, and without
stalling its other tasks while it waits for the peer.
"""

from __future__ import annotations

import socket
import threading

from conformance import Context

PEERS = ("tcp_echo",)
SIZE = 1024 * 1024


def run_sync(ctx: Context) -> None:
    data = ctx.payload(SIZE)
    received = bytearray()
    with socket.create_connection(ctx.peers["tcp_echo"].tuple, timeout=10) as sock:

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
        thread.join()
    ctx.expect_equal(len(received), SIZE, "bytes echoed")
    ctx.expect(bytes(received) == data, "the echoed bytes differ from those sent")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    data = ctx.payload(SIZE)
    reader, writer = await asyncio.open_connection(*ctx.peers["tcp_echo"].tuple)

    async def send() -> None:
        writer.write(data)
        await writer.drain()
        writer.write_eof()

    sending = asyncio.create_task(send())
    received = await reader.read()  # to EOF
    await sending
    writer.close()
    await writer.wait_closed()
    ctx.expect_equal(len(received), SIZE, "bytes echoed")
    ctx.expect(received == data, "the echoed bytes differ from those sent")


async def run_trio(ctx: Context) -> None:
    import trio

    data = ctx.payload(SIZE)
    received = bytearray()
    stream = await trio.open_tcp_stream(*ctx.peers["tcp_echo"].tuple)
    async with stream:

        async def send() -> None:
            await stream.send_all(data)
            await stream.send_eof()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send)
            while chunk := await stream.receive_some(65536):
                received.extend(chunk)
    ctx.expect_equal(len(received), SIZE, "bytes echoed")
    ctx.expect(bytes(received) == data, "the echoed bytes differ from those sent")
