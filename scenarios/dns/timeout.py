"""A DNS server that never answers: socket.gaierror EAI_AGAIN after the configured timeout.

Reference semantics: blocking ``socket.getaddrinfo("timeout.<zone>", 80)`` (``<zone>``: the stub's,
``conformance.test`` on Linux) asks the stub DNS server, which never answers; the system resolver waits
as long as its configuration says (on Linux /etc/resolv.conf's ``options timeout:1 attempts:1``, on
macOS the zone's resolver file's ``timeout 1``: one second) and raises ``socket.gaierror`` with errno
``EAI_AGAIN`` ("Temporary failure in name resolution"). The resolver's configuration is how an operator
bounds every lookup of every program; a runtime that waits longer than configured (or forever) turns a
DNS outage into hung requests. The lookup is given ``BOUND_FACTOR`` (4) times the configured time before
the cell fails; ``timeout_ms`` is how long it took, ``stub_queries`` how many queries the runtime sent.
Where nothing sets that time (an NRPT rule on Windows cannot), the cell is ``skipped``.

The contract, the same for every style: the lookup ends within the bound and fails carrying
``EAI_AGAIN``; the exception is the one the style's API documents (``socket.gaierror``; Twisted:
``DNSLookupError`` from ``HostnameEndpoint.connect``), the code its ``errno`` or that of the exception
it was raised from (``_lookup_error``).
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
_lookup = sibling_module(__file__, "_lookup_error")
TIMEOUT_S = 20.0
BOUND_FACTOR = 4


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, "timeout")
    return name


def _bound_s(ctx: Context) -> float:
    """How long the lookup may take: BOUND_FACTOR times the resolver's configured timeout."""
    configured = ctx.peers["dns_stub"].resolver_timeout_s
    if configured is None:
        raise ctx.skip("nothing here sets how long the system resolver waits for a DNS server that "
                       "never answers (an NRPT rule cannot), so the scenario has no bound to hold a "
                       "runtime to (docs/dns.md)")
    return float(BOUND_FACTOR * configured)


def _check(ctx: Context, ended: bool, elapsed_s: float) -> None:
    ctx.measure("timeout_ms", elapsed_s * 1000.0)
    ctx.measure("stub_queries", len(_canary.stub_queries(ctx)))
    ctx.expect(ended, f"the lookup had not ended after {_bound_s(ctx):g} s, though "
                      f"{ctx.peers['dns_stub'].resolver_timeout_setting}")


def _check_error(ctx: Context, caught: list[BaseException]) -> None:
    _lookup.check_code(ctx, caught[0], socket.EAI_AGAIN)


def run_sync(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor, wait

    _canary.check_sync(ctx)
    bound_s = _bound_s(ctx)
    pool = ThreadPoolExecutor(1)
    started = time.perf_counter()
    lookup = pool.submit(socket.getaddrinfo, _name(ctx), 80, type=socket.SOCK_STREAM)
    ended = bool(wait([lookup], bound_s).done)
    pool.shutdown(wait=False)
    _check(ctx, ended, time.perf_counter() - started)
    with ctx.expect_raises(socket.gaierror) as caught:
        lookup.result(timeout=0)  # done: it ended within the bound (checked above)
    _check_error(ctx, caught)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    bound_s = _bound_s(ctx)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    lookup = asyncio.ensure_future(loop.getaddrinfo(_name(ctx), 80, type=socket.SOCK_STREAM))
    ended = bool((await asyncio.wait([lookup], timeout=bound_s))[0])
    if not ended:
        lookup.cancel()
    _check(ctx, ended, time.perf_counter() - started)
    with ctx.expect_raises(socket.gaierror) as caught:
        lookup.result()
    _check_error(ctx, caught)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    bound_s = _bound_s(ctx)
    started = time.perf_counter()
    with trio.move_on_after(bound_s) as bound, ctx.expect_raises(socket.gaierror) as caught:
        await trio.socket.getaddrinfo(_name(ctx), 80, type=socket.SOCK_STREAM)
    _check(ctx, not bound.cancelled_caught, time.perf_counter() - started)
    _check_error(ctx, caught)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet.error import DNSLookupError

    await _canary.check_twisted(ctx)
    bound_s = _bound_s(ctx)
    started = time.perf_counter()
    ended, error = True, None
    try:
        await _twisted.connect_to(_name(ctx), 80, bound_s)
    except TimeoutError:
        ended = False
    except Exception as exc:
        error = exc
    _check(ctx, ended, time.perf_counter() - started)
    with ctx.expect_raises(DNSLookupError) as caught:
        if error is not None:
            raise error
    _check_error(ctx, caught)
