"""A datagram round trip on a UDP socket the program made itself.

Reference semantics: a program that already holds a UDP socket (made with options of its own, inherited
from a parent, handed over by a library) sends a datagram with ``sock.sendto(data, peer)`` and gets the
echo with ``sock.recvfrom``: the same bytes, from the peer's address. Each style does it with its own API
for a socket it did not make itself: a blocking socket (sync), the loop's ``sock_sendto`` and
``sock_recvfrom`` on the non-blocking socket (asyncio, since Python 3.11), a trio socket made with
``trio.socket.from_stdlib_socket``, and ``reactor.adoptDatagramPort`` (Twisted). Where the style's API
for it is missing, the cell is ``unsupported``, naming it.
"""

from __future__ import annotations

import socket

from conformance import Context, sibling_module

PEERS = ("udp_echo",)
_errors = sibling_module(__file__, "_errors")
TIMEOUT_S = 15.0
SETUP_S = 5.0  # bounds the endpoint's set-up and tear-down
RECEIVE_TIMEOUT_S = 2.0  # loopback does not drop: a datagram not back by then is lost
SIZE = 1024


def _own_socket() -> socket.socket:
    """The program's socket, blocking with a timeout (the styles that need it non-blocking make it so)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(RECEIVE_TIMEOUT_S)
    sock.bind(("127.0.0.1", 0))
    return sock


def _check(ctx: Context, sent: bytes, echoed: bytes, sender: tuple[str, int], peer: tuple[str, int]) -> None:
    ctx.expect_equal(tuple(sender[:2]), peer, "the sender of the echo")
    ctx.expect(echoed == sent, f"the echo ({len(echoed)} bytes) differs from the datagram sent")


def run_sync(ctx: Context) -> None:
    peer = ctx.peers["udp_echo"].tuple
    datagram = ctx.payload(SIZE)
    with _own_socket() as sock:
        sock.sendto(datagram, peer)
        echoed, sender = sock.recvfrom(65536)
    _check(ctx, datagram, echoed, sender, peer)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    peer = ctx.peers["udp_echo"].tuple
    datagram = ctx.payload(SIZE)
    loop = asyncio.get_running_loop()
    with _own_socket() as sock:
        sock.setblocking(False)
        # Probed, not called by name: asyncio added both in Python 3.11.
        sock_sendto, sock_recvfrom = getattr(loop, "sock_sendto", None), getattr(loop, "sock_recvfrom", None)
        if sock_sendto is None or sock_recvfrom is None:
            raise NotImplementedError("the loop has no sock_sendto / sock_recvfrom (asyncio added them in "
                                      "Python 3.11)")
        with _errors.naming_missing("loop.sock_sendto"):
            await asyncio.wait_for(sock_sendto(sock, datagram, peer), RECEIVE_TIMEOUT_S)
        with _errors.naming_missing("loop.sock_recvfrom"):
            echoed, sender = await asyncio.wait_for(sock_recvfrom(sock, 65536), RECEIVE_TIMEOUT_S)
    _check(ctx, datagram, echoed, sender, peer)


async def run_trio(ctx: Context) -> None:
    import trio

    peer = ctx.peers["udp_echo"].tuple
    datagram = ctx.payload(SIZE)
    with trio.socket.from_stdlib_socket(_own_socket()) as sock:
        with trio.fail_after(RECEIVE_TIMEOUT_S):
            await sock.sendto(datagram, peer)
            echoed, sender = await sock.recvfrom(65536)
    _check(ctx, datagram, echoed, sender, peer)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor

    from conformance.support.twisted_datagrams import Datagrams, stop_listening

    peer = ctx.peers["udp_echo"].tuple
    datagram = ctx.payload(SIZE)
    client = Datagrams()
    with _own_socket() as sock:
        sock.setblocking(False)
        # The reactor takes a duplicate of the descriptor; the program's own socket is closed after.
        adopted = reactor.adoptDatagramPort(sock.fileno(), socket.AF_INET, client)
    try:
        client.send(datagram, peer)
        echoed, sender = await client.receive(RECEIVE_TIMEOUT_S, reactor)
    finally:
        await stop_listening(adopted, SETUP_S, reactor)
    _check(ctx, datagram, echoed, sender, peer)
