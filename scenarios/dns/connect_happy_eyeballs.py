"""Connecting by name, with the style's happy-eyeballs option, to a host whose first address never answers.

Reference semantics: the name and the two hosts are those of ``dns.connect_several_addresses`` (the stub
gives ``addrs-127-0-0-2-127-0-0-3.<zone>`` two A records, 127.0.0.2 then 127.0.0.3; port P of 127.0.0.3
answers, port P of 127.0.0.2 refuses, or never answers: a full backlog, whose SYNs Linux drops). The
standard library has no happy-eyeballs connect: ``socket.create_connection`` has no such option on
CPython 3.10-3.13 (its signature, read on each), and tries the addresses in turn, each with its own
timeout, so with ``timeout=3`` it reaches 127.0.0.3 only after ~3000 ms, the first attempt's whole
timeout (measured here: Linux 6.18, CPython 3.11.7). Happy eyeballs (RFC 8305) starts the next attempt
once a "connection attempt delay" has passed without an answer, racing the attempts, so a client that
asks for it reaches the live address after about that delay, not after a whole connect timeout. A user
cares because that is what the option is for: a host with an address that drops packets (a dead
replica left in DNS, a broken IPv6 route) costs the delay, 250 ms, instead of the connect timeout on
every connection; an option that is accepted and ignored costs the timeout silently.

The contract, the same for every style: the style's idiomatic "connect to host:port" with its
happy-eyeballs option stated explicitly as 0.25 s, even where that is the default, and a stated 3 s
timeout, in both cases (the first address refuses; it never answers) (1) connects, (2) to 127.0.0.3,
(3) within ``CEILING_S`` (1.5 s: the delay and slack, half the 3 s a client that tries the addresses in
turn takes). Each style spells the option its own way: ``asyncio.open_connection(name, P,
happy_eyeballs_delay=0.25)`` inside ``asyncio.wait_for(..., 3)``; ``trio.open_tcp_stream(name, P,
happy_eyeballs_delay=0.25)`` inside ``trio.fail_after(3)``; a Twisted ``HostnameEndpoint(reactor, name, P,
timeout=3, attemptDelay=0.25)`` (it always races; 0.3 s is its default); for the sync style,
``socket.create_connection((name, P), timeout=3, happy_eyeballs_delay=0.25)``, the keyword the asyncio
and trio APIs use. Each body probes its option first (the parameter in the signature of
``socket.create_connection``, of the loop's ``create_connection``, which ``open_connection`` passes it
to, of ``trio.open_tcp_stream``, of ``HostnameEndpoint``): where it is missing the cell is
``unsupported``. Whether a refusal starts the next attempt at once or after the delay is not judged:
``refused_connect_ms`` shows it. The body asks the style's own resolver for the name first, as
``dns.connect_several_addresses`` does: both addresses, or ``fail``; 127.0.0.2 first, or ``skipped``.
Linux only, as ``dns.connect_several_addresses`` (other loopback addresses, a backlog that drops SYNs).
"""

from __future__ import annotations

import inspect
import socket
from collections.abc import Callable
from typing import Any

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
TIMEOUT_S = 15.0
# The body's own listeners are set up (and the backlog filled, waiting in select) on the scheduler's
# thread: only the connects are measured for stalls.
STALL_LIMIT_MS = 250.0
PLOTS = {"connect_ms": "connect with happy eyeballs when the first address never answers",
         "refused_connect_ms": "connect with happy eyeballs when the first address refuses"}
HAPPY_EYEBALLS_DELAY_S = 0.25
CONNECT_TIMEOUT_S = 3.0
CEILING_S = 1.5
BOUND = (f"a happy-eyeballs delay of {HAPPY_EYEBALLS_DELAY_S:g} s; trying the addresses in turn takes the "
         f"first attempt's {CONNECT_TIMEOUT_S:g} s")
LOOKUP_TIMEOUT_S = 5.0
WAIT_S = 5.0


