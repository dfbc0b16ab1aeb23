"""TCP echo of 1 MiB over IPv6 loopback

Reference semantics: a blocking client connects to ``::1``, ``sendall``s 1 MiB while another thread
reads, and gets back exactly the same bytes, then EOF after it shuts down its side. IPv6 is the default
for ``localhost`` on many hosts: a runtime must handle AF_INET6 addresses (four-tuples from
``getpeername``, no IPv4-only assumptions in its connect path) exactly as it handles IPv4, without
stalling its other tasks.
"""

from __future__ import annotations

import socket
import threading
import time

from conformance import Context

PEERS = ("tcp6_echo",)
SIZE = 1024 * 1024
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (asyncio, trio)


def _address(ctx: Context) -> tuple[str, int]:
    peer = ctx.peers["tcp6_echo"]
    unavailable = getattr(peer, "unavailable", None)
    if unavailable:
        raise ctx.not_applicable(unavailable)
    address: tuple[str, int] = peer.tuple
    return address


def run_sync(ctx: Context) -> None:
    address = _address(ctx)
    data = ctx.payload(SIZE)
    received = bytearray()
    started = time.perf_counter()
    with socket.create_connection(address, timeout=TIMEOUT_S) as sock:
        ctx.expect_equal(sock.family, socket.AF_INET6, "the connected socket's family")

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

    address = _address(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection(*address)
        family = writer.get_extra_info("socket").family
        ctx.expect_equal(family, socket.AF_INET6, "the connected socket's family")

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

    address = _address(ctx)
    data = ctx.payload(SIZE)
    received = bytearray()
    started = time.perf_counter()
    with trio.fail_after(TIMEOUT_S):
        stream = await trio.open_tcp_stream(*address)
        async with stream:
            ctx.expect_equal(stream.socket.family, socket.AF_INET6, "the connected socket's family")

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
