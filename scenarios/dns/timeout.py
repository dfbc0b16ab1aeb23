"""A DNS server that never answers: socket.gaierror EAI_AGAIN after the configured timeout.

Reference semantics: blocking ``socket.getaddrinfo("timeout.conformance.test", 80)`` asks the stub DNS
server, which never answers; the system resolver waits as long as /etc/resolv.conf says (here
``options timeout:1 attempts:1``: one second) and raises ``socket.gaierror`` with errno ``EAI_AGAIN``
("Temporary failure in name resolution"). The resolver's configuration is how an operator bounds every
lookup of every program; a runtime that waits longer than configured (or forever) turns a DNS outage
into hung requests. The lookup is given ``LOOKUP_BOUND_S`` (4x the configured second) before the cell
fails; ``timeout_ms`` is how long it took, ``stub_queries`` how many queries the runtime sent.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
TIMEOUT_S = 20.0
LOOKUP_BOUND_S = 4.0
NAME = "timeout.conformance.test"


def _check(ctx: Context, ended: bool, elapsed_s: float) -> None:
    ctx.measure("timeout_ms", elapsed_s * 1000.0)
    queries = Path(ctx.peers["dns_stub"].query_log).read_text(encoding="utf-8").splitlines()
    ctx.measure("stub_queries", len(queries))
    ctx.expect(ended, f"the lookup had not ended after {LOOKUP_BOUND_S:g} s, though /etc/resolv.conf "
                      "says timeout:1 attempts:1")


def _check_error(ctx: Context, caught: list[BaseException]) -> None:
    error = caught[0]
    ctx.expect_equal(getattr(error, "errno", None), socket.EAI_AGAIN,
                     f"the errno of the gaierror ({error})")


def run_sync(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(1)
    started = time.perf_counter()
    lookup = pool.submit(socket.getaddrinfo, NAME, 80, type=socket.SOCK_STREAM)
    ended = bool(wait([lookup], LOOKUP_BOUND_S).done)
    pool.shutdown(wait=False)
    _check(ctx, ended, time.perf_counter() - started)
    with ctx.expect_raises(socket.gaierror) as caught:
        lookup.result()
    _check_error(ctx, caught)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    lookup = asyncio.ensure_future(loop.getaddrinfo(NAME, 80, type=socket.SOCK_STREAM))
    ended = bool((await asyncio.wait([lookup], timeout=LOOKUP_BOUND_S))[0])
    if not ended:
        lookup.cancel()
    _check(ctx, ended, time.perf_counter() - started)
    with ctx.expect_raises(socket.gaierror) as caught:
        lookup.result()
    _check_error(ctx, caught)


async def run_trio(ctx: Context) -> None:
    import trio

    started = time.perf_counter()
    with trio.move_on_after(LOOKUP_BOUND_S) as bound, ctx.expect_raises(socket.gaierror) as caught:
        await trio.socket.getaddrinfo(NAME, 80, type=socket.SOCK_STREAM)
    _check(ctx, not bound.cancelled_caught, time.perf_counter() - started)
    _check_error(ctx, caught)


async def run_twisted(ctx: Context) -> None:
    started = time.perf_counter()
    try:
        found = await _twisted.getaddrinfo(NAME, 80, LOOKUP_BOUND_S)
        ended = True
    except TimeoutError:
        found, ended = [], False
    _check(ctx, ended, time.perf_counter() - started)
    ctx.expect(not found, f"resolveHostName({NAME!r}) gave {found}; the reference raises socket.gaierror")
    ctx.expect(False, _twisted.no_error_code(NAME, socket.EAI_AGAIN))