def _takes(function: Callable[..., Any], parameter: str) -> bool:
    """Whether ``function`` takes the keyword ``parameter`` (True where its signature cannot be read:
    the call then shows it)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return True
    return parameter in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    create_connection: Callable[..., socket.socket] = socket.create_connection
    if not _takes(create_connection, "happy_eyeballs_delay"):
        raise NotImplementedError(
            f"socket.create_connection ({create_connection.__module__}.create_connection here) has no "
            "happy_eyeballs_delay: the style has no connect that races a host's addresses")
    name = _hosts.name(ctx)
    _hosts.check_order(ctx, socket.getaddrinfo(name, 80, 0, socket.SOCK_STREAM), "socket.getaddrinfo")

    def connect(host: str, port: int) -> str:
        with create_connection((host, port), timeout=CONNECT_TIMEOUT_S,
                               happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY_S) as sock:
            return str(sock.getpeername()[0])

    for case in _hosts.CASES:
        with _hosts.attempt(ctx, case, CEILING_S, BOUND) as attempt:
            attempt.peer = connect(name, attempt.port)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    if not _takes(loop.create_connection, "happy_eyeballs_delay"):
        raise NotImplementedError(
            f"{type(loop).__module__}.{type(loop).__name__}.create_connection has no happy_eyeballs_delay "
            "(what asyncio.open_connection passes it): the loop cannot race a host's addresses")
    name = _hosts.name(ctx)
    _hosts.check_order(ctx, await asyncio.wait_for(loop.getaddrinfo(name, 80, type=socket.SOCK_STREAM),
                                                   LOOKUP_TIMEOUT_S), "loop.getaddrinfo")

    async def connect(host: str, port: int) -> str:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY_S),
            CONNECT_TIMEOUT_S)
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), WAIT_S)
        return str(writer.get_extra_info("peername")[0])

    for case in _hosts.CASES:
        with _hosts.attempt(ctx, case, CEILING_S, BOUND) as attempt:
            attempt.peer = await connect(name, attempt.port)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    if not _takes(trio.open_tcp_stream, "happy_eyeballs_delay"):
        raise NotImplementedError("trio.open_tcp_stream has no happy_eyeballs_delay")
    name = _hosts.name(ctx)
    with trio.fail_after(LOOKUP_TIMEOUT_S):
        found = await trio.socket.getaddrinfo(name, 80, 0, socket.SOCK_STREAM)
    _hosts.check_order(ctx, found, "trio.socket.getaddrinfo")

    async def connect(host: str, port: int) -> str:
        with trio.fail_after(CONNECT_TIMEOUT_S):
            stream = await trio.open_tcp_stream(host, port, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY_S)
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
    if not _takes(endpoints.HostnameEndpoint, "attemptDelay"):
        raise NotImplementedError("twisted.internet.endpoints.HostnameEndpoint has no attemptDelay")
    name = _hosts.name(ctx)
    _hosts.check_order(ctx, await _twisted.getaddrinfo(name, 80, LOOKUP_TIMEOUT_S),
                       "reactor.nameResolver.resolveHostName")

    async def connect(host: str, port: int) -> str:
        endpoint = endpoints.HostnameEndpoint(reactor, host, port, timeout=CONNECT_TIMEOUT_S,
                                              attemptDelay=HAPPY_EYEBALLS_DELAY_S)
        # HostnameEndpoint's own timeout (per attempt) and delay are what is judged; within_twisted
        # only bounds a connect that ignores them.
        stream = await within_twisted(CONNECT_TIMEOUT_S + WAIT_S,
                                      endpoints.connectProtocol(endpoint, Stream()))
        peer = str(stream.transport.getPeer().host)
        await stream.close(WAIT_S)
        return peer

    for case in _hosts.CASES:
        with _hosts.attempt(ctx, case, CEILING_S, BOUND) as attempt:
            attempt.peer = await connect(name, attempt.port)
