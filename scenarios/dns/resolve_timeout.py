"""A lookup given 300 ms gives up on a DNS server that answers after 2 s, and leaves nothing behind for long.

Reference semantics: the standard library's resolver has no timeout of its own and no cancellation:
``socket.gethostbyname("slow-2000ms.<zone>")`` (``<zone>``: the stub's, ``conformance.test`` on Linux)
waits in the C library until the server answers or the resolver's configured timeout runs out (one
second here: ``options timeout:1 attempts:1``, so the 2 s answer never comes and the lookup fails with
``EAI_AGAIN`` after about 1 s). What a blocking program can do, and does, is run the lookup in a thread
and join it with a timeout: measured on this machine, ``join(0.3)`` returns after 300 ms with the thread
still blocked in the C library (one more OS thread and its UDP socket), and that thread ends by itself
when the resolver gives up, about 700 ms later. The other styles spell the bound their own way:
``asyncio.wait_for(loop.getaddrinfo(...), 0.3)`` raising ``asyncio.TimeoutError``,
``trio.move_on_after(0.3)`` around ``trio.socket.getaddrinfo`` (the scope catches the cancellation),
``reactor.resolve(name).addTimeout(0.3, reactor)`` failing with ``twisted.internet.defer.TimeoutError``.
Every client with a connect deadline relies on this: a slow DNS server must not hold a request longer
than the request's own timeout, and a process that times out many lookups must not pile up threads or
sockets.

The contract, the same for every style: (1) the bounded lookup ends through the style's timeout, after
at least 300 ms and within 900 ms (before the resolver's own one-second timeout could end it); (2)
whatever the abandoned lookup still holds (a worker thread blocked in ``getaddrinfo``, which an
executor-based resolver cannot interrupt, and its socket) is released by itself, and the leak check
finds no descriptor, OS thread or child process left 2 s later. What is still held at the timeout is a
measurement, not a failure: ``left_threads_at_timeout``, ``left_fds_at_timeout``, and
``left_for_ms`` (how long after the lookup started it was all released). ``timeout_ms`` is how long
the bounded lookup took. The canary lookup comes first, through the same API, so that a runtime's
resolver pool (a thread started once, then kept idle) exists before the count starts.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 15.0
DELAY_MS = 2000
GIVEN_S = 0.3
FLOOR_MS = GIVEN_S * 1000.0 - 10.0  # timers may round to the millisecond
CEILING_MS = 900.0
# How long the abandoned lookup may take to release what it holds before the measurement stops
# looking (the leak check then gives it its own 2 s).
RELEASE_S = 3.0
POLL_S = 0.02


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, f"slow-{DELAY_MS}ms")
    return name


def _check_bound(ctx: Context, elapsed_s: float, before: Any) -> None:
    """Judge the time the bounded lookup took, and record what is still held at its end."""
    held = ctx.resources().leaked_since(before)
    ctx.measure("left_threads_at_timeout", held.get("threads", 0))
    ctx.measure("left_fds_at_timeout", held.get("fds", 0))
    elapsed_ms = elapsed_s * 1000.0
    ctx.measure("timeout_ms", elapsed_ms)
    ctx.expect(FLOOR_MS <= elapsed_ms < CEILING_MS,
               f"the lookup bounded to {GIVEN_S * 1000:.0f} ms ended after {elapsed_ms:.1f} ms (the "
               f"server answers after {DELAY_MS} ms, the resolver gives up after 1 s)")


def _released(ctx: Context, before: Any) -> bool:
    return not any(ctx.resources().leaked_since(before).values())


def _measure_release(ctx: Context, started: float) -> None:
    ctx.measure("left_for_ms", (time.perf_counter() - started) * 1000.0)


def _wait_release_sync(ctx: Context, before: Any, started: float) -> None:
    deadline = time.monotonic() + RELEASE_S
    while not _released(ctx, before) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    _measure_release(ctx, started)


async def _wait_release(ctx: Context, before: Any, started: float,
                        sleep: Callable[[float], Awaitable[object]]) -> None:
    deadline = time.monotonic() + RELEASE_S
    while not _released(ctx, before) and time.monotonic() < deadline:
        await sleep(POLL_S)
    _measure_release(ctx, started)


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    name = _name(ctx)
    ended: dict[str, object] = {}

    def lookup() -> None:
        try:
            ended["address"] = socket.gethostbyname(name)
        except OSError as exc:
            ended["error"] = exc

    before = ctx.resources()
    thread = threading.Thread(target=lookup, daemon=True)
    started = time.perf_counter()
    thread.start()
    thread.join(GIVEN_S)
    still_running = thread.is_alive()
    _check_bound(ctx, time.perf_counter() - started, before)
    ctx.expect(still_running, f"the lookup ended within {GIVEN_S:g} s ({ended}), though the server "
                              f"answers after {DELAY_MS} ms: the bound was never what ended it")
    _wait_release_sync(ctx, before, started)
    ctx.check_leaks_sync(before, "the abandoned lookup")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    name = _name(ctx)
    loop = asyncio.get_running_loop()
    before = ctx.resources()
    started = time.perf_counter()
    with ctx.expect_raises(asyncio.TimeoutError):
        await asyncio.wait_for(
            loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM), GIVEN_S)
    _check_bound(ctx, time.perf_counter() - started, before)
    await _wait_release(ctx, before, started, asyncio.sleep)
    await ctx.check_leaks(before, "the abandoned lookup", asyncio.sleep)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    name = _name(ctx)
    before = ctx.resources()
    started = time.perf_counter()
    found: list[Any] = []
    with trio.move_on_after(GIVEN_S) as bound:
        found = await trio.socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
    _check_bound(ctx, time.perf_counter() - started, before)
    ctx.expect(bound.cancelled_caught, f"the lookup returned {found} instead of being cancelled")
    await _wait_release(ctx, before, started, trio.sleep)
    await ctx.check_leaks(before, "the abandoned lookup", trio.sleep)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor, task

    await _canary.check_twisted(ctx)
    name = _name(ctx)

    def sleep(seconds: float) -> Any:
        return task.deferLater(reactor, seconds)

    before = ctx.resources()
    started = time.perf_counter()
    # reactor.resolve is Twisted's gethostbyname (IReactorCore.resolve): a zope.interface method,
    # declared without self, which mypy reads right only through mypy-zope.
    with ctx.expect_raises(defer.TimeoutError):
        await reactor.resolve(name).addTimeout(GIVEN_S, reactor)  # type: ignore[arg-type]
    _check_bound(ctx, time.perf_counter() - started, before)
    await _wait_release(ctx, before, started, sleep)
    await ctx.check_leaks(before, "the abandoned lookup", sleep)
