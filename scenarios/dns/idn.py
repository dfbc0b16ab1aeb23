"""An internationalised name is encoded as the standard library does: bücher -> xn--bcher-kva.

Reference semantics: blocking ``socket.getaddrinfo("bücher.conformance.test", 80)`` encodes the ``str``
host with the ``idna`` codec (IDNA 2003, RFC 3490), so the DNS server is asked for
``xn--bcher-kva.conformance.test`` (which the stub answers with 192.0.2.2, and nothing else does);
upper case is folded first, so ``BÜCHER.conformance.test`` is the same name. Users type and paste
non-ASCII host names; a runtime that sends other bytes, or refuses the name, cannot reach the host.
"""

from __future__ import annotations

import socket
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 8.0
NAMES = ("bücher.conformance.test", "BÜCHER.conformance.test")
EXPECTED = {(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.2", 80))}


def _check(ctx: Context, results: list[set[Any]]) -> None:
    for name, got in zip(NAMES, results, strict=True):
        ctx.expect_equal(got, EXPECTED, f"getaddrinfo({name!r}, 80, AF_INET, SOCK_STREAM)")


def run_sync(ctx: Context) -> None:
    _check(ctx, [set(socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)) for name in NAMES])


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    results = []
    for name in NAMES:
        found = await asyncio.wait_for(
            loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)
        results.append(set(found))
    _check(ctx, results)


async def run_trio(ctx: Context) -> None:
    import trio

    results = []
    with trio.fail_after(LOOKUP_TIMEOUT_S * len(NAMES)):
        for name in NAMES:
            results.append(set(await trio.socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)))
    _check(ctx, results)


async def run_twisted(ctx: Context) -> None:
    _check(ctx, [set(await _twisted.getaddrinfo(name, 80, LOOKUP_TIMEOUT_S, socket.AF_INET))
                 for name in NAMES])
