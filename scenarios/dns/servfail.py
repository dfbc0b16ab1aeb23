"""A resolver failure (SERVFAIL) raises socket.gaierror EAI_AGAIN, promptly.

Reference semantics: blocking ``socket.getaddrinfo("servfail.conformance.test", 80)`` asks the stub DNS
server, which answers SERVFAIL ("the server could not tell"), and raises ``socket.gaierror`` with errno
``EAI_AGAIN`` ("Temporary failure in name resolution") as soon as the answer arrives: the resolver
(glibc) does not turn a server failure into "no such name". Code retries on ``EAI_AGAIN`` and gives up
on ``EAI_NONAME``; a runtime that reports a failing resolver as a missing name makes clients drop work
that a retry would have done. ``servfail_ms`` is how long the answer took, ``stub_queries`` how many
queries the runtime sent.
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
NAME = "servfail.conformance.test"


def _check(ctx: Context, caught: list[BaseException], elapsed_s: float) -> None:
    ctx.measure("servfail_ms", elapsed_s * 1000.0)
    queries = Path(ctx.peers["dns_stub"].query_log).read_text(encoding="utf-8").splitlines()
    ctx.measure("stub_queries", len(queries))
    error = caught[0]
    ctx.expect_equal(getattr(error, "errno", None), socket.EAI_AGAIN,
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
