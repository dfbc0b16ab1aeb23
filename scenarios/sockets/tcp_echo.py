"""TCP echo of 1 MiB over IPv4 loopback.

Reference semantics: a blocking client connects to 127.0.0.1, ``sendall``s 1 MiB while another thread
reads, and gets back exactly the same bytes, then EOF after it shuts down its side. Every runtime must
move bulk data over a stream socket without losing, reordering or duplicating a byte, and without
stalling its other tasks while it waits for the peer.
"""

from __future__ import annotations

import socket

from conformance import Context, sibling_module

PEERS = ("tcp_echo",)
_echo = sibling_module(__file__, "_echo")
SIZE = _echo.SIZE
WAIT_S = 10.0  # bounds the connect and the exchange (per blocking call in the sync body)


def run_sync(ctx: Context) -> None:
    data = ctx.payload(SIZE)
    with socket.create_connection(ctx.peers["tcp_echo"].tuple, timeout=WAIT_S) as sock:
        received = _echo.echo_sync(sock, data)
    _echo.check(ctx, received, data)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    data = ctx.payload(SIZE)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(*ctx.peers["tcp_echo"].tuple),
                                            WAIT_S)
    received = await asyncio.wait_for(_echo.echo_asyncio(reader, writer, data), WAIT_S)
    _echo.check(ctx, received, data)


async def run_trio(ctx: Context) -> None:
    import trio

    data = ctx.payload(SIZE)
    with trio.fail_after(WAIT_S):
        stream = await trio.open_tcp_stream(*ctx.peers["tcp_echo"].tuple)
    async with stream:
        with trio.fail_after(WAIT_S):
            received = await _echo.echo_trio(stream, data)
    _echo.check(ctx, received, data)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    data = ctx.payload(SIZE)
    host, port = ctx.peers["tcp_echo"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    stream = await within_twisted(WAIT_S, endpoints.connectProtocol(endpoint, Stream()))
    received = await within_twisted(WAIT_S, _echo.echo_twisted(stream, data))
    _echo.check(ctx, received, data)
