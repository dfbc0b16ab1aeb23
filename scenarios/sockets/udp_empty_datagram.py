"""UDP: an empty datagram is sent and echoed

Reference semantics: ``sock.sendto(b"", peer)`` on a blocking UDP socket sends a datagram with no
payload, and the echo peer's answer arrives as ``recvfrom`` returning ``b""`` from the peer's address.
An empty datagram is a datagram: protocols use it as a ping or a request (RFC 868's time protocol asks
with one). A runtime that silently drops it makes such a client wait forever. The receive is bounded,
so a dropped datagram fails the cell within half a second.
"""

from __future__ import annotations

import socket

from conformance import Context, ScenarioFailure

PEERS = ("udp_echo",)
SETUP_S = 5.0  # bounds the endpoint's set-up and tear-down
RECEIVE_TIMEOUT_S = 0.5  # loopback does not drop: a datagram not back by then was never sent


def _dropped() -> ScenarioFailure:
    return ScenarioFailure(f"the empty datagram was not echoed within {RECEIVE_TIMEOUT_S:g} s: "
                           "it was never sent")


def run_sync(ctx: Context) -> None:
    peer = ctx.peers["udp_echo"].tuple
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(RECEIVE_TIMEOUT_S)
        sock.bind(("127.0.0.1", 0))
        sock.sendto(b"", peer)
        try:
            echoed, sender = sock.recvfrom(65536)
        except TimeoutError:
            raise _dropped() from None
    ctx.expect_equal(echoed, b"", "the echo")
    ctx.expect_equal(sender, peer, "the sender of the echo")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.asyncio_datagrams import Datagrams

    peer = ctx.peers["udp_echo"].tuple
    transport, client = await asyncio.wait_for(asyncio.get_running_loop().create_datagram_endpoint(
        Datagrams, local_addr=("127.0.0.1", 0)), SETUP_S)
    try:
        transport.sendto(b"", peer)
        try:
            echoed, sender = await client.receive(RECEIVE_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise _dropped() from None
    finally:
        transport.close()
    ctx.expect_equal(echoed, b"", "the echo")
    ctx.expect_equal(sender, peer, "the sender of the echo")


async def run_trio(ctx: Context) -> None:
    import trio

    peer = ctx.peers["udp_echo"].tuple
    with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as sock:
        with trio.fail_after(SETUP_S):
            await sock.bind(("127.0.0.1", 0))
            await sock.sendto(b"", peer)
        with trio.move_on_after(RECEIVE_TIMEOUT_S) as scope:
            echoed, sender = await sock.recvfrom(65536)
        if scope.cancelled_caught:
            raise _dropped()
    ctx.expect_equal(echoed, b"", "the echo")
    ctx.expect_equal(sender, peer, "the sender of the echo")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor

    from conformance.support.twisted_datagrams import Datagrams, stop_listening

    peer = ctx.peers["udp_echo"].tuple
    client = Datagrams()
    port = reactor.listenUDP(0, client, interface="127.0.0.1")
    try:
        client.send(b"", peer)
        try:
            echoed, sender = await client.receive(RECEIVE_TIMEOUT_S, reactor)
        except defer.TimeoutError:
            raise _dropped() from None
    finally:
        await stop_listening(port, SETUP_S, reactor)
    ctx.expect_equal(echoed, b"", "the echo")
    ctx.expect_equal(sender, peer, "the sender of the echo")
