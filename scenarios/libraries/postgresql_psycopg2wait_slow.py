"""psycopg2 + wait_select: one slow query while the scheduler keeps running.

Reference semantics: Psycopg2 with the wait callback called from a plain thread runs a 300 ms query
(``pg_sleep``) and returns its answer; each wait is a select() call, which releases the GIL, so every
other thread keeps running. The contract, the same for every style: the query answers after ~300 ms, and
the heartbeat never stalls over the limit.

Library: psycopg2 with a wait callback (psycopg2.extras.wait_select: libpq in non-blocking mode, every
wait in select(), psycogreen's recipe for green runtimes). How each style runs it, what is counted and
the bounds: ``_library.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_postgresql = sibling_module(__file__, "_postgresql")
SERVERS = ("postgresql",)
CONFIGURATIONS = False
LIBRARY = _postgresql.PSYCOPG2_WAIT


def run_sync(ctx: Context) -> None:
    _library.slow_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.slow_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.slow_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.slow_twisted(ctx, LIBRARY)
