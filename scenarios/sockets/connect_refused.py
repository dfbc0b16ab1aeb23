"""Connecting to a closed loopback port is refused.

Reference semantics: a blocking ``socket.create_connection`` to a port of 127.0.0.1 where nothing
listens fails at once with ``ConnectionRefusedError`` (the kernel answers the SYN with a RST). Users
write ``except ConnectionRefusedError`` to retry or report "the server is down"; a runtime that raises
a type that does not tell a refusal from other failures, or takes long to report it, breaks that code
or slows every retry loop.

The contract, the same for every style (``_errors.py`` writes the rule once): the style's own connect
(``socket.create_connection``, ``asyncio.open_connection``, ``trio.open_tcp_stream``, a Twisted
``TCP4ClientEndpoint``) raises, within its bound, what tells a refusal apart: the exception the style
documents for a refused connection (Twisted's ``twisted.internet.error.ConnectionRefusedError``; trio
documents only ``OSError`` "if the connection fails", for every failure alike, so it has none), or the
standard library's ``ConnectionRefusedError``, or an exception whose direct ``__cause__`` is one.
The closed port is one the body binds, reads and closes, so nothing listens on it. ``refused_ms`` is
how long the attempt took.
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

_errors = sibling_module(__file__, "_errors")
TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 5.0
CONDITION = "a connection to a port where nothing listens"


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
        with _errors.expect_condition(ctx, CONDITION, ConnectionRefusedError) as returned:
            sock = socket.create_connection(address, timeout=CONNECT_TIMEOUT_S)
            returned.append(sock)
            sock.close()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    host, port = _closed_port()
    started = time.perf_counter()
    try:
        with _errors.expect_condition(ctx, CONDITION, ConnectionRefusedError) as returned:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                               CONNECT_TIMEOUT_S)
            returned.append(writer)
            writer.close()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)


async def run_trio(ctx: Context) -> None:
    import trio

    host, port = _closed_port()
    started = time.perf_counter()
    try:
        # trio documents no exception for a refusal in particular: only the standard library's class
        # (or one as the direct __cause__) tells it apart.
        with _errors.expect_condition(ctx, CONDITION, ConnectionRefusedError) as returned:
            with trio.fail_after(CONNECT_TIMEOUT_S):
                stream = await trio.open_tcp_stream(host, port)
            returned.append(stream)
            await stream.aclose()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, error, protocol, reactor

    host, port = _closed_port()
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port, timeout=CONNECT_TIMEOUT_S)
    started = time.perf_counter()
    try:
        # Twisted documents twisted.internet.error.ConnectionRefusedError (a ConnectError carrying the
        # OS's message) for a refused connection: the type Twisted code catches.
        with _errors.expect_condition(ctx, CONDITION, ConnectionRefusedError,
                                      (error.ConnectionRefusedError,)) as returned:
            connected = await endpoints.connectProtocol(endpoint, protocol.Protocol()).addTimeout(
                CONNECT_TIMEOUT_S + 1.0, reactor)
            returned.append(connected)
            connected.transport.abortConnection()
    finally:
        ctx.measure("refused_ms", (time.perf_counter() - started) * 1000.0)
