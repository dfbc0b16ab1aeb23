"""Unix domain stream socket echo of 1 MiB

Reference semantics: a blocking client connects an ``AF_UNIX`` stream socket to a path, ``sendall``s
1 MiB while another thread reads, and gets back exactly the same bytes, then EOF after it shuts down
its side. Local services (Docker, databases, X11, systemd) are reached this way: a runtime must give
Unix sockets the same non-blocking treatment as TCP, without losing a byte or stalling its other tasks.
"""

from __future__ import annotations

import socket
import threading
import time

from conformance import Context

PEERS = ("unix_echo",)
NOT_APPLICABLE = {"win32": "Python's socket module on Windows has no AF_UNIX"}
SIZE = 1024 * 1024
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (asyncio, trio)


def _path(ctx: Context) -> str:
    peer = ctx.peers["unix_echo"]
    unavailable = getattr(peer, "unavailable", None)
    if unavailable:
        raise ctx.not_applicable(unavailable)
    path: str = peer.path
    return path


def run_sync(ctx: Context) -> None:
    path = _path(ctx)
    data = ctx.payload(SIZE)
    received = bytearray()
    started = time.perf_counter()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT_S)
        sock.connect(path)

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
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    ctx.expect_equal(len(received), SIZE, "bytes echoed")
    ctx.expect(bytes(received) == data, "the echoed bytes differ from those sent")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path = _path(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_unix_connection(path)

        async def send() -> None:
            writer.write(data)
            await writer.drain()
            writer.write_eof()

        sending = asyncio.create_task(send())
        received = await reader.read()  # to EOF
        await sending
        writer.close()
        await writer.wait_closed()
        return received

    received = await asyncio.wait_for(exchange(), TIMEOUT_S)
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    ctx.expect_equal(len(received), SIZE, "bytes echoed")
    ctx.expect(received == data, "the echoed bytes differ from those sent")


async def run_trio(ctx: Context) -> None:
    import trio

    path = _path(ctx)
    data = ctx.payload(SIZE)
    received = bytearray()
    started = time.perf_counter()
    with trio.fail_after(TIMEOUT_S):
        stream = await trio.open_unix_socket(path)
        async with stream:

            async def send() -> None:
                await stream.send_all(data)
                await stream.send_eof()

            async with trio.open_nursery() as nursery:
                nursery.start_soon(send)
                while chunk := await stream.receive_some(65536):
                    received.extend(chunk)
    ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    ctx.expect_equal(len(received), SIZE, "bytes echoed")
    ctx.expect(bytes(received) == data, "the echoed bytes differ from those sent")
