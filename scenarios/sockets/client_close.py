"""Closing a client stream really closes it: the peer sees EOF and the descriptor is released

Reference semantics: a blocking client connects to a TCP listener, sends a byte and calls
``sock.close()``: the kernel sends FIN at once, so the accepting side's next ``recv`` returns ``b""``
(EOF), and the client process holds no descriptor for the connection any more. Servers and clients
open and close connections all day: a close that leaves the descriptor open ends in EMFILE, and one
that never reaches the peer leaves it waiting for a request that will never come.

The contract, the same for every style: after the style's close and the wait it offers for the close
to complete (``sock.close()``; ``writer.close()`` then ``await writer.wait_closed()``; ``await
stream.aclose()``; Twisted's ``transport.loseConnection()`` then its ``connectionLost`` notification),
(1) the peer reads EOF (not a reset, not silence) within 2 s, and (2) the process holds no descriptor,
thread or child it did not hold before the connection was opened (``ctx.check_leaks``, which gives the
runtime a bounded time to release what it releases on a later turn of its loop). The accepting side is
the body's own listening socket, polled without blocking (``select`` with a zero timeout) between the
style's own sleeps: it measures, it is not what is judged. One connection is opened and closed before
the count starts, so that a runtime's once-per-process descriptors (libuv's reserve descriptor, opened
with its first stream) are not taken for leaks. ``peer_saw_eof`` is 1 or 0, ``eof_ms`` how long after
the close the peer read EOF.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from conformance import Context

TIMEOUT_S = 20.0
# This scenario is about the close, not about stalls (the echo and slow-peer scenarios judge those);
# the leak check reads /proc on the scheduler's thread, which a loaded 2-core machine stretches. The
# stall is still recorded.
STALL_LIMIT_MS = 1000.0
WAIT_S = 5.0  # bounds every connect, write and close
EOF_WAIT_S = 2.0  # on loopback the FIN arrives within microseconds of the close
POLL_S = 0.01


class _Peer:
    """The accepting side: a listening socket of the body's own, read only when ``select`` says a
    read cannot block, so that it never waits inside the runtime under test."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.address: tuple[str, int] = self.listener.getsockname()

    @staticmethod
    def _ready(sock: socket.socket) -> bool:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)

    def accept_now(self) -> socket.socket | None:
        if not self._ready(self.listener):
            return None
        conn, _ = self.listener.accept()
        conn.settimeout(EOF_WAIT_S)  # read only when select says it cannot block; bounded anyway
        return conn

    def read_now(self, conn: socket.socket) -> bytes | None:
        """What one ``recv`` returns if it cannot block (``b""`` is EOF), else None."""
        return conn.recv(1024) if self._ready(conn) else None

    def close(self) -> None:
        self.listener.close()


def _sync_poll(ready: Callable[[], object], sleep: Callable[[float], object]) -> object:
    deadline = time.monotonic() + EOF_WAIT_S
    while (found := ready()) is None and time.monotonic() < deadline:
        sleep(POLL_S)
    return found


async def _poll(ready: Callable[[], object], sleep: Callable[[float], Awaitable[object]]) -> object:
    deadline = time.monotonic() + EOF_WAIT_S
    while (found := ready()) is None and time.monotonic() < deadline:
        await sleep(POLL_S)
    return found


class _Watch:
    """What the peer saw after the close: first its data (the byte sent), then EOF, a reset or nothing."""

    def __init__(self, peer: _Peer, conn: socket.socket) -> None:
        self.peer, self.conn = peer, conn
        self.data = bytearray()
        self.end: str | None = None  # "EOF", "a reset (...)"

    def step(self) -> str | None:
        """Read what can be read without blocking; the end, once seen."""
        while self.end is None:
            try:
                chunk = self.peer.read_now(self.conn)
            except OSError as exc:
                self.end = f"a reset ({type(exc).__name__}: {exc})"
            else:
                if chunk is None:
                    break
                if chunk == b"":
                    self.end = "EOF"
                self.data.extend(chunk)
        return self.end


def _judge_eof(ctx: Context, watch: _Watch, closed_at: float) -> None:
    ctx.measure("peer_saw_eof", 1 if watch.end == "EOF" else 0)
    if watch.end == "EOF":
        ctx.measure("eof_ms", (time.perf_counter() - closed_at) * 1000.0)
    ctx.expect_equal(bytes(watch.data), b"x", "what the peer received before the close")


