"""An echo over a connection the program accepted itself and handed to the runtime.

Reference semantics: a program accepts a connection on a blocking listener of its own (as a pre-fork
server's worker or a socket-activated service does: the listener is not the runtime's) and serves it:
it reads the client's 64 KiB to EOF and sends them back, then closes; the client (a blocking socket in
a thread) gets exactly its bytes back, then EOF. A program that already holds the accepted socket needs
the runtime to take it over.

The one contract: the accepted socket, handed to the style's API for a connection it did not make,
carries the 64 KiB both ways unchanged. Each style spells the handover its own way: the socket itself
(sync), ``loop.connect_accepted_socket`` with asyncio's streams (asyncio),
``trio.SocketStream(trio.socket.from_stdlib_socket(...))`` (trio), and ``reactor.adoptStreamConnection``
(Twisted); where the style's API is missing or raises ``NotImplementedError``, the cell is
``unsupported``, naming it. The client is the same blocking client in every style.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from conformance import Context, sibling_module

_errors = sibling_module(__file__, "_errors")
TIMEOUT_S = 15.0
WAIT_S = 5.0  # bounds the accept, each call of the client, and the serving
SIZE = 64 * 1024


class Client:
    """The blocking client, in a thread: sends the payload, half-closes, reads to EOF."""

    def __init__(self, address: tuple[str, int], data: bytes) -> None:
        self.data = data
        self.received = bytearray()
        self.error: BaseException | None = None
        self.sock = socket.create_connection(address, timeout=WAIT_S)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.sock.sendall(self.data)
            self.sock.shutdown(socket.SHUT_WR)
            while chunk := self.sock.recv(65536):
                self.received.extend(chunk)
        except OSError as exc:
            self.error = exc
        finally:
            self.sock.close()

    def echoed(self) -> bytes:
        self.thread.join(2 * WAIT_S)
        if self.thread.is_alive():
            raise AssertionError("the client did not get its echo and EOF in time")
        if self.error is not None:
            raise AssertionError(f"the client failed: {type(self.error).__name__}: {self.error}")
        return bytes(self.received)


def _accepted(ctx: Context) -> tuple[socket.socket, Client]:
    """The program's blocking listener accepts one connection from the client, and is closed."""
    data = ctx.payload(SIZE)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(WAIT_S)
        client = Client(listener.getsockname(), data)
        conn, _ = listener.accept()
    conn.settimeout(WAIT_S)
    return conn, client


def _check(ctx: Context, client: Client, served: bytes) -> None:
    echoed = client.echoed()
    ctx.expect_equal(len(served), SIZE, "bytes the handed-over connection received")
    ctx.expect(served == client.data, "the bytes the handed-over connection received differ from those the "
               "client sent")
    ctx.expect_equal(len(echoed), SIZE, "bytes the client got back")
    ctx.expect(echoed == client.data, "the bytes the client got back differ from those it sent")


def run_sync(ctx: Context) -> None:
    conn, client = _accepted(ctx)
    received = bytearray()
    with conn:
        while chunk := conn.recv(65536):
            received.extend(chunk)
        conn.sendall(received)
    _check(ctx, client, bytes(received))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    conn, client = _accepted(ctx)
    conn.setblocking(False)
    loop = asyncio.get_running_loop()
    connect_accepted_socket = getattr(loop, "connect_accepted_socket", None)
    if connect_accepted_socket is None:
        conn.close()
        raise NotImplementedError("the loop has no connect_accepted_socket")
    reader = asyncio.StreamReader()
    protocol = asyncio.StreamReaderProtocol(reader)
    try:
        with _errors.naming_missing("loop.connect_accepted_socket"):
            transport, _ = await asyncio.wait_for(connect_accepted_socket(lambda: protocol, conn), WAIT_S)
    except BaseException:
        conn.close()
        raise
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    try:
        received = await asyncio.wait_for(reader.read(), WAIT_S)  # to EOF
        writer.write(received)
        await asyncio.wait_for(writer.drain(), WAIT_S)
    finally:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), WAIT_S)
    _check(ctx, client, received)


async def run_trio(ctx: Context) -> None:
    import trio

    conn, client = _accepted(ctx)
    received = bytearray()
    async with trio.SocketStream(trio.socket.from_stdlib_socket(conn)) as stream:
        with trio.fail_after(WAIT_S):
            while chunk := await stream.receive_some(65536):
                received.extend(chunk)
            await stream.send_all(bytes(received))
    _check(ctx, client, bytes(received))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import protocol, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    conn, client = _accepted(ctx)
    stream = Stream()
    factory: Any = protocol.Factory.forProtocol(lambda: stream)
    with conn:
        conn.setblocking(False)
        # The reactor takes a duplicate of the descriptor; the program's own socket is closed after.
        reactor.adoptStreamConnection(conn.fileno(), socket.AF_INET, factory)
    try:
        received = await within_twisted(WAIT_S, stream.read_to_eof())
        transport: Any = stream.transport  # ITransport.write reads wrong to mypy without mypy-zope
        transport.write(received)
    finally:
        await stream.close()
    _check(ctx, client, received)
