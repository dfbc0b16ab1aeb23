"""An internationalised name is encoded as the standard library does: bücher -> xn--bcher-kva.

Reference semantics: blocking ``socket.getaddrinfo("bücher.<zone>", 80)`` (``<zone>``: the stub's,
``conformance.test`` on Linux) encodes the ``str`` host with the ``idna`` codec (IDNA 2003, RFC 3490),
so the DNS server is asked for ``xn--bcher-kva.<zone>`` (which the stub answers with 192.0.2.2, and
nothing else does); upper case is folded first, so ``BÜCHER.<zone>`` is the same name. Users type and paste
non-ASCII host names; a runtime that sends other bytes, or refuses the name, cannot reach the host.
"""

from __future__ import annotations

import socket
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 8.0
LABELS = ("bücher", "BÜCHER")
EXPECTED = {(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.2", 80))}


def _names(ctx: Context) -> list[str]:
    return [_canary.in_zone(ctx, label) for label in LABELS]


def _check(ctx: Context, results: list[set[Any]]) -> None:
    for name, got in zip(_names(ctx), results, strict=True):
        ctx.expect_equal(got, EXPECTED, f"getaddrinfo({name!r}, 80, AF_INET, SOCK_STREAM)")


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    _check(ctx, [set(socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM))
                 for name in _names(ctx)])


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    results = []
    for name in _names(ctx):
        found = await asyncio.wait_for(
            loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)
        results.append(set(found))
    _check(ctx, results)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    results = []
    with trio.fail_after(LOOKUP_TIMEOUT_S * len(LABELS)):
        for name in _names(ctx):
            results.append(set(await trio.socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)))
    _check(ctx, results)


async def run_twisted(ctx: Context) -> None:
    await _canary.check_twisted(ctx)
    _check(ctx, [set(await _twisted.getaddrinfo(name, 80, LOOKUP_TIMEOUT_S, socket.AF_INET))
                 for name in _names(ctx)])
