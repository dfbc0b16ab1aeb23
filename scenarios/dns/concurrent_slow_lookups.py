"""40 concurrent lookups of names the DNS server answers after 200 ms each.

Reference semantics: 40 threads each call blocking ``socket.getaddrinfo`` for a distinct name
(``slow-200ms-<n>.<zone>``, which the stub answers with 198.51.100.<n> after 200 ms; distinct
names, so no cache helps); every caller gets its own name's address, and since each blocked thread
releases the GIL, the lookups overlap: all 40 take about 200 ms. Each style runs them the way its users
would: sync with 40 threads (greenlets under gevent and eventlet), asyncio with ``asyncio.gather`` of
``loop.getaddrinfo``, trio with 40 tasks calling ``trio.socket.getaddrinfo``, twisted with a
``DeferredList`` of ``reactor.nameResolver.resolveHostName``. How many lookups run at
once is the runtime's choice (its thread pool's size, or its own resolver), so ``elapsed_ms`` and
``lookups_per_s`` are the finding here: a service that resolves a host name per request is limited to
that rate. The outcome is ``pass`` unless an answer is wrong or the scheduler stalls.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 30.0
LOOKUPS = 40
DELAY_MS = 200
LOOKUPS_TIMEOUT_S = 20.0


def _names(ctx: Context) -> list[str]:
    return [_canary.in_zone(ctx, f"slow-{DELAY_MS}ms-{n}") for n in range(1, LOOKUPS + 1)]


def _check(ctx: Context, found: list[Any], elapsed_s: float) -> None:
    ctx.measure("elapsed_ms", elapsed_s * 1000.0)
    ctx.measure("lookups_per_s", LOOKUPS / max(elapsed_s, 1e-9))
    ctx.expect(elapsed_s * 1000.0 >= DELAY_MS * 0.9,
               f"{LOOKUPS} lookups answered after {DELAY_MS} ms each took only {elapsed_s * 1000:.0f} ms")
    wrong = []
    for n, (name, result) in enumerate(zip(_names(ctx), found, strict=True), start=1):
        expected = {(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (f"198.51.100.{n}", 80))}
        if result is None or isinstance(result, BaseException) or set(result) != expected:
            wrong.append(f"{name}: {result!r}"[:200])
    ctx.expect(not wrong, f"{len(wrong)} of {LOOKUPS} lookups went wrong, the first: "
                          f"{wrong[0] if wrong else None}")


def run_sync(ctx: Context) -> None:
    import threading

    _canary.check_sync(ctx)
    names = _names(ctx)
    found: list[Any] = [None] * LOOKUPS

    def lookup(index: int) -> None:
        try:
            found[index] = socket.getaddrinfo(names[index], 80, socket.AF_INET, socket.SOCK_STREAM)
        except Exception as exc:
            found[index] = exc

    threads = [threading.Thread(target=lookup, args=(index,)) for index in range(LOOKUPS)]
    with ctx.measured():
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        deadline = started + LOOKUPS_TIMEOUT_S
        for thread in threads:
            thread.join(max(0.0, deadline - time.perf_counter()))
        elapsed = time.perf_counter() - started
    ctx.expect(not any(thread.is_alive() for thread in threads),
               f"lookups still running after {LOOKUPS_TIMEOUT_S:g} s")
    _check(ctx, found, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    names = _names(ctx)
    loop = asyncio.get_running_loop()
    with ctx.measured():
        started = time.perf_counter()
        found = await asyncio.wait_for(asyncio.gather(
            *(loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM)
              for name in names), return_exceptions=True), LOOKUPS_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    _check(ctx, list(found), elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    names = _names(ctx)
    found: list[Any] = [None] * LOOKUPS

    async def lookup(index: int) -> None:
        try:
            found[index] = await trio.socket.getaddrinfo(names[index], 80, socket.AF_INET,
                                                         socket.SOCK_STREAM)
        except Exception as exc:
            found[index] = exc

    with ctx.measured():
        started = time.perf_counter()
        with trio.fail_after(LOOKUPS_TIMEOUT_S):
            async with trio.open_nursery() as nursery:
                for index in range(LOOKUPS):
                    nursery.start_soon(lookup, index)
        elapsed = time.perf_counter() - started
    _check(ctx, found, elapsed)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer

    await _canary.check_twisted(ctx)
    names = _names(ctx)
    with ctx.measured():
        started = time.perf_counter()
        outcomes = await defer.DeferredList(
            [defer.Deferred.fromCoroutine(_twisted.getaddrinfo(name, 80, LOOKUPS_TIMEOUT_S, socket.AF_INET))
             for name in names], consumeErrors=True)
        elapsed = time.perf_counter() - started
    _check(ctx, [result if ok else result.value for ok, result in outcomes], elapsed)
