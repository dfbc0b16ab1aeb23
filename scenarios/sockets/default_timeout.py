"""The program-wide default socket timeout bounds a receive on a silent peer.

Reference semantics: a program calls ``socket.setdefaulttimeout(0.3)`` once (as scripts and libraries
that never pass a timeout rely on), then connects to a peer that never sends and receives: the socket
was made with a 0.3 s timeout, and the receive raises ``TimeoutError`` (``socket.timeout``) after about
0.3 s (measured here: 300 ms). A program that sets the default expects no call on a connection made
afterwards to hang on a dead peer.

The one contract: after ``socket.setdefaulttimeout(0.3)``, a receive on a connection made afterwards
with the style's idiomatic API (``socket.create_connection``, ``asyncio.open_connection``,
``trio.open_tcp_stream``, a Twisted TCP endpoint) fails with ``TimeoutError`` no earlier than the
default timeout and well before 2 s. A style that ignores the default (its connections are non-blocking,
their timeouts the program's to set) lets the receive wait: every wait is bounded at 2 s, and a receive
still waiting then fails the cell with that. ``timeout_ms`` is how long the receive waited. The default
is reset whatever happens.
"""

from __future__ import annotations

import socket
import threading
import time

from conformance import Context

PEERS = ("silent",)
TIMEOUT_S = 15.0
DEFAULT_TIMEOUT_S = 0.3
BOUND_S = 2.0  # every wait: a runtime that ignores the default fails by this, not by the cell's deadline
CONNECT_S = 5.0
# Timers may fire up to one tick of the monotonic clock early, or round to whole milliseconds (as
# sockets.recv_timeout): an earlier end than this is a wrong timeout.
FLOOR_MS = DEFAULT_TIMEOUT_S * 1000.0 - (time.get_clock_info("monotonic").resolution * 1000.0 + 2.0)


def _check(ctx: Context, raised: BaseException | None, elapsed_s: float) -> None:
    elapsed_ms = elapsed_s * 1000.0
    ctx.measure("timeout_ms", elapsed_ms)
    ctx.expect(raised is not None,
               f"the receive was still waiting after {BOUND_S:.0f} s: the default timeout "
               f"({DEFAULT_TIMEOUT_S} s) did not bound it")
    ctx.expect(isinstance(raised, TimeoutError),
               f"the receive raised {type(raised).__name__}: {raised}, not TimeoutError")
    ctx.expect(FLOOR_MS <= elapsed_ms < BOUND_S * 1000.0,
               f"the receive timed out after {elapsed_ms:.1f} ms, for a default timeout of "
               f"{DEFAULT_TIMEOUT_S * 1000:.0f} ms")


def run_sync(ctx: Context) -> None:
    socket.setdefaulttimeout(DEFAULT_TIMEOUT_S)
    try:
        with socket.create_connection(ctx.peers["silent"].tuple) as sock:
            # A runtime that ignores the default would let recv wait forever: a shutdown ends it.
            watchdog = threading.Timer(BOUND_S, sock.shutdown, (socket.SHUT_RDWR,))
            watchdog.start()
            raised: BaseException | None = None
            started = time.perf_counter()
            try:
                got = sock.recv(1024)
                raised = None if got == b"" else AssertionError(f"the silent peer sent {got!r}")
            except OSError as exc:
                raised = exc
            elapsed = time.perf_counter() - started
            watchdog.cancel()
            watchdog.join(CONNECT_S)
    finally:
        socket.setdefaulttimeout(None)
    _check(ctx, raised, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    socket.setdefaulttimeout(DEFAULT_TIMEOUT_S)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(*ctx.peers["silent"].tuple),
                                                CONNECT_S)
        try:
            raised: BaseException | None = None
            started = time.perf_counter()
            receive = asyncio.ensure_future(reader.read(1024))
            done, _ = await asyncio.wait({receive}, timeout=BOUND_S)
            elapsed = time.perf_counter() - started
            if done:
                try:
                    got = receive.result()
                    raised = AssertionError(f"the read returned {got!r}")
                except Exception as exc:
                    raised = exc
            else:
                receive.cancel()
                await asyncio.wait({receive}, timeout=CONNECT_S)
        finally:
            writer.close()
            await asyncio.wait_for(writer.wait_closed(), CONNECT_S)
    finally:
        socket.setdefaulttimeout(None)
    _check(ctx, raised, elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    socket.setdefaulttimeout(DEFAULT_TIMEOUT_S)
    try:
        with trio.fail_after(CONNECT_S):
            stream = await trio.open_tcp_stream(*ctx.peers["silent"].tuple)
        async with stream:
            raised: BaseException | None = None
            started = time.perf_counter()
            with trio.move_on_after(BOUND_S):
                try:
                    got = await stream.receive_some(1024)
                    raised = AssertionError(f"the receive returned {got!r}")
                except Exception as exc:
                    raised = exc
            elapsed = time.perf_counter() - started
    finally:
        socket.setdefaulttimeout(None)
    _check(ctx, raised, elapsed)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    socket.setdefaulttimeout(DEFAULT_TIMEOUT_S)
    try:
        host, port = ctx.peers["silent"].tuple
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
        stream = await within_twisted(CONNECT_S, endpoints.connectProtocol(endpoint, Stream()))
        try:
            raised: BaseException | None = None
            started = time.perf_counter()
            try:
                got = await within_twisted(BOUND_S, stream.read_some(1024))
                raised = AssertionError(f"the read returned {got!r}")
            except defer.TimeoutError:
                pass  # the bound: the read was still waiting
            except Exception as exc:
                raised = exc
            elapsed = time.perf_counter() - started
        finally:
            await stream.close()
    finally:
        socket.setdefaulttimeout(None)
    _check(ctx, raised, elapsed)
