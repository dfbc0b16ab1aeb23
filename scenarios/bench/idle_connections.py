"""10,000 idle connections held open: memory per connection and time to open them all.

The load generator (a separate process) opens 10,000 connections to each runtime's echo server (a thread
per connection for the sync style, an asyncio streams handler, a trio handler, a Twisted ``Protocol``)
and holds them open. Figures: ``rss_per_conn_kib``, the server process's resident memory growth divided
by the connections (each waiting in its handler: a thread's stack, a greenlet, a task, a protocol
object), and ``open_ms``, from the first handler's start to the last's (the load generator opens them
500 at a time, each echoing one byte before the next batch, so no listen queue overflows and every
handler has run once). Each repeat is a fresh process, so the memory is never reused from an earlier
round. Linux reads the memory from /proc; where that is missing only ``open_ms`` is reported.

Once measured, the body returns with the connections still open: the engine ends the cell's process
group, load generator included. Closing them from the client instead wakes every handler at once, and
10,000 threads waking together queue for the GIL for longer than the cell's deadline (seen in the
``threads`` runtime): that is a finding about tearing down, not about holding connections.
"""

from __future__ import annotations

from typing import Any

from conformance import Context, sibling_module

TIMEOUT_S = 120.0
OPEN_TIMEOUT_S = 60.0
_load = sibling_module(__file__, "_load")
_servers = sibling_module(__file__, "_servers")


def _count(ctx: Context) -> int:
    wanted: int = ctx.bench.scale(10_000, 500)
    # The server holds a descriptor per connection (plus its own); the load generator raises its own.
    available: int = _load.raise_file_limit(wanted + 200) - 200
    if available < wanted // 10:
        raise ctx.skip(f"the open-file limit allows only {available} connections of {wanted}")
    return min(wanted, available)


def _record(ctx: Context, connections: Any, before_kib: float | None, after_kib: float | None) -> None:
    ctx.measure("open_ms", (connections.target_at - connections.first_at) * 1000)
    if before_kib is not None and after_kib is not None:
        ctx.measure("rss_per_conn_kib", (after_kib - before_kib) / connections.target)


def run_sync(ctx: Context) -> None:
    connections = _servers.Connections(_count(ctx))
    port, stop = _servers.serve_sync(connections)
    before = _load.rss_kib()
    _load.idle_clients(ctx, port, connections.target)  # held open until the cell ends (see above)
    try:
        _load.wait_for(lambda: connections.active >= connections.target, OPEN_TIMEOUT_S,
                       f"{connections.target} connections open")
        after = _load.rss_kib()
    finally:
        stop()
    _record(ctx, connections, before, after)


async def _wait_asyncio(condition: Any, what: str) -> None:
    import asyncio

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(_load.POLL_S)

    try:
        await asyncio.wait_for(poll(), OPEN_TIMEOUT_S)
    except asyncio.TimeoutError:
        raise AssertionError(f"{what} did not happen within {OPEN_TIMEOUT_S:g} s") from None


async def run_asyncio(ctx: Context) -> None:
    connections = _servers.Connections(_count(ctx))
    server = await _servers.serve_asyncio(connections)
    before = _load.rss_kib()
    _load.idle_clients(ctx, server.sockets[0].getsockname()[1], connections.target)
    try:
        await _wait_asyncio(lambda: connections.active >= connections.target,
                            f"{connections.target} connections open")
        after = _load.rss_kib()
    finally:
        server.close()
    _record(ctx, connections, before, after)


async def run_trio(ctx: Context) -> None:
    import trio

    connections = _servers.Connections(_count(ctx))
    async with trio.open_nursery() as nursery:
        port = await _servers.serve_trio(connections, nursery)
        before = _load.rss_kib()
        _load.idle_clients(ctx, port, connections.target)
        try:
            with trio.fail_after(OPEN_TIMEOUT_S):
                while connections.active < connections.target:
                    await trio.sleep(_load.POLL_S)
            after = _load.rss_kib()
        finally:
            nursery.cancel_scope.cancel()
    _record(ctx, connections, before, after)


async def run_twisted(ctx: Context) -> None:
    import time

    from twisted.internet import reactor, task

    connections = _servers.Connections(_count(ctx))
    listening = await _servers.serve_twisted(connections)
    before = _load.rss_kib()
    _load.idle_clients(ctx, listening.getHost().port, connections.target)
    try:
        deadline = time.monotonic() + OPEN_TIMEOUT_S
        while connections.active < connections.target:
            ctx.expect(time.monotonic() < deadline, f"{connections.target} connections were not open "
                                                    f"within {OPEN_TIMEOUT_S:g} s")
            await task.deferLater(reactor, _load.POLL_S)
        after = _load.rss_kib()
    finally:
        await listening.stopListening()
    _record(ctx, connections, before, after)
