"""Unix domain stream socket echo of 1 MiB

Reference semantics: a blocking client connects an ``AF_UNIX`` stream socket to a path, ``sendall``s
1 MiB while another thread reads, and gets back exactly the same bytes, then EOF after it shuts down
its side. Local services (Docker, databases, X11, systemd) are reached this way: a runtime must give
Unix sockets the same non-blocking treatment as TCP, without losing a byte or stalling its other tasks.
"""

from __future__ import annotations

import socket
import sys
import time

from conformance import Context, sibling_module

PEERS = ("unix_echo",)
NOT_APPLICABLE = {"win32": "Python's socket module on Windows has no AF_UNIX"}
_echo = sibling_module(__file__, "_echo")
_errors = sibling_module(__file__, "_errors")
SIZE = _echo.SIZE
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def _path(ctx: Context) -> str:
    peer = ctx.peers["unix_echo"]
    unavailable = getattr(peer, "unavailable", None)
    if unavailable:
        raise ctx.not_applicable(unavailable)
    path: str = peer.path
    return path


def run_sync(ctx: Context) -> None:
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    path = _path(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT_S)
        sock.connect(path)
        received = _echo.echo_sync(sock, data)
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)


async def run_asyncio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import asyncio

    path = _path(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()

    async def exchange() -> bytes:
        with _errors.naming_missing("asyncio.open_unix_connection"):
            reader, writer = await asyncio.open_unix_connection(path)
        received: bytes = await _echo.echo_asyncio(reader, writer, data)
        return received

    received = await asyncio.wait_for(exchange(), TIMEOUT_S)
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)


async def run_trio(ctx: Context) -> None:
    import trio

    path = _path(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()
    with trio.fail_after(TIMEOUT_S):
        stream = await trio.open_unix_socket(path)
        async with stream:
            received = await _echo.echo_trio(stream, data)
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    path = _path(ctx)
    data = ctx.payload(SIZE)
    started = time.perf_counter()

    async def exchange() -> bytes:
        endpoint = endpoints.UNIXClientEndpoint(reactor, path)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        received: bytes = await _echo.echo_twisted(stream, data)
        return received

    received = await within_twisted(TIMEOUT_S, exchange())
    _echo.measure_rate(ctx, started)
    _echo.check(ctx, received, data)
