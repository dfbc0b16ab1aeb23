"""TCP echo of 1 MiB over IPv6 loopback

Reference semantics: a blocking client connects to ``::1``, ``sendall``s 1 MiB while another thread
reads, and gets back exactly the same bytes, then EOF after it shuts down its side. IPv6 is the default
for ``localhost`` on many hosts: a runtime must handle AF_INET6 addresses (four-tuples from
``getpeername``, no IPv4-only assumptions in its connect path) exactly as it handles IPv4, without
stalling its other tasks.
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

PEERS = ("tcp6_echo",)
_echo = sibling_module(__file__, "_echo")
SIZE = _echo.SIZE
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


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
    started = time.perf_counter()
    with socket.create_connection(address, timeout=TIMEOUT_S) as sock:
        ctx.expect_equal(sock.family, socket.AF_INET6, "the connected socket's family")
        received = _echo.echo_sync(sock, data)
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    address = _address(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection(*address)
        family = writer.get_extra_info("socket").family
        ctx.expect_equal(family, socket.AF_INET6, "the connected socket's family")
        received: bytes = await _echo.echo_asyncio(reader, writer, data)
        return received

    received = await asyncio.wait_for(exchange(), TIMEOUT_S)
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)


async def run_trio(ctx: Context) -> None:
    import trio

    address = _address(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()
    with trio.fail_after(TIMEOUT_S):
        stream = await trio.open_tcp_stream(*address)
        async with stream:
            ctx.expect_equal(stream.socket.family, socket.AF_INET6, "the connected socket's family")
            received = await _echo.echo_trio(stream, data)
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = _address(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()

    async def exchange() -> bytes:
        endpoint = endpoints.TCP6ClientEndpoint(reactor, host, port)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        family = stream.transport.getHandle().family
        ctx.expect_equal(family, socket.AF_INET6, "the connected socket's family")
        received: bytes = await _echo.echo_twisted(stream, data)
        return received

    received = await within_twisted(TIMEOUT_S, exchange())
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)
