"""Local names resolve without DNS: localhost, 127.0.0.1, ::1 and a service name.

Reference semantics: blocking ``socket.getaddrinfo(host, port, type=SOCK_STREAM)`` over glibc gives, for a
numeric host, exactly one tuple ``(family, SOCK_STREAM, IPPROTO_TCP, '', sockaddr)`` with the address as given
(``('127.0.0.1', 80)``, ``('::1', 80, 0, 0)``); a service name is looked up in the services database
(``http`` is port 80); ``localhost`` gives the addresses /etc/hosts lists for it (the ``files`` source
comes before DNS). No DNS query is needed for any of these, so they work on a machine without a network
and never wait for a resolver. Code that connects to ``localhost`` or a literal address (every test
suite, every sidecar) depends on it. The child runs with the stub DNS server as its only resolver, so a
runtime that asks DNS anyway cannot leak the query; ``stub_queries`` counts what it asked. Where the stub
gets only the names of its zone (macOS, Windows: docs/dns.md), that cannot be promised, and the cell is
``skipped``. The answers for numeric hosts are glibc's: another C library answers the same call otherwise
(musl always fills ``ai_canonname``; Windows gives protocol 0), so on a Linux without glibc the cell is
``skipped``, naming the C library, rather than judged against another library's answers.
"""

from __future__ import annotations

import platform
import socket
import sys
from pathlib import Path
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 5.0
HOSTS = Path("/etc/hosts")
# Where only the stub's zone reaches the stub (macOS, Windows), a query the runtime sends anyway would not.
EVERY_QUERY = "a runtime may ask DNS for localhost, and the cell counts the queries it sends"

# (host, port) -> the set of getaddrinfo(host, port, type=SOCK_STREAM) results.
TCP = socket.IPPROTO_TCP
NUMERIC: dict[tuple[str, int | str], set[Any]] = {
    ("127.0.0.1", 80): {(socket.AF_INET, socket.SOCK_STREAM, TCP, "", ("127.0.0.1", 80))},
    ("::1", 80): {(socket.AF_INET6, socket.SOCK_STREAM, TCP, "", ("::1", 80, 0, 0))},
    ("127.0.0.1", "http"): {(socket.AF_INET, socket.SOCK_STREAM, TCP, "", ("127.0.0.1", 80))},
}
QUERIES: list[tuple[str, int | str]] = [*NUMERIC, ("localhost", 80)]
# Whose answers NUMERIC holds. musl "always returns ai_canonname" (uvloop's tests,
# https://github.com/MagicStack/uvloop/blob/v0.22.1/tests/test_dns.py#L140-L145) and Windows gives proto 0
# for a numeric SOCK_STREAM lookup (Winloop's tests,
# https://github.com/Vizonex/Winloop/blob/v0.6.3/tests/test_dns.py#L143-L147).
REFERENCE_LIBC = "glibc"


def _require_reference_libc(ctx: Context) -> None:
    """Skip the cell where the C library is not the one whose answers NUMERIC holds: the difference
    would be the library's, for every runtime, not the runtime's."""
    libc = platform.libc_ver()[0]
    if sys.platform == "linux" and libc != REFERENCE_LIBC:
        raise ctx.skip(f"the expected answers for numeric hosts are {REFERENCE_LIBC}'s, and this C library "
                       f"is {libc or 'not glibc'}")


def _localhost_addresses() -> set[str]:
    """The addresses /etc/hosts gives ``localhost`` (empty: it does not list it)."""
    found = set()
    for line in HOSTS.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and "localhost" in (name.lower() for name in fields[1:]):
            found.add(fields[0])
    return found


def _check(ctx: Context, results: list[set[Any]]) -> None:
    for (host, port), got in zip(QUERIES, results, strict=True):
        if (host, port) in NUMERIC:
            ctx.expect_equal(got, NUMERIC[(host, port)], f"getaddrinfo({host!r}, {port!r})")
    localhost = results[-1]
    addresses = {entry[4][0] for entry in localhost}
    listed = _localhost_addresses()
    if listed:
        ctx.expect_equal(addresses, listed, "the addresses of localhost (as /etc/hosts lists them)")
    else:
        ctx.expect(addresses and all(a == "::1" or a.startswith("127.") for a in addresses),
                   f"localhost resolved to {sorted(addresses)}, not to loopback addresses")
    for entry in localhost:
        ctx.expect_equal(entry[1:4], (socket.SOCK_STREAM, TCP, ""), "type, proto, canonname of localhost")
        ctx.expect_equal(entry[4][1], 80, "the port of localhost")
    ctx.measure("stub_queries", len(_canary.stub_queries(ctx)))


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    _require_reference_libc(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    results = [set(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)) for host, port in QUERIES]
    _check(ctx, results)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    _require_reference_libc(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    loop = asyncio.get_running_loop()
    results = []
    for host, port in QUERIES:
        found = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM),
                                       LOOKUP_TIMEOUT_S)
        results.append(set(found))
    _check(ctx, results)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    _require_reference_libc(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    results = []
    with trio.fail_after(LOOKUP_TIMEOUT_S * len(QUERIES)):
        for host, port in QUERIES:
            results.append(set(await trio.socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
    _check(ctx, results)


async def run_twisted(ctx: Context) -> None:
    await _canary.check_twisted(ctx)
    _require_reference_libc(ctx)
    _canary.require_every_query(ctx, EVERY_QUERY)
    results = []
    for host, port in QUERIES:
        # IHostnameResolver's portNumber is typed int; the service name is handed to it as it is, so
        # that it is Twisted's resolver that looks it up (or refuses it), not this body.
        results.append(set(await _twisted.getaddrinfo(host, port, LOOKUP_TIMEOUT_S)))
    _check(ctx, results)
