"""What a new TCP connection looks like: the options a runtime sets, and whether the program's own stay.

Reference semantics: the standard library sets no option on a connection. A blocking client made with
``socket.create_connection`` and a connection accepted from ``socket.create_server`` both have
``TCP_NODELAY`` 0, ``SO_KEEPALIVE`` 0 and ``TCP_NOTSENT_LOWAT`` 0 (the kernel's "no limit"); the
listener has ``SO_REUSEADDR`` 1 (``create_server`` sets it on POSIX) and, on Linux, a backlog of 128
(``listen()``'s default, ``min(SOMAXCONN, 128)``). A program that makes its own TCP socket (as
``create_connection`` does, from ``getaddrinfo``'s family, type and protocol), sets ``TCP_NODELAY`` 0
and ``SO_KEEPALIVE`` 1 on it, connects it and exchanges a line finds both still 0 and 1 (measured here).
A user cares because these options decide latency and liveness: Nagle's algorithm batches small writes
(a program that turned ``TCP_NODELAY`` off to coalesce them, or on, chose it), keepalive is how a
long-lived idle connection notices a dead peer, and a runtime that quietly resets them undoes a
program's tuning.

What each style's idiomatic connection and listener carry is RECORDED, not judged (measurements named
``client_*`` for a connection made with the style's "connect to host:port" call, ``server_*`` for one
its server accepted, ``listener_*`` for its listening socket; ``listener_backlog`` on Linux only, read
from ``TCP_INFO``): asyncio's transports set ``TCP_NODELAY``, trio's ``SocketStream`` sets it and
``TCP_NOTSENT_LOWAT``, and listeners differ in backlog.

The one contract: a TCP socket the program made and set ``TCP_NODELAY`` 0 and ``SO_KEEPALIVE`` 1 on
itself, connected and handed to the style's API for an existing connection, still has 0 and 1 after the
handover and one echoed line, read on the style's own socket object. Each style spells the handover its
own way: the socket itself (sync), ``loop.sock_connect`` then ``asyncio.open_connection(sock=...)``
(asyncio), ``trio.socket.from_stdlib_socket``, its ``connect`` and ``trio.SocketStream`` (trio), and
``reactor.adoptStreamConnection`` of the connected socket (Twisted, which has no call to connect a
socket the program made).
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from conformance import Context

PEERS = ("tcp_echo",)
TIMEOUT_S = 15.0
WAIT_S = 5.0  # bounds each connect, accept and exchange
LINE = b"options?\n"
# TCP_NOTSENT_LOWAT is in the socket module of Linux and macOS builds; 25 is Linux's number, 0x201 macOS's.
NOTSENT_LOWAT: int | None = getattr(socket, "TCP_NOTSENT_LOWAT", None)


def _options(sock: Any) -> dict[str, int]:
    """The options of a connection, read with getsockopt on any socket-like object."""
    found = {"nodelay": int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)),
             "keepalive": int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))}
    if NOTSENT_LOWAT is not None:
        found["notsent_lowat"] = int(sock.getsockopt(socket.IPPROTO_TCP, NOTSENT_LOWAT))
    return found


def _record(ctx: Context, side: str, sock: Any) -> None:
    for name, value in _options(sock).items():
        ctx.measure(f"{side}_{name}", value)


def _record_listener(ctx: Context, listener: Any) -> None:
    ctx.measure("listener_reuseaddr", int(listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)))
    if sys.platform == "linux":
        # Linux reports a listening socket's backlog in tcp_info's tcpi_sacked (the 6th 32-bit field).
        info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        ctx.measure("listener_backlog", int.from_bytes(info[28:32], sys.byteorder))


def _own_socket() -> socket.socket:
    """The program's own TCP socket, made as create_connection makes it, with its own options set."""
    family, kind, proto, _, _ = socket.getaddrinfo("127.0.0.1", 0, socket.AF_INET, socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.settimeout(WAIT_S)  # the styles that need it non-blocking make it so
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return sock


def _check(ctx: Context, echoed: bytes, sock: Any) -> None:
    ctx.expect_equal(echoed, LINE, "the echoed line")
    found = _options(sock)
    ctx.measure("own_nodelay", found["nodelay"])
    ctx.measure("own_keepalive", found["keepalive"])
    ctx.expect(found["nodelay"] == 0 and found["keepalive"] == 1,
               f"the program set TCP_NODELAY 0 and SO_KEEPALIVE 1 on its socket before handing it over; "
               f"after the handover and one exchange they are {found['nodelay']} and {found['keepalive']}")


def _blocking_client(address: tuple[str, int]) -> socket.socket:
    """A plain client of the style's listener; the kernel completes its handshake before any accept."""
    return socket.create_connection(address, timeout=WAIT_S)


def run_sync(ctx: Context) -> None:
    from conformance.support.net import recv_exactly

    with socket.create_connection(ctx.peers["tcp_echo"].tuple, timeout=WAIT_S) as client:
        _record(ctx, "client", client)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(WAIT_S)
        _record_listener(ctx, listener)
        with _blocking_client(listener.getsockname()):
            conn, _ = listener.accept()
            conn.settimeout(WAIT_S)
            with conn:
                _record(ctx, "server", conn)
    with _own_socket() as sock:
        sock.connect(ctx.peers["tcp_echo"].tuple)
        sock.sendall(LINE)
        echoed = recv_exactly(sock, len(LINE))
        _check(ctx, echoed, sock)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    host, port = ctx.peers["tcp_echo"].tuple
    _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), WAIT_S)
    _record(ctx, "client", writer.get_extra_info("socket"))
    writer.close()
    await asyncio.wait_for(writer.wait_closed(), WAIT_S)

    accepted: asyncio.Future[dict[str, int]] = asyncio.get_running_loop().create_future()

    async def serve(_: asyncio.StreamReader, served: asyncio.StreamWriter) -> None:
        if not accepted.done():
            accepted.set_result(_options(served.get_extra_info("socket")))
        served.close()

    server = await asyncio.wait_for(asyncio.start_server(serve, "127.0.0.1", 0), WAIT_S)
    try:
        _record_listener(ctx, server.sockets[0])
        with _blocking_client(server.sockets[0].getsockname()[:2]):
            for name, value in (await asyncio.wait_for(accepted, WAIT_S)).items():
                ctx.measure(f"server_{name}", value)
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), WAIT_S)

    loop = asyncio.get_running_loop()
    sock = _own_socket()
    try:
        sock.setblocking(False)
        await asyncio.wait_for(loop.sock_connect(sock, (host, port)), WAIT_S)
        reader, writer = await asyncio.wait_for(asyncio.open_connection(sock=sock), WAIT_S)
    except BaseException:
        sock.close()
        raise
    try:
        writer.write(LINE)
        await asyncio.wait_for(writer.drain(), WAIT_S)
        echoed = await asyncio.wait_for(reader.readexactly(len(LINE)), WAIT_S)
        _check(ctx, echoed, writer.get_extra_info("socket"))
    finally:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), WAIT_S)


