"""psycopg 3: one slow query while the scheduler keeps running.

Reference semantics: Psycopg 3's blocking connection called from a plain thread runs a 300 ms query
(``pg_sleep``) and returns its answer; libpq waits for the server in C with the GIL released, so every
other thread keeps running. The contract, the same for every style: the query answers after ~300 ms, and
the heartbeat never stalls over the limit.

Library: psycopg 3 (its blocking API; libpq through psycopg's C wrapper). How each style runs it, what
is counted and the bounds: ``_library.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_postgresql = sibling_module(__file__, "_postgresql")
SERVERS = ("postgresql",)
CONFIGURATIONS = False
LIBRARY = _postgresql.PSYCOPG


def run_sync(ctx: Context) -> None:
    _library.slow_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.slow_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.slow_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.slow_twisted(ctx, LIBRARY)
