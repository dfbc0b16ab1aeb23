"""Connecting to a closed loopback port is refused.

Reference semantics: a blocking ``socket.create_connection`` to a port of 127.0.0.1 where nothing
listens fails at once with ``ConnectionRefusedError`` (the kernel answers the SYN with a RST). Users
write ``except ConnectionRefusedError`` to retry or report "the server is down"; a runtime that raises
another type, or takes long to report the refusal, breaks that code or slows every retry loop. The
closed port is one the body binds, reads and closes, so nothing listens on it. ``refused_ms`` is how
long the attempt took.
"""

from __future__ import annotations

import socket
import time

from conformance import Context

TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 5.0


def _closed_port() -> tuple[str, int]:
    """A loopback port nothing listens on: bound to get a free one, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        host, port = probe.getsockname()
    return host, port


def run_sync(ctx: Context) -> None:
    address = _closed_port()
    started = time.perf_counter()
    try:
        with ctx.expect_raises(ConnectionRefusedError):
            socket.create_connection(address, timeout=CONNECT_TIMEOUT_S).close()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    host, port = _closed_port()
    started = time.perf_counter()
    try:
        with ctx.expect_raises(ConnectionRefusedError):
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                               CONNECT_TIMEOUT_S)
            writer.close()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)


async def run_trio(ctx: Context) -> None:
    import trio

    host, port = _closed_port()
    started = time.perf_counter()
    try:
        with ctx.expect_raises(ConnectionRefusedError):
            with trio.fail_after(CONNECT_TIMEOUT_S):
                stream = await trio.open_tcp_stream(host, port)
            await stream.aclose()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, error, protocol, reactor

    host, port = _closed_port()
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port, timeout=CONNECT_TIMEOUT_S)
    started = time.perf_counter()
    try:
        # Twisted reports a refused connection as twisted.internet.error.ConnectionRefusedError (a
        # ConnectError carrying the OS's message), the type Twisted code catches.
        with ctx.expect_raises(error.ConnectionRefusedError):
            connected = await endpoints.connectProtocol(endpoint, protocol.Protocol()).addTimeout(
                CONNECT_TIMEOUT_S + 1.0, reactor)
            connected.transport.abortConnection()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)
