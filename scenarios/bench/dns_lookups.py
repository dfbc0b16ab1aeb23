"""40 concurrent slow DNS lookups through the system resolver: lookups/s.

The same stub resolver as the dns area (the child's system resolver asks it and nothing else) answers
``slow-100ms-<n>.conformance.test`` (under the stub's zone) after 100 ms. 40 lookups of distinct names
start at once, the way each style's users resolve names: ``socket.getaddrinfo`` in 40 threads (greenlets
under gevent and eventlet, which resolve in their own way), ``loop.getaddrinfo`` gathered (the loop's
default executor), ``trio.socket.getaddrinfo`` in 40 tasks (trio's thread limit),
``reactor.nameResolver.resolveHostName`` (the reactor's thread pool) in Twisted. ``lookups_per_s`` is 40
over the time until the last answer: how many lookups a runtime keeps in flight decides it. A warm-up
round of 1 ms lookups runs first.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from conformance import Context

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
TIMEOUT_S = 60.0
LOOKUPS = 40
DELAY_MS = 100
LOOKUPS_TIMEOUT_S = 20.0


def _names(ctx: Context, delay_ms: int) -> list[str]:
    # Under the zone the stub serves: conformance.test on Linux, a zone of the cell's own where the
    # system resolver sends it one zone (macOS, Windows: docs/dns.md).
    zone = ctx.peers["dns_stub"].zone
    return [f"slow-{delay_ms}ms-{n}.{zone}" for n in range(1, LOOKUPS + 1)]


def _record(ctx: Context, answers: list[Any], seconds: float) -> None:
    wrong = [a for a in answers if not a or isinstance(a, BaseException)]
    ctx.expect(not wrong, f"{len(wrong)} of {LOOKUPS} lookups failed, the first: {wrong[:1]!r}")
    ctx.measure("lookups_per_s", LOOKUPS / seconds)


def run_sync(ctx: Context) -> None:
    import threading

    def batch(names: list[str]) -> tuple[list[Any], float]:
        answers: list[Any] = [None] * len(names)

        def lookup(index: int) -> None:
            try:
                answers[index] = socket.getaddrinfo(names[index], 80, socket.AF_INET,
                                                    socket.SOCK_STREAM)
            except OSError as exc:
                answers[index] = exc

        started = time.perf_counter()
        threads = [threading.Thread(target=lookup, args=(i,)) for i in range(len(names))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(LOOKUPS_TIMEOUT_S)
        return answers, time.perf_counter() - started

    batch(_names(ctx, 1))
    _record(ctx, *batch(_names(ctx, DELAY_MS)))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()

    async def batch(names: list[str]) -> tuple[list[Any], float]:
        started = time.perf_counter()
        answers = await asyncio.wait_for(asyncio.gather(
            *(loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM)
              for name in names), return_exceptions=True), LOOKUPS_TIMEOUT_S)
        return list(answers), time.perf_counter() - started

    await batch(_names(ctx, 1))
    _record(ctx, *await batch(_names(ctx, DELAY_MS)))


async def run_trio(ctx: Context) -> None:
    import trio

    async def batch(names: list[str]) -> tuple[list[Any], float]:
        answers: list[Any] = [None] * len(names)

        async def lookup(index: int) -> None:
            try:
                answers[index] = await trio.socket.getaddrinfo(names[index], 80, socket.AF_INET,
                                                               socket.SOCK_STREAM)
            except OSError as exc:
                answers[index] = exc

        started = time.perf_counter()
        with trio.fail_after(LOOKUPS_TIMEOUT_S):
            async with trio.open_nursery() as nursery:
                for index in range(len(names)):
                    nursery.start_soon(lookup, index)
        return answers, time.perf_counter() - started

    await batch(_names(ctx, 1))
    _record(ctx, *await batch(_names(ctx, DELAY_MS)))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    from conformance.support.twisted_resolver import resolve_host_name

    async def batch(names: list[str]) -> tuple[list[Any], float]:
        started = time.perf_counter()
        answers = await defer.gatherResults([defer.Deferred.fromCoroutine(
            resolve_host_name(name, 80, LOOKUPS_TIMEOUT_S, socket.AF_INET)) for name in names])
        return list(answers), time.perf_counter() - started

    await batch(_names(ctx, 1))
    _record(ctx, *await batch(_names(ctx, DELAY_MS)))