def _verdict(ctx: Context, watch: _Watch, leak: AssertionError | None) -> None:
    """Both halves of the contract in one reason: the peer's EOF, then what was left behind."""
    problems = []
    if watch.end != "EOF":
        problems.append(f"after the client's close the peer saw {watch.end or 'nothing'} within "
                        f"{EOF_WAIT_S:g} s, not EOF")
    if leak is not None:
        problems.append(str(leak))
    ctx.expect(not problems, "; ".join(problems))


def run_sync(ctx: Context) -> None:
    peer = _Peer()
    try:
        for counted in (False, True):
            before = ctx.resources()
            sock = socket.create_connection(peer.address, timeout=WAIT_S)
            sock.sendall(b"x")
            conn = _sync_poll(peer.accept_now, time.sleep)
            ctx.expect(isinstance(conn, socket.socket), "the listener never saw the connection")
            assert isinstance(conn, socket.socket)
            closed_at = time.perf_counter()
            sock.close()
            watch = _Watch(peer, conn)
            try:
                _sync_poll(watch.step, time.sleep)
            finally:
                conn.close()
            if counted:
                _judge_eof(ctx, watch, closed_at)
                leak: AssertionError | None = None
                try:
                    ctx.check_leaks_sync(before, "a client socket opened, used and closed")
                except AssertionError as found:
                    leak = found
                _verdict(ctx, watch, leak)
    finally:
        peer.close()


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    peer = _Peer()
    try:
        for counted in (False, True):
            before = ctx.resources()
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*peer.address), WAIT_S)
            writer.write(b"x")
            await asyncio.wait_for(writer.drain(), WAIT_S)
            conn = await _poll(peer.accept_now, asyncio.sleep)
            ctx.expect(isinstance(conn, socket.socket), "the listener never saw the connection")
            assert isinstance(conn, socket.socket)
            closed_at = time.perf_counter()
            writer.close()
            await asyncio.wait_for(writer.wait_closed(), WAIT_S)
            del reader, writer  # what a program keeps of a closed connection: nothing
            watch = _Watch(peer, conn)
            try:
                await _poll(watch.step, asyncio.sleep)
            finally:
                conn.close()
            if counted:
                _judge_eof(ctx, watch, closed_at)
                leak: AssertionError | None = None
                try:
                    await ctx.check_leaks(before, "a client stream opened, used and closed",
                                          asyncio.sleep)
                except AssertionError as found:
                    leak = found
                _verdict(ctx, watch, leak)
    finally:
        peer.close()


async def run_trio(ctx: Context) -> None:
    import trio

    peer = _Peer()
    try:
        for counted in (False, True):
            before = ctx.resources()
            with trio.fail_after(WAIT_S):
                stream = await trio.open_tcp_stream(*peer.address)
                await stream.send_all(b"x")
            conn = await _poll(peer.accept_now, trio.sleep)
            ctx.expect(isinstance(conn, socket.socket), "the listener never saw the connection")
            assert isinstance(conn, socket.socket)
            closed_at = time.perf_counter()
            with trio.fail_after(WAIT_S):
                await stream.aclose()
            del stream
            watch = _Watch(peer, conn)
            try:
                await _poll(watch.step, trio.sleep)
            finally:
                conn.close()
            if counted:
                _judge_eof(ctx, watch, closed_at)
                leak: AssertionError | None = None
                try:
                    await ctx.check_leaks(before, "a client stream opened, used and closed",
                                          trio.sleep)
                except AssertionError as found:
                    leak = found
                _verdict(ctx, watch, leak)
    finally:
        peer.close()


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor, task

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    def sleep(seconds: float) -> Any:
        return task.deferLater(reactor, seconds)

    peer = _Peer()
    try:
        host, port = peer.address
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port, timeout=WAIT_S)
        for counted in (False, True):
            before = ctx.resources()
            stream = await within_twisted(WAIT_S, endpoints.connectProtocol(endpoint, Stream()))
            stream.transport.write(b"x")
            conn = await _poll(peer.accept_now, sleep)
            ctx.expect(isinstance(conn, socket.socket), "the listener never saw the connection")
            assert isinstance(conn, socket.socket)
            closed_at = time.perf_counter()
            await stream.close(WAIT_S)  # loseConnection(), then connectionLost
            del stream
            watch = _Watch(peer, conn)
            try:
                await _poll(watch.step, sleep)
            finally:
                conn.close()
            if counted:
                _judge_eof(ctx, watch, closed_at)
                leak: AssertionError | None = None
                try:
                    await ctx.check_leaks(before, "a client connection opened, used and closed",
                                          sleep)
                except AssertionError as found:
                    leak = found
                _verdict(ctx, watch, leak)
    finally:
        peer.close()
