"""500 concurrent clients of one TCP server.

Reference semantics: 500 blocking clients, one thread each, connect to the same echo server (backlog
1024, a thread per connection), wait until all 500 are connected at once, then each sends 4 KiB of its
own and reads exactly those bytes back. Every connection succeeds and every echo is intact: a runtime
must hold hundreds of sockets open and multiplex them without losing, mixing up or starving any, which
is the everyday load of a server's outbound client pool. ``elapsed_ms`` is the wall time of the whole
run, and ``connections_per_s`` the connections completed per second.
"""

from __future__ import annotations

import socket
import sys
import threading
import time

from conformance import Context

PEERS = ("tcp_echo",)
TIMEOUT_S = 30.0
PLOTS = {"elapsed_ms": "time for all clients"}  # the report plots it per runtime and OS
# No stall verdict here: 500 clients made ready at once (all starting, then all released together)
# keep every scheduler busy for rounds of all of them before the heartbeat's turn comes, 30-460 ms on
# a quiet 2-core machine and up to 1.2 s on a loaded one, for threads, greenlets, asyncio loops and trio
# alike: the same size as the whole run (0.4-1.3 s), so no limit could tell a runtime that blocks from
# one that is busy. This scenario judges correctness (every echo intact) and records throughput and the
# stall; sockets.slow_peer judges whether waiting on a socket stalls other tasks. The limit is the
# cell's deadline, which no stall inside a finished cell can exceed.
STALL_LIMIT_MS = TIMEOUT_S * 1000.0
CLIENTS = 500
SIZE = 4096
# Every wait of a client (connect, the gathering of all clients, each read) is bounded by this.
WAIT_S = 20.0


def _ensure_fd_limit(needed: int) -> None:
    """Raise the soft RLIMIT_NOFILE towards the hard limit if ``needed`` descriptors do not fit."""
    if sys.platform == "win32":  # no rlimits on Windows (no resource module): nothing to raise
        return
    try:
        import resource
    except ImportError:  # no rlimits on this platform: nothing to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _report(ctx: Context, elapsed_s: float, correct: int) -> None:
    ctx.measure("elapsed_ms", elapsed_s * 1000.0)
    ctx.measure("connections_per_s", CLIENTS / elapsed_s)
    ctx.expect_equal(correct, CLIENTS, "clients whose echo came back intact")


def run_sync(ctx: Context) -> None:
    from conformance.support.net import recv_exactly

    # Each connection costs a descriptor here; the peer's side lives in another process.
    _ensure_fd_limit(CLIENTS + 256)
    address = ctx.peers["tcp_echo"].tuple
    all_connected = threading.Barrier(CLIENTS, timeout=WAIT_S)
    correct: list[int] = []
    errors: list[BaseException] = []

    def client(index: int) -> None:
        data = ctx.payload(SIZE, seed=index)
        try:
            with socket.create_connection(address, timeout=WAIT_S) as sock:
                all_connected.wait()
                sock.sendall(data)
                received = recv_exactly(sock, SIZE)
            if received == data:
                correct.append(index)
        except BaseException as exc:
            errors.append(exc)
            all_connected.abort()  # the others must not wait for a client that is gone

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = started + WAIT_S + 5.0
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    elapsed = time.perf_counter() - started
    ctx.expect(not any(t.is_alive() for t in threads), "clients still running after the deadline")
    # The first error that is not the barrier broken on its behalf says what went wrong.
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)] or errors
    if real:
        raise real[0]
    _report(ctx, elapsed, len(correct))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    _ensure_fd_limit(CLIENTS + 256)
    host, port = ctx.peers["tcp_echo"].tuple
    connected = 0
    all_connected = asyncio.Event()

    async def client(index: int) -> bool:
        nonlocal connected
        data = ctx.payload(SIZE, seed=index)
        reader, writer = await asyncio.open_connection(host, port)
        try:
            connected += 1
            if connected == CLIENTS:
                all_connected.set()
            await all_connected.wait()
            writer.write(data)
            await writer.drain()
            received = await reader.readexactly(SIZE)
        finally:
            writer.close()
            await writer.wait_closed()
        return received == data

    started = time.perf_counter()
    results = await asyncio.wait_for(
        asyncio.gather(*(client(i) for i in range(CLIENTS))), WAIT_S)
    elapsed = time.perf_counter() - started
    _report(ctx, elapsed, sum(results))


async def run_trio(ctx: Context) -> None:
    import trio

    from conformance.support.net import receive_exactly_trio

    _ensure_fd_limit(CLIENTS + 256)
    host, port = ctx.peers["tcp_echo"].tuple
    connected = 0
    all_connected = trio.Event()
    correct: list[int] = []

    async def client(index: int) -> None:
        nonlocal connected
        data = ctx.payload(SIZE, seed=index)
        stream = await trio.open_tcp_stream(host, port)
        async with stream:
            connected += 1
            if connected == CLIENTS:
                all_connected.set()
            await all_connected.wait()
            await stream.send_all(data)
            received = await receive_exactly_trio(stream, SIZE)
        if received == data:
            correct.append(index)

    started = time.perf_counter()
    with trio.fail_after(WAIT_S):
        async with trio.open_nursery() as nursery:
            for i in range(CLIENTS):
                nursery.start_soon(client, i)
    elapsed = time.perf_counter() - started
    _report(ctx, elapsed, len(correct))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, endpoints, reactor

    from conformance.support.twisted_streams import Stream

    _ensure_fd_limit(CLIENTS + 256)
    host, port = ctx.peers["tcp_echo"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port, timeout=WAIT_S)
    connected = 0
    waiting: list[defer.Deferred[None]] = []  # the clients waiting for all to be connected

    async def client(index: int) -> bool:
        nonlocal connected
        data = ctx.payload(SIZE, seed=index)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        try:
            connected += 1
            if connected == CLIENTS:
                for waiter in waiting:
                    waiter.callback(None)
            else:
                waiter = defer.Deferred()
                waiting.append(waiter)
                await waiter
            stream.transport.write(data)
            received: bytes = await stream.read_exactly(SIZE)
        finally:
            await stream.close()
        return received == data

    started = time.perf_counter()
    clients = defer.gatherResults([defer.Deferred.fromCoroutine(client(i)) for i in range(CLIENTS)],
                                  consumeErrors=True)
    try:
        results = await clients.addTimeout(WAIT_S, reactor)
    except defer.FirstError as first:
        first.subFailure.raiseException()
    elapsed = time.perf_counter() - started
    _report(ctx, elapsed, sum(results))
