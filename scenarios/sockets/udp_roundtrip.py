"""UDP datagram round trip

Reference semantics: a blocking UDP socket sends 99 datagrams of sizes from 1 byte to 8 KiB, one at a
time, to an echo peer. Each ``recvfrom`` returns exactly one datagram: the same bytes, from the peer's
address. Datagram boundaries are the contract of UDP (no merging, splitting or truncating), and a
runtime must keep them while waiting without stalling its other tasks. A receive timeout turns a lost
datagram into a failure instead of a hang. (The empty datagram is ``sockets.udp_empty_datagram``.)
"""

from __future__ import annotations

import socket
import time

from conformance import Context

PEERS = ("udp_echo",)
# 99 distinct sizes from 1 byte to 8 KiB.
SIZES = [1, 8192, *((i * 2609) % 8193 for i in range(1, 98))]
SETUP_S = 5.0  # bounds the endpoint's set-up and tear-down
RECEIVE_TIMEOUT_S = 0.5  # loopback does not drop: a datagram not back by then is lost


def _datagrams(ctx: Context) -> list[bytes]:
    return [ctx.payload(size, seed=i) for i, size in enumerate(SIZES)]


def _lost(i: int, datagram: bytes, why: str = "") -> AssertionError:
    return AssertionError(f"datagram {i} ({len(datagram)} bytes) was not echoed within "
                          f"{RECEIVE_TIMEOUT_S:g} s; the {i} before it were{why}")


def run_sync(ctx: Context) -> None:
    peer = ctx.peers["udp_echo"].tuple
    datagrams = _datagrams(ctx)
    started = time.perf_counter()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(RECEIVE_TIMEOUT_S)
        sock.bind(("127.0.0.1", 0))
        for i, datagram in enumerate(datagrams):
            sock.sendto(datagram, peer)
            try:
                echoed, sender = sock.recvfrom(65536)
            except TimeoutError:
                raise _lost(i, datagram) from None
            ctx.expect_equal(sender, peer, f"the sender of echo {i}")
            ctx.expect_equal(len(echoed), len(datagram), f"the size of echo {i}")
            ctx.expect(echoed == datagram, f"echo {i} differs from the datagram sent")
    ctx.measure("roundtrips_per_s", len(datagrams) / (time.perf_counter() - started))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.asyncio_datagrams import Datagrams

    peer = ctx.peers["udp_echo"].tuple
    datagrams = _datagrams(ctx)
    started = time.perf_counter()
    transport, client = await asyncio.wait_for(asyncio.get_running_loop().create_datagram_endpoint(
        Datagrams, local_addr=("127.0.0.1", 0)), SETUP_S)
    errors = client.errors
    try:
        for i, datagram in enumerate(datagrams):
            transport.sendto(datagram, peer)
            try:
                echoed, sender = await client.receive(RECEIVE_TIMEOUT_S)
            except asyncio.TimeoutError:
                raise _lost(i, datagram, f"; errors received: {errors}" if errors else "") from None
            ctx.expect_equal(sender, peer, f"the sender of echo {i}")
            ctx.expect_equal(len(echoed), len(datagram), f"the size of echo {i}")
            ctx.expect(echoed == datagram, f"echo {i} differs from the datagram sent")
    finally:
        transport.close()
    ctx.expect_equal(errors, [], "errors received by the endpoint")
    ctx.measure("roundtrips_per_s", len(datagrams) / (time.perf_counter() - started))


async def run_trio(ctx: Context) -> None:
    import trio

    peer = ctx.peers["udp_echo"].tuple
    datagrams = _datagrams(ctx)
    started = time.perf_counter()
    with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as sock:
        with trio.fail_after(SETUP_S):
            await sock.bind(("127.0.0.1", 0))
        for i, datagram in enumerate(datagrams):
            with trio.fail_after(RECEIVE_TIMEOUT_S):
                await sock.sendto(datagram, peer)
            with trio.move_on_after(RECEIVE_TIMEOUT_S) as scope:
                echoed, sender = await sock.recvfrom(65536)
            if scope.cancelled_caught:
                raise _lost(i, datagram)
            ctx.expect_equal(sender, peer, f"the sender of echo {i}")
            ctx.expect_equal(len(echoed), len(datagram), f"the size of echo {i}")
            ctx.expect(echoed == datagram, f"echo {i} differs from the datagram sent")
    ctx.measure("roundtrips_per_s", len(datagrams) / (time.perf_counter() - started))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor

    from conformance.support.twisted_datagrams import Datagrams, stop_listening

    peer = ctx.peers["udp_echo"].tuple
    datagrams = _datagrams(ctx)
    client = Datagrams()
    started = time.perf_counter()
    port = reactor.listenUDP(0, client, interface="127.0.0.1")
    try:
        for i, datagram in enumerate(datagrams):
            client.send(datagram, peer)
            try:
                echoed, sender = await client.receive(RECEIVE_TIMEOUT_S, reactor)
            except defer.TimeoutError:
                raise _lost(i, datagram) from None
            ctx.expect_equal(sender, peer, f"the sender of echo {i}")
            ctx.expect_equal(len(echoed), len(datagram), f"the size of echo {i}")
            ctx.expect(echoed == datagram, f"echo {i} differs from the datagram sent")
    finally:
        await stop_listening(port, SETUP_S, reactor)
    ctx.measure("roundtrips_per_s", len(datagrams) / (time.perf_counter() - started))
