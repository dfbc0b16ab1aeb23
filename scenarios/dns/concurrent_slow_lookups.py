"""40 concurrent slow lookups run as many at once as the style's resolver pool allows.

Reference semantics: 40 threads each call blocking ``socket.getaddrinfo`` for a distinct name
(``slow-200ms-<n>.<zone>``, which the stub answers with 198.51.100.<n> after 200 ms; distinct names, so
no cache helps); every caller gets its own name's address, and since each blocked thread releases the
GIL, all 40 lookups are in flight at once: the stub DNS server is answering 40 names together, and the
whole batch takes about 200 ms. A service that resolves a host name per request is limited by how many
lookups its runtime runs at once.

The contract, the same for every style: every lookup gives its own name's address, the scheduler keeps
running, and the stub sees as many of the lookups in flight at once as the style's documented
resolver runs at once, up to all 40 (``max_in_flight``: the most names the stub was answering together,
counted on the server's side, so it measures the mechanism and not the host's speed). What each style's
documentation says runs at once, its ``pool_size``:

- sync (threads, gevent, eventlet): ``socket.getaddrinfo`` in each of 40 ``threading.Thread``: each
  thread's lookup is its own, so 40 (the promise of the sync style is that unchanged code behaves so);
- asyncio: ``asyncio.gather`` of ``loop.getaddrinfo``, which asyncio runs in the loop's default executor
  (``run_in_executor(None, socket.getaddrinfo, ...)``), a ``concurrent.futures.ThreadPoolExecutor`` of
  the documented default size ``min(32, cpus + 4)`` (``os.process_cpu_count()`` from 3.13,
  ``os.cpu_count()`` before);
- trio: 40 tasks calling ``trio.socket.getaddrinfo``, which runs ``socket.getaddrinfo`` through
  ``trio.to_thread.run_sync`` under the default thread limiter (``total_tokens``, 40 by default);
- twisted: a ``DeferredList`` of ``reactor.nameResolver.resolveHostName``, whose default resolver runs
  ``getaddrinfo`` in the reactor's thread pool (``reactor.getThreadPool().max``, 10 by default).

The pool size depends on the host only for asyncio, and is then computed from the same CPU count the
executor uses; the verdict compares the stub's count with it, so it comes out the same on any host.
The program starts its lookups one after another, and on a loaded machine the first answers can come
back before the last queries are sent (38 of 40 measured under eventlet while a second suite ran),
while a pool smaller than documented stays at its own size (gevent's 10 of 40, uvloop's 2 of 6): the
verdict asks for at least three quarters of the documented pool (``IN_FLIGHT_SHARE``), which tells the
two apart with a margin of more than 2x either way. ``cpus``, ``pool_size``, ``max_in_flight`` (names)
and ``max_queries_in_flight`` are recorded, with ``elapsed_ms`` and ``lookups_per_s``.
"""

from __future__ import annotations

import math
import socket
import time
from pathlib import Path
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
_threads = sibling_module(__file__, "_threads")
TIMEOUT_S = 30.0
PLOTS = {"elapsed_ms": "time for all lookups"}  # the report plots it per runtime and OS
LOOKUPS = 40
DELAY_MS = 200
LOOKUPS_TIMEOUT_S = 20.0
IN_FLIGHT_SHARE = 0.75  # of the documented pool: see the docstring


def _names(ctx: Context) -> list[str]:
    return [_canary.in_zone(ctx, f"slow-{DELAY_MS}ms-{n}") for n in range(1, LOOKUPS + 1)]


def _in_flight(ctx: Context, since: float) -> tuple[int, int]:
    """The most queries and the most names the stub was answering at once since ``since``: its
    in_flight.log holds ``<monotonic> <queries> <names>`` at each change
    (conformance/_helpers/dns_stub.py)."""
    queries = names = 0
    for line in Path(ctx.peers["dns_stub"].in_flight_log).read_text(encoding="utf-8").splitlines():
        at, in_flight, distinct = line.split()
        if float(at) >= since:
            queries, names = max(queries, int(in_flight)), max(names, int(distinct))
    return queries, names


