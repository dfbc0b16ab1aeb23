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
_servers = sibling_module(__file__, "_servers")


def loads(bench: Any) -> list[dict[str, Any]]:
    return [{"name": "c10", "mode": "accept", "size": 1024, "clients": 10}]


def run_sync(ctx: Context) -> None:
    _servers.serve_loads_sync(ctx, loads(ctx.bench))


async def run_asyncio(ctx: Context) -> None:
    await _servers.serve_loads_asyncio(ctx, loads(ctx.bench))


async def run_trio(ctx: Context) -> None:
    await _servers.serve_loads_trio(ctx, loads(ctx.bench))


async def run_twisted(ctx: Context) -> None:
    await _servers.serve_loads_twisted(ctx, loads(ctx.bench))
