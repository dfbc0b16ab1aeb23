"""TCP echo at a fixed rate below saturation: round-trip latency that means something.

bench.tcp_echo keeps every connection busy (a closed loop: the next message waits for the last reply),
so its latency is whatever the saturated server's queue makes it, and a server that stalls delays the
very messages that would have measured the stall. Here the load generator sends 1 KiB messages at a
fixed 10,000 per second in all, each connection on its own schedule whether or not the earlier replies
came back (an open loop), and measures each message's round trip from the instant it was due, not
from when it could be sent (no coordinated omission). 10,000/s is below what every runtime's echo
server serves on a 2-CPU machine (bench.tcp_echo), so the figures are the latency of a server with
room to spare: ``achieved_per_s`` (the rate it kept), ``p50_us``, ``p90_us``, ``p99_us``.

The same echo servers as bench.tcp_echo (a thread per connection, asyncio streams, ``trio.serve_tcp``,
a Twisted ``Protocol``).
"""

from __future__ import annotations

from typing import Any

from conformance import Context, sibling_module

TIMEOUT_S = 60.0
RATE_PER_S = 10_000
_servers = sibling_module(__file__, "_servers")


def loads(bench: Any) -> list[dict[str, Any]]:
    clients = bench.scale((10, 100), (10,))
    return [{"name": f"1kib_c{n}_r10k", "mode": "rate", "size": 1024, "clients": n, "rate": RATE_PER_S}
            for n in clients]


def run_sync(ctx: Context) -> None:
    _servers.serve_loads_sync(ctx, loads(ctx.bench))


async def run_asyncio(ctx: Context) -> None:
    await _servers.serve_loads_asyncio(ctx, loads(ctx.bench))


async def run_trio(ctx: Context) -> None:
    await _servers.serve_loads_trio(ctx, loads(ctx.bench))


async def run_twisted(ctx: Context) -> None:
    await _servers.serve_loads_twisted(ctx, loads(ctx.bench))
