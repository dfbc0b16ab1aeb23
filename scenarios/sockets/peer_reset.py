"""A peer resets the connection mid-stream.

Reference semantics: the peer sends 64 KiB, waits for the client's ``GOT\\n`` and then closes with a
RST (SO_LINGER 0), as a crashing server does. A blocking client reads the 64 KiB intact, sends
``GOT\\n``, and its next ``recv`` raises ``ConnectionResetError`` (ECONNRESET on Linux), not a clean EOF:
the client must be able to tell "the server finished" from "the server died".

The contract, the same for every style (``_errors.py`` writes the rule once, as for
sockets.connect_refused): the 64 KiB arrive intact, and the style's next stream operation after the
reset raises what tells a broken connection from a clean end: the exception the style documents for a
broken stream (trio's ``trio.BrokenResourceError``; Twisted's ``twisted.internet.error.ConnectionLost``,
the reason ``connectionLost`` gets for a connection lost "in a non-clean fashion", where a clean close
gives ``ConnectionDone``), or the standard library's ``ConnectionResetError``, or an exception whose
direct ``__cause__`` is one. In asyncio that operation is ``StreamReader.read``, or the ``drain()`` after
sending ``GOT\\n`` when the reset arrived first. An empty read (a clean end) fails, and so does a read
still waiting 2 s after ``GOT\\n``: it has missed the reset.
"""

from __future__ import annotations

import socket

from conformance import Context, sibling_module

PEERS = ("reset",)
_errors = sibling_module(__file__, "_errors")
_reset = sibling_module(__file__, "_reset")
TIMEOUT_S = 15.0
PREFIX = _reset.PREFIX
IO_TIMEOUT_S = 5.0
# The RST follows the client's GOT\n within microseconds on loopback: a read still waiting after this
# has missed the reset.
RESET_WAIT_S = 2.0
CONDITION = "the next read after the peer reset the connection"


def run_sync(ctx: Context) -> None:
    from conformance.support.net import recv_exactly

    with socket.create_connection(ctx.peers["reset"].tuple, timeout=IO_TIMEOUT_S) as sock:
        received = recv_exactly(sock, PREFIX)
        _reset.expect_prefix(ctx, received)
        sock.sendall(b"GOT\n")
        sock.settimeout(RESET_WAIT_S)
        with _errors.expect_condition(ctx, CONDITION, ConnectionResetError) as returned:
            returned.append(sock.recv(65536))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(*ctx.peers["reset"].tuple), IO_TIMEOUT_S)
    try:
        received = await asyncio.wait_for(reader.readexactly(PREFIX), IO_TIMEOUT_S)
        _reset.expect_prefix(ctx, received)
        writer.write(b"GOT\n")
        with _errors.expect_condition(ctx, CONDITION, ConnectionResetError) as returned:
            # The reset may already have been processed when drain() looks at the connection, and
            # then drain() raises it: either call is "the next stream operation after the reset".
            await asyncio.wait_for(writer.drain(), IO_TIMEOUT_S)  # four bytes: no wait for space
            returned.append(await asyncio.wait_for(reader.read(65536), RESET_WAIT_S))
    finally:
        writer.close()  # the transport is already gone after the reset; this only marks the writer


async def run_trio(ctx: Context) -> None:
    import trio

    from conformance.support.net import receive_exactly_trio

    with trio.fail_after(IO_TIMEOUT_S):
        stream = await trio.open_tcp_stream(*ctx.peers["reset"].tuple)
    async with stream:
        with trio.fail_after(IO_TIMEOUT_S):
            received = await receive_exactly_trio(stream, PREFIX)
        _reset.expect_prefix(ctx, received)
        with trio.fail_after(IO_TIMEOUT_S):
            await stream.send_all(b"GOT\n")
        with _errors.expect_condition(ctx, CONDITION, ConnectionResetError,
                                      (trio.BrokenResourceError,)) as returned:
            with trio.fail_after(RESET_WAIT_S):
                returned.append(await stream.receive_some(65536))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, error, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = ctx.peers["reset"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    stream = await within_twisted(IO_TIMEOUT_S, endpoints.connectProtocol(endpoint, Stream()))
    try:
        received = await within_twisted(IO_TIMEOUT_S, stream.read_exactly(PREFIX))
        _reset.expect_prefix(ctx, received)
        stream.transport.write(b"GOT\n")
        # Twisted tells a clean close (connectionLost with ConnectionDone, or readConnectionLost for
        # a half-closeable protocol) from a broken one (connectionLost with ConnectionLost): the
        # read raises the reason the connection was lost with.
        with _errors.expect_condition(ctx, CONDITION, ConnectionResetError,
                                      (error.ConnectionLost,)) as returned:
            returned.append(await within_twisted(RESET_WAIT_S, stream.read_some(65536)))
    finally:
        await stream.close()
