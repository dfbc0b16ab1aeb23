"""Shared by dns.nxdomain, dns.servfail and dns.timeout: a lookup of a name the stub DNS server answers
with an error, which must fail with the style's documented exception carrying the resolver's code, and
the checks of it.

The contract of those scenarios, the same for every style: the lookup fails, and the failure carries
getaddrinfo's code (``EAI_NONAME``: no such name; ``EAI_AGAIN``: the resolver failed, try again), which
is how code tells a typo from an outage. What a style spells its own way is the exception: the standard
library's ``socket.gaierror`` (sync, asyncio, trio: what their APIs document), or for Twisted the
``twisted.internet.error.DNSLookupError`` its ``HostnameEndpoint.connect`` documents for a name that
cannot be resolved; the code is that exception's ``errno``, or that of the ``OSError`` it was raised
from (``__cause__``, ``__context__``): :func:`code_of`.

``relative`` is the name under the stub's zone (``nxdomain``: ``nxdomain.<zone>``). Each lookup starts
with the canary (``_canary``), whose queries ``stub_queries`` leaves out.
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

LOOKUP_TIMEOUT_S = 8.0
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")


def _measure(ctx: Context, elapsed_s: float, measurement: str) -> None:
    ctx.measure(measurement, elapsed_s * 1000.0)
    ctx.measure("stub_queries", len(_canary.stub_queries(ctx)))


def code_of(error: BaseException) -> int | None:
    """The getaddrinfo code a failed lookup carries: the ``errno`` of the first ``OSError`` (a
    ``socket.gaierror`` is one) among the exception and those it was raised from, or None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and isinstance(current.errno, int):
            return current.errno
        current = current.__cause__ or current.__context__
    return None


def name_of(code: int | None) -> str:
    codes = {getattr(socket, name): name for name in dir(socket) if name.startswith("EAI_")}
    return codes.get(code, repr(code)) if code is not None else "no code"


def check_code(ctx: Context, error: BaseException, errno: int) -> None:
    code = code_of(error)
    ctx.expect(code == errno, f"the lookup failed with {type(error).__module__}.{type(error).__qualname__}"
                              f" ({error}), which carries {name_of(code)}: {name_of(errno)} expected, so "
                              "a missing name cannot be told from a failing resolver")


def check(ctx: Context, caught: list[BaseException], elapsed_s: float, measurement: str,
          errno: int) -> None:
    _measure(ctx, elapsed_s, measurement)
    check_code(ctx, caught[0], errno)


def lookup_sync(ctx: Context, relative: str, measurement: str, errno: int) -> None:
    _canary.check_sync(ctx)
    name = _canary.in_zone(ctx, relative)
    started = time.perf_counter()
    with ctx.expect_raises(socket.gaierror) as caught:
        socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
    check(ctx, caught, time.perf_counter() - started, measurement, errno)


async def lookup_asyncio(ctx: Context, relative: str, measurement: str, errno: int) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    name = _canary.in_zone(ctx, relative)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    with ctx.expect_raises(socket.gaierror) as caught:
        await asyncio.wait_for(loop.getaddrinfo(name, 80, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)
    check(ctx, caught, time.perf_counter() - started, measurement, errno)


async def lookup_trio(ctx: Context, relative: str, measurement: str, errno: int) -> None:
    import trio

    await _canary.check_trio(ctx)
    name = _canary.in_zone(ctx, relative)
    started = time.perf_counter()
    with ctx.expect_raises(socket.gaierror) as caught, trio.fail_after(LOOKUP_TIMEOUT_S):
        await trio.socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
    check(ctx, caught, time.perf_counter() - started, measurement, errno)


async def lookup_twisted(ctx: Context, relative: str, measurement: str, errno: int) -> None:
    """Twisted's form of a failed lookup: HostnameEndpoint.connect fails with DNSLookupError."""
    from twisted.internet.error import DNSLookupError

    await _canary.check_twisted(ctx)
    name = _canary.in_zone(ctx, relative)
    started = time.perf_counter()
    with ctx.expect_raises(DNSLookupError) as caught:
        await _twisted.connect_to(name, 80, LOOKUP_TIMEOUT_S)
    check(ctx, caught, time.perf_counter() - started, measurement, errno)
