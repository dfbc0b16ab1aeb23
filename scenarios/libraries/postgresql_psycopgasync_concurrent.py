"""psycopg (async): 20 slow queries at once, counted on the server.

Reference semantics: Psycopg 3's blocking API (the same library) called from a plain thread, 20 threads
each running a 150 ms query on its own connection: libpq waits for the server in C with the GIL
released, so the server runs all 20 at once (``pg_stat_activity``, by the cell's ``application_name``).
The contract, the same for every style: every query answers, and the server runs at least three quarters
of what the style's path documents at once (a connection per operation natively, the style's thread pool
when offloaded).

Library: psycopg 3 (its asyncio API, psycopg.AsyncConnection). How each style runs it, what is counted
and the bounds: ``_library.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_postgresql = sibling_module(__file__, "_postgresql")
SERVERS = ("postgresql",)
CONFIGURATIONS = False
# How many run at once is the question here; whether one operation stalls the scheduler is the slow
# scenario's. The 20 operations' own CPU work (a pure-Python library's) grows with the host's slowness.
STALL_LIMIT_MS = 1000.0
LIBRARY = _postgresql.PSYCOPG_ASYNC


def run_sync(ctx: Context) -> None:
    _library.concurrent_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.concurrent_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.concurrent_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.concurrent_twisted(ctx, LIBRARY)
