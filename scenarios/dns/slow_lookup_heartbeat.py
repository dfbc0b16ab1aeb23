"""A lookup the DNS server answers after 500 ms does not stall the other tasks.

Reference semantics: blocking ``socket.gethostbyname("slow-500ms.<zone>")`` (``<zone>``: the stub's,
``conformance.test`` on Linux) waits about 500 ms for the stub DNS server and returns ``"198.51.100.1"``;
while one thread waits in the resolver (with the GIL released), the other threads run on. The asyncio and
trio styles ask the same question with ``loop.getaddrinfo`` and ``trio.socket.getaddrinfo`` (AF_INET),
the twisted style with ``reactor.resolve`` (Twisted's gethostbyname). A runtime that resolves on its own
scheduler thread freezes every other connection of the process for as long as the DNS server takes: that
is ``blocking``. ``lookup_ms`` is how long the lookup took.
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 8.0
ADDRESS = "198.51.100.1"
DELAY_S = 0.5


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, "slow-500ms")
    return name


def _check(ctx: Context, address: object, elapsed_s: float) -> None:
    ctx.measure("lookup_ms", elapsed_s * 1000.0)
    ctx.expect_equal(address, ADDRESS, f"the address of {_name(ctx)}")
    ctx.expect(elapsed_s >= DELAY_S * 0.9, f"the lookup took only {elapsed_s * 1000:.0f} ms, though the "
                                           f"server answers after {DELAY_S * 1000:.0f} ms")


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    name = _name(ctx)
    with ctx.measured():
        started = time.perf_counter()
        address = socket.gethostbyname(name)
        elapsed = time.perf_counter() - started
    _check(ctx, address, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    name = _name(ctx)
    loop = asyncio.get_running_loop()
    with ctx.measured():
        started = time.perf_counter()
        found = await asyncio.wait_for(
            loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    _check(ctx, found[0][4][0], elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    name = _name(ctx)
    with ctx.measured():
        started = time.perf_counter()
        with trio.fail_after(LOOKUP_TIMEOUT_S):
            found = await trio.socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
        elapsed = time.perf_counter() - started
    _check(ctx, found[0][4][0], elapsed)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor

    await _canary.check_twisted(ctx)
    name = _name(ctx)
    # reactor.resolve is Twisted's gethostbyname (IReactorCore.resolve: one IPv4 address). It is a
    # zope.interface method, declared without self: mypy reads it right only through mypy-zope.
    with ctx.measured():
        started = time.perf_counter()
        address = await reactor.resolve(name).addTimeout(  # type: ignore[arg-type]
            LOOKUP_TIMEOUT_S, reactor)
        elapsed = time.perf_counter() - started
    _check(ctx, address, elapsed)