def _check(ctx: Context, found: list[Any], elapsed_s: float, since: float, pool_size: int,
           pool: str) -> None:
    queries, names = _in_flight(ctx, since)
    expected = min(LOOKUPS, pool_size)
    needed = math.ceil(IN_FLIGHT_SHARE * expected)
    from conformance.support.executors import cpu_count

    ctx.measure("cpus", cpu_count())
    ctx.measure("pool_size", pool_size)
    ctx.measure("max_in_flight", names)
    ctx.measure("max_queries_in_flight", queries)
    ctx.measure("elapsed_ms", elapsed_s * 1000.0)
    ctx.measure("lookups_per_s", LOOKUPS / max(elapsed_s, 1e-9))
    ctx.expect(elapsed_s * 1000.0 >= DELAY_MS * 0.9,
               f"{LOOKUPS} lookups answered after {DELAY_MS} ms each took only {elapsed_s * 1000:.0f} ms")
    wrong = []
    for n, (name, result) in enumerate(zip(_names(ctx), found, strict=True), start=1):
        want = {(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (f"198.51.100.{n}", 80))}
        if result is None or isinstance(result, BaseException) or set(result) != want:
            wrong.append(f"{name}: {result!r}"[:200])
    ctx.expect(not wrong, f"{len(wrong)} of {LOOKUPS} lookups went wrong, the first: "
                          f"{wrong[0] if wrong else None}")
    ctx.expect(names >= needed,
               f"the DNS server was answering at most {names} of the {LOOKUPS} lookups at once "
               f"({queries} queries), where {pool} runs {pool_size} at once: at least {needed} (three "
               f"quarters of {expected}) expected")


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
    since = time.monotonic()
    with ctx.measured():
        elapsed = _threads.start_and_join(threads, LOOKUPS_TIMEOUT_S)
    ctx.expect(not any(thread.is_alive() for thread in threads),
               f"lookups still running after {LOOKUPS_TIMEOUT_S:g} s")
    _check(ctx, found, elapsed, since, LOOKUPS, f"socket.getaddrinfo in each of {LOOKUPS} threads")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    names = _names(ctx)
    loop = asyncio.get_running_loop()
    since = time.monotonic()
    with ctx.measured():
        started = time.perf_counter()
        found = await asyncio.wait_for(asyncio.gather(
            *(loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM)
              for name in names), return_exceptions=True), LOOKUPS_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    from conformance.support.executors import cpu_count, default_executor_size

    # concurrent.futures.ThreadPoolExecutor's documented default size, which the loop's default
    # executor has (asyncio's loop.getaddrinfo runs in it)
    pool_size = default_executor_size()
    _check(ctx, list(found), elapsed, since, pool_size,
           f"the loop's default executor (min(32, {cpu_count()} CPUs + 4))")


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

    since = time.monotonic()
    with ctx.measured():
        started = time.perf_counter()
        with trio.fail_after(LOOKUPS_TIMEOUT_S):
            async with trio.open_nursery() as nursery:
                for index in range(LOOKUPS):
                    nursery.start_soon(lookup, index)
        elapsed = time.perf_counter() - started
    pool_size = int(trio.to_thread.current_default_thread_limiter().total_tokens)
    _check(ctx, found, elapsed, since, pool_size, "trio.to_thread's default thread limiter")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor

    await _canary.check_twisted(ctx)
    names = _names(ctx)
    since = time.monotonic()
    with ctx.measured():
        started = time.perf_counter()
        outcomes = await defer.DeferredList(
            [defer.Deferred.fromCoroutine(_twisted.getaddrinfo(name, 80, LOOKUPS_TIMEOUT_S, socket.AF_INET))
             for name in names], consumeErrors=True)
        elapsed = time.perf_counter() - started
    pool_size = int(reactor.getThreadPool().max)
    _check(ctx, [result if ok else result.value for ok, result in outcomes], elapsed, since, pool_size,
           "the reactor's thread pool (reactor.getThreadPool().max)")
