"""Connecting by name to a host with two addresses whose first refuses or never answers.

Reference semantics: the stub DNS server gives ``addrs-127-0-0-2-127-0-0-3.<zone>`` two A records,
127.0.0.2 then 127.0.0.3, in that order, never shuffled (glibc's RFC 6724 sort keeps it: the two tie on
every rule). Port P of 127.0.0.3 is a listener that answers; port P of 127.0.0.2 either refuses (a bound
socket that does not listen: the kernel answers the SYN with a RST) or never answers (a listener with a
backlog of 1, filled by connections nobody accepts, so that Linux drops every further SYN, as in
``sockets.connect_timeout``). A blocking ``socket.create_connection((name, P), timeout=3)`` tries the
addresses in turn, each with its own 3 s timeout: measured on this machine (Linux 6.18, CPython
3.11.7), it connects to 127.0.0.3 at once after the refusal, and after ~3000 ms (the first attempt's
whole timeout) when 127.0.0.2 never answers. A service name with several addresses, one of them down or
behind a firewall that drops packets, is common (DNS round robin, dual-stack hosts); a client that
sticks to the first address never reaches the live one.

The contract, the same for every style: the style's idiomatic "connect to host:port" with a stated
timeout of 3 s (``socket.create_connection((name, P), timeout=3)``; ``asyncio.open_connection(name, P)``
inside ``asyncio.wait_for(..., 3)``; ``trio.open_tcp_stream(name, P)`` inside ``trio.fail_after(3)``; a
Twisted ``HostnameEndpoint(reactor, name, P, timeout=3)``), in both cases (1) connects, (2) to the live
address, 127.0.0.3, (3) within ``CEILING_S`` (one 3 s timeout per address and slack: it did not hang).
Each style spells the timeout its own way: per attempt (the standard library, Twisted) or overall
(asyncio's ``wait_for``, trio's ``fail_after``); whether a style races the addresses (asyncio's
``happy_eyeballs_delay`` is off by default, trio starts the next attempt after 0.25 s, Twisted's
HostnameEndpoint after 0.3 s) is not judged: ``connect_ms`` (the address that never answers) and
``refused_connect_ms`` show it. Before connecting, the body asks the style's own resolver for the name
(the same API as its canary): it must give both addresses (``fail`` otherwise), and unless it gives
127.0.0.2 first the cell is ``skipped``, as nothing would show whether the connect moves on.
Loopback addresses other than 127.0.0.1 and the full backlog that drops SYNs are Linux's: macOS
configures 127.0.0.1 alone, and Windows refuses a connect to a full backlog.
"""

from __future__ import annotations

import socket

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
NOT_APPLICABLE = {
    "darwin": "macOS configures 127.0.0.1 alone on its loopback: a second loopback address cannot be bound",
    "win32": "Windows refuses (RST) a connect to a full listen backlog instead of leaving it unanswered",
}
_canary = sibling_module(__file__, "_canary")
_twisted = sibling_module(__file__, "_twisted_resolve")
_hosts = sibling_module(__file__, "_several_addresses")
TIMEOUT_S = 25.0
# The body's own listeners are set up (and the backlog filled, waiting in select) on the scheduler's
# thread: only the connects are measured for stalls.
STALL_LIMIT_MS = 250.0
PLOTS = {"connect_ms": "connect when the first address never answers",
         "refused_connect_ms": "connect when the first address refuses"}
CONNECT_TIMEOUT_S = 3.0
CEILING_S = 2 * CONNECT_TIMEOUT_S + 2.0
BOUND = f"{CONNECT_TIMEOUT_S:g} s per address"
LOOKUP_TIMEOUT_S = 5.0
WAIT_S = 5.0


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    name = _hosts.name(ctx)
    _hosts.check_order(ctx, socket.getaddrinfo(name, 80, 0, socket.SOCK_STREAM), "socket.getaddrinfo")

    def connect(host: str, port: int) -> str:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S) as sock:
            return str(sock.getpeername()[0])

    for case in _hosts.CASES:
        with _hosts.attempt(ctx, case, CEILING_S, BOUND) as attempt:
            attempt.peer = connect(name, attempt.port)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    name = _hosts.name(ctx)
    _hosts.check_order(ctx, await asyncio.wait_for(loop.getaddrinfo(name, 80, type=socket.SOCK_STREAM),
                                                   LOOKUP_TIMEOUT_S), "loop.getaddrinfo")

    async def connect(host: str, port: int) -> str:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_S)
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), WAIT_S)
        return str(writer.get_extra_info("peername")[0])

    for case in _hosts.CASES:
        with _hosts.attempt(ctx, case, CEILING_S, BOUND) as attempt:
            attempt.peer = await connect(name, attempt.port)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    name = _hosts.name(ctx)
    with trio.fail_after(LOOKUP_TIMEOUT_S):
        found = await trio.socket.getaddrinfo(name, 80, 0, socket.SOCK_STREAM)
    _hosts.check_order(ctx, found, "trio.socket.getaddrinfo")

    async def connect(host: str, port: int) -> str:
        with trio.fail_after(CONNECT_TIMEOUT_S):
            stream = await trio.open_tcp_stream(host, port)
        peer = str(stream.socket.getpeername()[0])
        with trio.fail_after(WAIT_S):
            await stream.aclose()
        return peer

    for case in _hosts.CASES:
        with _hosts.attempt(ctx, case, CEILING_S, BOUND) as attempt:
            attempt.peer = await connect(name, attempt.port)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    await _canary.check_twisted(ctx)
    name = _hosts.name(ctx)
    _hosts.check_order(ctx, await _twisted.getaddrinfo(name, 80, LOOKUP_TIMEOUT_S),
                       "reactor.nameResolver.resolveHostName")

    async def connect(host: str, port: int) -> str:
        endpoint = endpoints.HostnameEndpoint(reactor, host, port, timeout=CONNECT_TIMEOUT_S)
        # HostnameEndpoint's own timeout (per attempt) is what is judged; within_twisted only bounds a
        # connect that ignores it.
        stream = await within_twisted(CEILING_S, endpoints.connectProtocol(endpoint, Stream()))
        peer = str(stream.transport.getPeer().host)
        await stream.close(WAIT_S)
        return peer

    for case in _hosts.CASES:
        with _hosts.attempt(ctx, case, CEILING_S, BOUND) as attempt:
            attempt.peer = await connect(name, attempt.port)
