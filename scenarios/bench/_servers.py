"""Shared by the bench scenarios: an echo server written the way each style's users write one.

- sync: a listening socket, an accept loop in a thread, a thread per connection (greenlets under gevent
  and eventlet: the same code);
- asyncio: ``asyncio.start_server`` with a streams handler;
- trio: ``trio.serve_tcp`` with a stream handler;
- twisted: a ``Protocol`` whose ``dataReceived`` writes the data back, listening on a server endpoint.

Every handler echoes until EOF and counts itself in a :class:`Connections` (the idle-connections
workload waits for all of them). TCP_NODELAY is on everywhere (asyncio and trio set it by default).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

BACKLOG = 4096
RECEIVE_BYTES = 256 * 1024


def echo_loads(bench: Any) -> list[dict[str, Any]]:
    """The echo workloads' loads (bench.tcp_echo, bench.protocol_echo), by name: ``1kib_c10`` is
    1 KiB messages on 10 connections."""
    sizes = {"1kib": 1024, "64kib": 65536}
    clients = bench.scale((1, 10, 100), (10,))
    return [{"name": f"{size_name}_c{n}", "mode": "echo", "size": size, "clients": n}
            for size_name, size in sizes.items() for n in clients]


class Connections:
    """How many handlers are running, and when the first started and the ``target``-th started."""

    def __init__(self, target: int = 0) -> None:
        self.target = target
        self.active = 0
        self.opened = 0
        self.first_at: float | None = None
        self.target_at: float | None = None
        self._lock = threading.Lock()

    def opened_one(self) -> None:
        with self._lock:
            now = time.perf_counter()
            self.active += 1
            self.opened += 1
            if self.first_at is None:
                self.first_at = now
            if self.opened == self.target:
                self.target_at = now

    def closed_one(self) -> None:
        with self._lock:
            self.active -= 1


def serve_sync(connections: Connections) -> tuple[int, Callable[[], None]]:
    """Start the sync echo server; return its port and a function that stops accepting."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
    listener.settimeout(0.2)  # so the accept loop sees the stop flag
    stopping = threading.Event()

    def handle(conn: socket.socket) -> None:
        connections.opened_one()
        try:
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                while data := conn.recv(RECEIVE_BYTES):
                    conn.sendall(data)
        except OSError:
            pass  # the client went away mid-echo
        finally:
            connections.closed_one()

    def accept_loop() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(None)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    acceptor = threading.Thread(target=accept_loop, daemon=True)
    acceptor.start()

    def stop() -> None:
        stopping.set()
        acceptor.join()
        listener.close()

    return listener.getsockname()[1], stop


async def serve_asyncio(connections: Connections) -> Any:
    """Start the asyncio echo server; return the ``asyncio.Server``."""
    import asyncio

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.opened_one()
        try:
            while data := await reader.read(RECEIVE_BYTES):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            connections.closed_one()
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0, backlog=BACKLOG)


async def serve_trio(connections: Connections, nursery: Any) -> int:
    """Start the trio echo server in ``nursery``; return its port."""
    import functools

    import trio

    async def handle(stream: trio.SocketStream) -> None:
        connections.opened_one()
        try:
            async for data in stream:
                await stream.send_all(data)
        except trio.BrokenResourceError:
            pass
        finally:
            connections.closed_one()

    listeners = await nursery.start(functools.partial(trio.serve_tcp, handle, 0, host="127.0.0.1",
                                                      backlog=BACKLOG))
    port: int = listeners[0].socket.getsockname()[1]
    return port


async def serve_twisted(connections: Connections) -> Any:
    """Start the Twisted echo server; return the listening port (``.getHost().port``)."""
    from twisted.internet import endpoints, protocol, reactor

    class Echo(protocol.Protocol):
        # The transport is Optional on a Protocol: Twisted sets it before connectionMade.
        def connectionMade(self) -> None:
            self.transport.setTcpNoDelay(True)  # type: ignore[union-attr]
            connections.opened_one()

        def dataReceived(self, data: bytes) -> None:
            # ITransport.write is a zope.interface method, declared without self: mypy reads it right
            # only through the mypy-zope plugin
            self.transport.write(data)  # type: ignore[union-attr, call-arg, misc]

        def connectionLost(self, reason: Any = None) -> None:
            connections.closed_one()

    endpoint = endpoints.TCP4ServerEndpoint(reactor, 0, backlog=BACKLOG, interface="127.0.0.1")
    return await endpoint.listen(protocol.Factory.forProtocol(Echo))


async def serve_asyncio_protocol(connections: Connections) -> Any:
    """The asyncio echo server one level down: ``loop.create_server`` with a ``Protocol`` whose
    ``data_received`` writes the data back (no StreamReader, no task per connection)."""
    import asyncio

    class Echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport
            connections.opened_one()

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

        def connection_lost(self, exc: Exception | None) -> None:
            connections.closed_one()

    loop = asyncio.get_running_loop()
    return await loop.create_server(Echo, "127.0.0.1", 0, backlog=BACKLOG)


async def serve_trio_sockets(connections: Connections, nursery: Any) -> int:
    """The trio echo server one level down: ``trio.socket`` (accept, recv, send), a task per
    connection started in ``nursery``, no ``SocketStream``; return its port."""
    import trio

    listener = trio.socket.socket()
    await listener.bind(("127.0.0.1", 0))
    listener.listen(BACKLOG)

    async def handle(conn: Any) -> None:
        connections.opened_one()
        try:
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                while data := await conn.recv(RECEIVE_BYTES):
                    view = memoryview(data)
                    while view:
                        view = view[await conn.send(view):]
        except OSError:
            pass  # the client went away mid-echo
        finally:
            connections.closed_one()

    async def accept_loop() -> None:
        with listener:
            while True:
                conn, _ = await listener.accept()
                nursery.start_soon(handle, conn)

    nursery.start_soon(accept_loop)
    port: int = listener.getsockname()[1]
    return port


# -- a server under the load generator's loads: the bodies of bench.tcp_echo and bench.accept_rate --


def serve_loads_sync(ctx: Any, loads: Any) -> None:
    from conformance import sibling_module

    port, stop = serve_sync(Connections())
    try:
        sibling_module(__file__, "_load").run_sync(ctx, port, loads)
    finally:
        stop()


async def serve_loads_asyncio(ctx: Any, loads: Any, serve: Any = serve_asyncio) -> None:
    """``serve``: the server to start (streams, or ``serve_asyncio_protocol``)."""
    from conformance import sibling_module

    server = await serve(Connections())
    async with server:
        await sibling_module(__file__, "_load").run_asyncio(ctx, server.sockets[0].getsockname()[1],
                                                            loads)


async def serve_loads_trio(ctx: Any, loads: Any, serve: Any = serve_trio) -> None:
    """``serve``: the server to start (``trio.serve_tcp``, or ``serve_trio_sockets``)."""
    import trio

    from conformance import sibling_module

    async with trio.open_nursery() as nursery:
        port = await serve(Connections(), nursery)
        await sibling_module(__file__, "_load").run_trio(ctx, port, loads)
        nursery.cancel_scope.cancel()


async def serve_loads_twisted(ctx: Any, loads: Any) -> None:
    from conformance import sibling_module

    listening = await serve_twisted(Connections())
    try:
        await sibling_module(__file__, "_load").run_twisted(ctx, listening.getHost().port, loads)
    finally:
        await listening.stopListening()
