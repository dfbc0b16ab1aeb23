"""Connection accept rate: connections/s, each a connect, one 1 KiB exchange and a close.

The same echo servers as bench.tcp_echo (a thread per connection, asyncio streams, ``trio.serve_tcp``, a
Twisted ``Protocol``); the load generator runs 10 concurrent loops of connect, send 1 KiB, read it back,
close, for a fixed window after a warm-up. A server that handles each connection in a new thread or task
pays for creating it here: ``c10_conn_per_s``.
"""

from __future__ import annotations

from typing import Any

from conformance import Context, sibling_module

TIMEOUT_S = 60.0
_load = sibling_module(__file__, "_load")
_servers = sibling_module(__file__, "_servers")


def loads(bench: Any) -> list[dict[str, Any]]:
    return [{"name": "c10", "mode": "accept", "size": 1024, "clients": 10}]


def run_sync(ctx: Context) -> None:
    port, stop = _servers.serve_sync(_servers.Connections())
    try:
        _load.run_sync(ctx, port, loads(ctx.bench))
    finally:
        stop()


async def run_asyncio(ctx: Context) -> None:
    server = await _servers.serve_asyncio(_servers.Connections())
    async with server:
        await _load.run_asyncio(ctx, server.sockets[0].getsockname()[1], loads(ctx.bench))


async def run_trio(ctx: Context) -> None:
    import trio

    async with trio.open_nursery() as nursery:
        port = await _servers.serve_trio(_servers.Connections(), nursery)
        await _load.run_trio(ctx, port, loads(ctx.bench))
        nursery.cancel_scope.cancel()


async def run_twisted(ctx: Context) -> None:
    listening = await _servers.serve_twisted(_servers.Connections())
    try:
        await _load.run_twisted(ctx, listening.getHost().port, loads(ctx.bench))
    finally:
        await listening.stopListening()
