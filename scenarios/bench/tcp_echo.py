"""TCP echo: requests/s, MiB/s and latency, 1 KiB and 64 KiB messages, 1, 10 and 100 clients.

Each runtime runs an echo server the way its users write one (a thread per connection for the sync
style, asyncio streams, ``trio.serve_tcp``, a Twisted ``Protocol``), and the load generator, a separate
process that is the same for every runtime, keeps N connections busy: each sends a message and waits for
it to come back, again and again, for a fixed window after a warm-up. Figures per load:
``req_per_s``, ``mib_per_s`` (message bytes echoed per second), ``p50_us`` and ``p99_us`` (round trip).
This is the workload of uvloop's own benchmark (vmbench), measured with one fixed client.
"""

from __future__ import annotations

from typing import Any

from conformance import Context, sibling_module

TIMEOUT_S = 120.0
_servers = sibling_module(__file__, "_servers")


def loads(bench: Any) -> list[dict[str, Any]]:
    """The loads, by name: ``1kib_c10`` is 1 KiB messages on 10 connections."""
    result: list[dict[str, Any]] = _servers.echo_loads(bench)
    return result


def run_sync(ctx: Context) -> None:
    _servers.serve_loads_sync(ctx, loads(ctx.bench))


async def run_asyncio(ctx: Context) -> None:
    await _servers.serve_loads_asyncio(ctx, loads(ctx.bench))


async def run_trio(ctx: Context) -> None:
    await _servers.serve_loads_trio(ctx, loads(ctx.bench))


async def run_twisted(ctx: Context) -> None:
    await _servers.serve_loads_twisted(ctx, loads(ctx.bench))
