"""A receive times out on a silent peer.

Reference semantics: a blocking client connected to a peer that never sends calls
``settimeout(0.2)`` and ``recv``: after 200 ms the call raises ``TimeoutError`` (``socket.timeout`` is
the same class since Python 3.10), no earlier, and not much later. Every client that must not hang on a
dead server relies on this. Each style uses its own idiomatic timeout: the socket timeout (sync),
``asyncio.wait_for`` raising ``asyncio.TimeoutError`` (``TimeoutError`` itself since 3.11) and
``trio.fail_after`` raising ``trio.TooSlowError``. ``timeout_ms`` is how long the read waited; it must be
at least the timeout (less one tick of the monotonic clock, and 2 ms for timers kept in whole
milliseconds) and under 2 s.
"""

from __future__ import annotations

import socket
import time

from conformance import Context

PEERS = ("silent",)
TIMEOUT_S = 15.0
READ_TIMEOUT_S = 0.2
# Timers run on the monotonic clock and may fire up to one tick of it early (its resolution: 15.6 ms on
# Windows before Python 3.13, https://docs.python.org/3.12/library/asyncio-platforms.html#windows), or
# round to whole milliseconds against a loop time read a little before the call (libuv): an earlier
# return than this is a wrong timeout, a later one than the ceiling a broken one.
TIMER_SLACK_MS = time.get_clock_info("monotonic").resolution * 1000.0 + 2.0
FLOOR_MS = READ_TIMEOUT_S * 1000.0 - TIMER_SLACK_MS
CEILING_MS = 2000.0


def _check(ctx: Context, elapsed_s: float) -> None:
    elapsed_ms = elapsed_s * 1000.0
    ctx.measure("timeout_ms", elapsed_ms)
    ctx.expect(elapsed_ms >= FLOOR_MS,
               f"the read timed out after {elapsed_ms:.1f} ms, before its {READ_TIMEOUT_S * 1000:.0f}"
               " ms timeout")
    ctx.expect(elapsed_ms < CEILING_MS,
               f"the read timed out after {elapsed_ms:.1f} ms, for a {READ_TIMEOUT_S * 1000:.0f} ms "
               "timeout")


def run_sync(ctx: Context) -> None:
    with socket.create_connection(ctx.peers["silent"].tuple, timeout=5) as sock:
        sock.settimeout(READ_TIMEOUT_S)
        started = time.perf_counter()
        with ctx.expect_raises(TimeoutError):
            sock.recv(1024)
        elapsed = time.perf_counter() - started
    _check(ctx, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(*ctx.peers["silent"].tuple), 5)
    try:
        started = time.perf_counter()
        with ctx.expect_raises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(1024), READ_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    finally:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 5)
    _check(ctx, elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    with trio.fail_after(5):
        stream = await trio.open_tcp_stream(*ctx.peers["silent"].tuple)
    async with stream:
        started = time.perf_counter()
        with ctx.expect_raises(trio.TooSlowError):
            with trio.fail_after(READ_TIMEOUT_S):
                await stream.receive_some(1024)
        elapsed = time.perf_counter() - started
    _check(ctx, elapsed)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = ctx.peers["silent"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    stream = await within_twisted(5, endpoints.connectProtocol(endpoint, Stream()))
    try:
        started = time.perf_counter()
        # Deferred.addTimeout cancels the read after the timeout and fails it with
        # twisted.internet.defer.TimeoutError.
        with ctx.expect_raises(defer.TimeoutError):
            read = defer.Deferred.fromCoroutine(stream.read_some(1024))
            await read.addTimeout(READ_TIMEOUT_S, reactor)
        elapsed = time.perf_counter() - started
    finally:
        await stream.close()
    _check(ctx, elapsed)
