"""A name with only an IPv6 address: AF_UNSPEC and AF_INET6 find it, AF_INET raises gaierror.

Reference semantics: for ``aaaa-only.<zone>`` (``<zone>``: the stub's, ``conformance.test`` on Linux;
docs/dns.md) the stub DNS server has an AAAA record (2001:db8::1) and no A record. Blocking
``socket.getaddrinfo(name, 80, type=SOCK_STREAM)`` (AF_UNSPEC) and the same call with ``AF_INET6``
both return exactly ``('2001:db8::1', 80, 0, 0)``; with ``AF_INET``
it raises ``socket.gaierror`` (the code is the platform's "no address of that family": ``EAI_NODATA``
with glibc, ``EAI_NONAME`` elsewhere). IPv6-only services are common in containers and clouds; a
runtime that asks for IPv4 alone, or stops at the missing A record, cannot reach them.
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
EXPECTED = {(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("2001:db8::1", 80, 0, 0))}
FAMILIES = {"AF_UNSPEC": socket.AF_UNSPEC, "AF_INET6": socket.AF_INET6}


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, "aaaa-only")
    return name


def _check(ctx: Context, results: list[set[Any]]) -> None:
    for family, got in zip(FAMILIES, results, strict=True):
        ctx.expect_equal(got, EXPECTED, f"getaddrinfo({_name(ctx)!r}, 80, {family}, SOCK_STREAM)")


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    name = _name(ctx)
    _check(ctx, [set(socket.getaddrinfo(name, 80, family, socket.SOCK_STREAM))
                 for family in FAMILIES.values()])
    with ctx.expect_raises(socket.gaierror):
        socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    name = _name(ctx)
    loop = asyncio.get_running_loop()
    results = []
    for family in FAMILIES.values():
        found = await asyncio.wait_for(
            loop.getaddrinfo(name, 80, family=family, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)
        results.append(set(found))
    _check(ctx, results)
    with ctx.expect_raises(socket.gaierror):
        await asyncio.wait_for(
            loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    name = _name(ctx)
    results = []
    with trio.fail_after(LOOKUP_TIMEOUT_S * (len(FAMILIES) + 1)):
        for family in FAMILIES.values():
            results.append(set(await trio.socket.getaddrinfo(name, 80, family, socket.SOCK_STREAM)))
        _check(ctx, results)
        with ctx.expect_raises(socket.gaierror):
            await trio.socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)


async def run_twisted(ctx: Context) -> None:
    await _canary.check_twisted(ctx)
    name = _name(ctx)
    results = [set(await _twisted.getaddrinfo(name, 80, LOOKUP_TIMEOUT_S, family))
               for family in FAMILIES.values()]
    _check(ctx, results)
    # resolveHostName reports "no address of that family" as a resolution with no addresses (Twisted's
    # endpoints turn that into DNSLookupError): Twisted's form of the gaierror.
    ipv4 = await _twisted.getaddrinfo(name, 80, LOOKUP_TIMEOUT_S, socket.AF_INET)
    ctx.expect(not ipv4, f"resolveHostName({name!r}, addressTypes=[IPv4Address]) gave {ipv4}; the "
                         "reference raises socket.gaierror")
