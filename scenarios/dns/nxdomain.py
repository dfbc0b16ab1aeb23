"""A name that does not exist raises socket.gaierror EAI_NONAME.

Reference semantics: blocking ``socket.getaddrinfo("nxdomain.conformance.test", 80)`` asks the stub DNS
server, which answers NXDOMAIN for both the A and the AAAA query, and raises ``socket.gaierror`` with
errno ``EAI_NONAME`` ("Name or service not known"), promptly. Code tells "this host does not exist" (a
typo in a URL: give up) from "the resolver failed" (``EAI_AGAIN``: retry) by that errno; another type or
another code sends it down the wrong branch. ``nxdomain_ms`` is how long the answer took,
``stub_queries`` how many queries the runtime sent for it.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from conformance import Context

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 8.0
NAME = "nxdomain.conformance.test"


def _check(ctx: Context, caught: list[BaseException], elapsed_s: float) -> None:
    ctx.measure("nxdomain_ms", elapsed_s * 1000.0)
    queries = Path(ctx.peers["dns_stub"].query_log).read_text(encoding="utf-8").splitlines()
    ctx.measure("stub_queries", len(queries))
    error = caught[0]
    ctx.expect_equal(getattr(error, "errno", None), socket.EAI_NONAME,
                     f"the errno of the gaierror ({error})")


def run_sync(ctx: Context) -> None:
    started = time.perf_counter()
    with ctx.expect_raises(socket.gaierror) as caught:
        socket.getaddrinfo(NAME, 80, type=socket.SOCK_STREAM)
    _check(ctx, caught, time.perf_counter() - started)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    with ctx.expect_raises(socket.gaierror) as caught:
        await asyncio.wait_for(loop.getaddrinfo(NAME, 80, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)
    _check(ctx, caught, time.perf_counter() - started)


async def run_trio(ctx: Context) -> None:
    import trio

    started = time.perf_counter()
    with ctx.expect_raises(socket.gaierror) as caught, trio.fail_after(LOOKUP_TIMEOUT_S):
        await trio.socket.getaddrinfo(NAME, 80, type=socket.SOCK_STREAM)
    _check(ctx, caught, time.perf_counter() - started)
