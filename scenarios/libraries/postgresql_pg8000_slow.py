"""pg8000: one slow query while the scheduler keeps running.

Reference semantics: Pg8000 called from a plain thread runs a 300 ms query (``pg_sleep``) and returns
its answer; it waits in socket.recv, which releases the GIL, so every other thread keeps running. The
contract, the same for every style: the query answers after ~300 ms, and the heartbeat never stalls over
the limit.

Library: pg8000 (pure Python, DB-API). How each style runs it, what is counted and the bounds:
``_library.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_postgresql = sibling_module(__file__, "_postgresql")
SERVERS = ("postgresql",)
CONFIGURATIONS = False
LIBRARY = _postgresql.PG8000


def run_sync(ctx: Context) -> None:
    _library.slow_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.slow_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.slow_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.slow_twisted(ctx, LIBRARY)
