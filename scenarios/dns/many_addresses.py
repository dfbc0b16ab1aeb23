"""A name with 32 addresses: the answer is too big for UDP, and comes again over TCP.

Reference semantics: blocking ``socket.getaddrinfo("many.<zone>", 80, AF_INET, SOCK_STREAM)``
(``<zone>``: the stub's, ``conformance.test`` on Linux) gets from the stub DNS server a UDP answer with
the truncation bit set (32 A records do not fit in 512 bytes), asks again over TCP, and returns all 32
addresses (203.0.113.1 to .32). Large answers are common (load-balanced services, CDNs); a resolver that
ignores truncation returns none or only some of them. ``stub_tcp_queries`` counts the queries the runtime
sent over TCP.
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
EXPECTED = {(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (f"203.0.113.{n}", 80))
            for n in range(1, 33)}


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, "many")
    return name


def _check(ctx: Context, found: list[Any]) -> None:
    queries = _canary.stub_queries(ctx)
    ctx.measure("stub_tcp_queries", sum(" tcp " in line for line in queries))
    ctx.measure("addresses", len(set(found)))
    ctx.expect_equal(set(found), EXPECTED, f"getaddrinfo({_name(ctx)!r}, 80, AF_INET, SOCK_STREAM)")


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    _check(ctx, socket.getaddrinfo(_name(ctx), 80, socket.AF_INET, socket.SOCK_STREAM))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    _check(ctx, await asyncio.wait_for(
        loop.getaddrinfo(_name(ctx), 80, family=socket.AF_INET, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S))


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    with trio.fail_after(LOOKUP_TIMEOUT_S):
        _check(ctx, await trio.socket.getaddrinfo(_name(ctx), 80, socket.AF_INET, socket.SOCK_STREAM))


async def run_twisted(ctx: Context) -> None:
    await _canary.check_twisted(ctx)
    _check(ctx, await _twisted.getaddrinfo(_name(ctx), 80, LOOKUP_TIMEOUT_S, socket.AF_INET))