async def run_trio(ctx: Context) -> None:
    import trio

    host, port = ctx.peers["tcp_echo"].tuple
    with trio.fail_after(WAIT_S):
        async with await trio.open_tcp_stream(host, port) as client:
            _record(ctx, "client", client.socket)
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        try:
            _record_listener(ctx, listeners[0].socket)
            with _blocking_client(listeners[0].socket.getsockname()[:2]):
                async with await listeners[0].accept() as served:
                    _record(ctx, "server", served.socket)
        finally:
            for listener in listeners:
                await listener.aclose()

        sock = trio.socket.from_stdlib_socket(_own_socket())
        try:
            await sock.connect((host, port))
        except BaseException:
            sock.close()
            raise
        async with trio.SocketStream(sock) as stream:
            await stream.send_all(LINE)
            echoed = b""
            while len(echoed) < len(LINE) and (chunk := await stream.receive_some(len(LINE) - len(echoed))):
                echoed += chunk
            _check(ctx, echoed, stream.socket)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, endpoints, protocol, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = ctx.peers["tcp_echo"].tuple
    client = await within_twisted(WAIT_S, endpoints.connectProtocol(
        endpoints.TCP4ClientEndpoint(reactor, host, port), Stream()))
    try:
        _record(ctx, "client", client.transport.getHandle())
    finally:
        await client.close()

    accepted: defer.Deferred[dict[str, int]] = defer.Deferred()

    class Served(protocol.Protocol):
        def connectionMade(self) -> None:
            transport: Any = self.transport  # ITCPTransport.getHandle reads wrong to mypy without mypy-zope
            if not accepted.called:
                accepted.callback(_options(transport.getHandle()))
            transport.loseConnection()

    listening: Any = await within_twisted(WAIT_S, endpoints.TCP4ServerEndpoint(
        reactor, 0, interface="127.0.0.1").listen(protocol.Factory.forProtocol(Served)))
    try:
        _record_listener(ctx, listening.socket)  # tcp.Port's listening socket (IListeningPort has none)
        with _blocking_client(("127.0.0.1", listening.getHost().port)):
            for name, value in (await within_twisted(WAIT_S, accepted)).items():
                ctx.measure(f"server_{name}", value)
    finally:
        await within_twisted(WAIT_S, defer.maybeDeferred(listening.stopListening))

    stream = Stream()
    with _own_socket() as sock:
        sock.connect((host, port))  # loopback: the handshake completes at once
        sock.setblocking(False)
        # The reactor takes a duplicate of the descriptor; the program's own socket is closed after.
        reactor.adoptStreamConnection(
            sock.fileno(), socket.AF_INET, protocol.Factory.forProtocol(lambda: stream))
    try:
        transport: Any = stream.transport
        transport.write(LINE)
        echoed = await within_twisted(WAIT_S, stream.read_exactly(len(LINE)))
        _check(ctx, echoed, transport.getHandle())
    finally:
        await stream.close()
