"""Shared by dns.nxdomain and dns.servfail: a lookup of a name the stub DNS server answers with an error,
which must raise socket.gaierror with a given errno, and the checks of it.

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


def check(ctx: Context, caught: list[BaseException], elapsed_s: float, measurement: str,
          errno: int) -> None:
    _measure(ctx, elapsed_s, measurement)
    error = caught[0]
    ctx.expect_equal(getattr(error, "errno", None), errno,
                     f"the errno of the gaierror ({error})")


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
    """Twisted's resolveHostName reports a failed lookup as a resolution with no addresses."""
    await _canary.check_twisted(ctx)
    name = _canary.in_zone(ctx, relative)
    started = time.perf_counter()
    found = await _twisted.getaddrinfo(name, 80, LOOKUP_TIMEOUT_S)
    _measure(ctx, time.perf_counter() - started, measurement)
    ctx.expect(not found, f"resolveHostName({name!r}) gave {found}; the reference raises socket.gaierror")
    ctx.expect(False, _twisted.no_error_code(name, errno))
