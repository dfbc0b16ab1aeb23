"""A write to a connection the peer has reset fails with a connection error.

Reference semantics: the peer sends 64 KiB, waits for the client's ``GOT\\n`` and resets the connection
(RST, SO_LINGER 0), as a crashing client or a load balancer that gave up does. A blocking client that
keeps writing (a server still sending its response) gets ``ConnectionResetError`` from its next
``sendall`` (``BrokenPipeError`` from the ones after): a ``ConnectionError``. A server catches
``ConnectionError`` around its writes to drop such a client and go on serving the others; an exception of
another kind escapes that handler and takes down the task, or the server.

The contract, the same for every style (``_errors.py`` writes the rule once): writing after the reset
raises the style's exception for a broken stream (trio's ``trio.BrokenResourceError``; Twisted, whose
``transport.write`` never raises, reports the loss to the protocol: ``connectionLost`` with
``twisted.internet.error.ConnectionLost``), or a ``ConnectionError``, or an exception whose direct
``__cause__`` is one, within ``WRITES`` writes of 16 KiB. In asyncio a write is ``write()`` then
``drain()``. The client reads nothing after the 64 KiB: only its writes can tell it the peer is gone.
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

PEERS = ("reset",)
_errors = sibling_module(__file__, "_errors")
_reset = sibling_module(__file__, "_reset")
TIMEOUT_S = 15.0
PREFIX = _reset.PREFIX
IO_TIMEOUT_S = 5.0
# The RST follows the client's GOT\n within microseconds on loopback; this leaves it ample time to
# arrive and be processed before the client writes again. An event loop is given until it has processed
# the reset (its transport is closing), or RESET_WAIT_S for a loop that only learns of it on a write.
RESET_SETTLE_S = 0.3
RESET_WAIT_S = 2.0
CHUNK = b"y" * 16 * 1024
# Enough that no kernel buffer takes them all: a runtime that swallowed every write would be seen.
WRITES = 64
CONDITION = "writing after the peer reset the connection"


def run_sync(ctx: Context) -> None:
    from conformance.support.net import recv_exactly

    with socket.create_connection(ctx.peers["reset"].tuple, timeout=IO_TIMEOUT_S) as sock:
        _reset.expect_prefix(ctx, recv_exactly(sock, PREFIX))
        sock.sendall(b"GOT\n")
        time.sleep(RESET_SETTLE_S)
        with _errors.expect_condition(ctx, CONDITION, ConnectionError) as returned:
            for _ in range(WRITES):
                sock.sendall(CHUNK)
            returned.append(f"{WRITES} writes of {len(CHUNK)} bytes")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(*ctx.peers["reset"].tuple), IO_TIMEOUT_S)
    try:
        _reset.expect_prefix(ctx, await asyncio.wait_for(reader.readexactly(PREFIX), IO_TIMEOUT_S))
        # Four bytes leave at once; no drain(): the reset may already be processed when drain() looks,
        # and it would raise there, before the writes this scenario is about.
        writer.write(b"GOT\n")
        waited = 0.0
        while not writer.transport.is_closing() and waited < RESET_WAIT_S:
            await asyncio.sleep(0.01)
            waited += 0.01
        with _errors.expect_condition(ctx, CONDITION, ConnectionError) as returned:
            for _ in range(WRITES):
                writer.write(CHUNK)
                await asyncio.wait_for(writer.drain(), IO_TIMEOUT_S)
            returned.append(f"{WRITES} writes of {len(CHUNK)} bytes")
    finally:
        writer.close()  # the transport is already gone after the reset; this only marks the writer


async def run_trio(ctx: Context) -> None:
    import trio

    from conformance.support.net import receive_exactly_trio

    with trio.fail_after(IO_TIMEOUT_S):
        stream = await trio.open_tcp_stream(*ctx.peers["reset"].tuple)
    async with stream:
        with trio.fail_after(IO_TIMEOUT_S):
            _reset.expect_prefix(ctx, await receive_exactly_trio(stream, PREFIX))
            await stream.send_all(b"GOT\n")
        await trio.sleep(RESET_SETTLE_S)
        with _errors.expect_condition(ctx, CONDITION, ConnectionError,
                                      (trio.BrokenResourceError,)) as returned:
            with trio.fail_after(IO_TIMEOUT_S):
                for _ in range(WRITES):
                    await stream.send_all(CHUNK)
            returned.append(f"{WRITES} writes of {len(CHUNK)} bytes")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, error, reactor, task

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = ctx.peers["reset"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    stream = await within_twisted(IO_TIMEOUT_S, endpoints.connectProtocol(endpoint, Stream()))
    try:
        _reset.expect_prefix(ctx, await within_twisted(IO_TIMEOUT_S, stream.read_exactly(PREFIX)))
        stream.transport.write(b"GOT\n")
        await task.deferLater(reactor, RESET_SETTLE_S)
        with _errors.expect_condition(ctx, CONDITION, ConnectionError, (error.ConnectionLost,)):
            for _ in range(WRITES):
                stream.transport.write(CHUNK)
            # transport.write never raises: the protocol learns of the broken connection, with its
            # reason, in connectionLost.
            await within_twisted(IO_TIMEOUT_S, stream.lost())
    finally:
        await stream.close()
