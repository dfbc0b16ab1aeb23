"""Reverse lookup of 127.0.0.1 answers from /etc/hosts: getnameinfo gives ("localhost", "http").

Reference semantics: blocking ``socket.getnameinfo(("127.0.0.1", 80), 0)`` asks the system's name
service, which reads /etc/hosts before DNS: the host is the first name of the first /etc/hosts line for
127.0.0.1 (``localhost`` on most systems) and the port is the service name from the services database
(``http``); with ``NI_NUMERICHOST | NI_NUMERICSERV`` it gives ``("127.0.0.1", "80")`` without any
lookup. No DNS query is needed: the stub (the child's only DNS server) refuses names outside its zone,
so a runtime that skips /etc/hosts and asks DNS gets no name. Servers log and authorise clients by
these names. ``stub_queries`` counts the queries the runtime sent. Where the stub gets only the names
of its zone (macOS, Windows: docs/dns.md), the reverse name would go to real DNS servers, and the cell is
``skipped``.

The contract, the same for every style: the style's own reverse lookup gives the reference's answers.
Each style's API: ``socket.getnameinfo`` (sync), ``loop.getnameinfo`` (asyncio),
``trio.socket.getnameinfo`` (trio). Twisted's resolver API, ``reactor.nameResolver``
(``IHostnameResolver``), resolves names only; the Twisted body looks for a ``getnameinfo`` on it and on
the reactor and calls it where there is one. Where there is none, the cell is ``unsupported``, naming
what was probed: ``twisted.names.client.lookupPointer`` asks DNS for PTR records alone (Twisted's hosts
file resolver answers A and AAAA only) and knows no service names, so it is not this operation, and
calling the standard library's ``getnameinfo`` in a thread (``deferToThread``) would test the standard
library, not Twisted.
"""

from __future__ import annotations

import socket
from pathlib import Path

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 8.0
ADDRESS = ("127.0.0.1", 80)
NUMERIC = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
# Where only the stub's zone reaches the stub (macOS, Windows), the reverse query would not.
EVERY_QUERY = "a runtime may ask DNS for the reverse name of 127.0.0.1 (eventlet does)"


def _hosts_name(ctx: Context) -> str:
    """The first name /etc/hosts gives 127.0.0.1: what the reference answers."""
    for line in Path("/etc/hosts").read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == ADDRESS[0]:
            return fields[1]
    raise ctx.skip("/etc/hosts has no line for 127.0.0.1, so the reference answer is not known")


def _check(ctx: Context, named: tuple[str, str], numeric: tuple[str, str]) -> None:
    ctx.measure("stub_queries", len(_canary.stub_queries(ctx)))
    wrong = [f"{call}: expected {expected!r}, got {got!r}" for call, got, expected in (
        ("getnameinfo(('127.0.0.1', 80), 0)", named, (_hosts_name(ctx), "http")),
        ("getnameinfo(('127.0.0.1', 80), NI_NUMERICHOST | NI_NUMERICSERV)", numeric, ("127.0.0.1", "80")),
    ) if got != expected]
    ctx.expect(not wrong, "; ".join(wrong))


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    _check(ctx, socket.getnameinfo(ADDRESS, 0), socket.getnameinfo(ADDRESS, NUMERIC))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    loop = asyncio.get_running_loop()
    named = await asyncio.wait_for(loop.getnameinfo(ADDRESS, 0), LOOKUP_TIMEOUT_S)
    numeric = await asyncio.wait_for(loop.getnameinfo(ADDRESS, NUMERIC), LOOKUP_TIMEOUT_S)
    _check(ctx, named, numeric)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    with trio.fail_after(LOOKUP_TIMEOUT_S * 2):
        named = await trio.socket.getnameinfo(ADDRESS, 0)
        numeric = await trio.socket.getnameinfo(ADDRESS, NUMERIC)
    _check(ctx, named, numeric)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor
    from twisted.internet.interfaces import IHostnameResolver

    await _canary.check_twisted(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    getnameinfo = (getattr(reactor.nameResolver, "getnameinfo", None)
                   or getattr(reactor, "getnameinfo", None))
    if getnameinfo is None:
        raise NotImplementedError(
            f"Twisted has no reverse lookup through the system's name service: reactor.nameResolver "
            f"(a {type(reactor.nameResolver).__name__}) has no getnameinfo, nor has the reactor; "
            f"IHostnameResolver offers {sorted(IHostnameResolver.names())} only, and "
            "twisted.names.client.lookupPointer asks DNS alone and knows no service names "
            "(https://github.com/twisted/twisted/blob/twisted-26.10.0/src/twisted/internet/"
            "interfaces.py#L174-L211)")
    named = await defer.maybeDeferred(getnameinfo, ADDRESS, 0).addTimeout(LOOKUP_TIMEOUT_S, reactor)
    numeric = await defer.maybeDeferred(getnameinfo, ADDRESS, NUMERIC).addTimeout(LOOKUP_TIMEOUT_S, reactor)
    _check(ctx, named, numeric)
