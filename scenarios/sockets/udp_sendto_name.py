"""A datagram sent to a host name reaches it.

Reference semantics: a blocking UDP socket's ``sendto(data, ("localhost", port))`` resolves the name
(``getaddrinfo`` in the socket's family: ``localhost`` comes from /etc/hosts, no DNS query) and sends the
datagram there; the echo peer's answer then arrives from ``127.0.0.1``. Code that sends metrics, logs
or queries to ``("statsd", 8125)`` or ``("localhost", 514)`` writes exactly this call.

The contract, the same for every style: the datagram sent to the name comes back intact from the peer.
Each style sends with its own API: ``socket.sendto`` (sync), an unconnected datagram endpoint's
``transport.sendto`` (asyncio), a trio socket's ``sendto`` (which resolves through trio), and Twisted's
UDP ``transport.write``, which takes IP addresses only: a Twisted program resolves the name with
``reactor.resolve`` first, as Twisted documents.
"""

from __future__ import annotations

import socket

from conformance import Context

PEERS = ("udp_echo",)
TIMEOUT_S = 15.0
NAME = "localhost"
SETUP_S = 5.0  # bounds the endpoint's set-up and tear-down
RECEIVE_TIMEOUT_S = 2.0  # loopback does not drop: a datagram not back by then is lost
SIZE = 512


def _check(ctx: Context, sent: bytes, echoed: bytes, sender: tuple[str, int], port: int) -> None:
    ctx.expect_equal(sender[:2], ("127.0.0.1", port), "the sender of the echo")
    ctx.expect(echoed == sent, f"the echo ({len(echoed)} bytes) differs from the datagram sent")


def run_sync(ctx: Context) -> None:
    port = ctx.peers["udp_echo"].port
    datagram = ctx.payload(SIZE)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(RECEIVE_TIMEOUT_S)
        sock.bind(("127.0.0.1", 0))
        sock.sendto(datagram, (NAME, port))
        echoed, sender = sock.recvfrom(65536)
    _check(ctx, datagram, echoed, sender, port)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.asyncio_datagrams import Datagrams

    port = ctx.peers["udp_echo"].port
    datagram = ctx.payload(SIZE)
    transport, client = await asyncio.wait_for(asyncio.get_running_loop().create_datagram_endpoint(
        Datagrams, local_addr=("127.0.0.1", 0)), SETUP_S)
    try:
        transport.sendto(datagram, (NAME, port))
        echoed, sender = await client.receive(RECEIVE_TIMEOUT_S)
    finally:
        transport.close()
    _check(ctx, datagram, echoed, sender, port)


async def run_trio(ctx: Context) -> None:
    import trio

    port = ctx.peers["udp_echo"].port
    datagram = ctx.payload(SIZE)
    with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as sock:
        with trio.fail_after(SETUP_S):
            await sock.bind(("127.0.0.1", 0))
        with trio.fail_after(RECEIVE_TIMEOUT_S):
            await sock.sendto(datagram, (NAME, port))
            echoed, sender = await sock.recvfrom(65536)
    _check(ctx, datagram, echoed, sender, port)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor

    from conformance.support.twisted_datagrams import Datagrams, stop_listening

    port = ctx.peers["udp_echo"].port
    datagram = ctx.payload(SIZE)
    client = Datagrams()
    listening = reactor.listenUDP(0, client, interface="127.0.0.1")
    try:
        # IReactorCore.resolve is annotated with a wrong name type (Sequence[int]) in Twisted's stubs
        address = await reactor.resolve(NAME).addTimeout(SETUP_S, reactor)  # type: ignore[arg-type]
        client.send(datagram, (address, port))
        echoed, sender = await client.receive(RECEIVE_TIMEOUT_S, reactor)
    finally:
        await stop_listening(listening, SETUP_S, reactor)
    _check(ctx, datagram, echoed, sender, port)
