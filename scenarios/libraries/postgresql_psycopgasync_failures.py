"""psycopg (async): connection refused, and a connection the server ends mid-query.

Reference semantics: Psycopg 3's blocking API (the same library) called from a plain thread: a connect
to a port where nothing listens raises at once, and a query whose connection the server ends
(``pg_terminate_backend`` from the server's own client, 300 ms in) raises within milliseconds. The
contract, the same for every style: both raise an error of the library's, each within 2 s.

Library: psycopg 3 (its asyncio API, psycopg.AsyncConnection). How each style runs it, what is counted
and the bounds: ``_library.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_postgresql = sibling_module(__file__, "_postgresql")
SERVERS = ("postgresql",)
CONFIGURATIONS = False
LIBRARY = _postgresql.PSYCOPG_ASYNC


def run_sync(ctx: Context) -> None:
    _library.failures_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.failures_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.failures_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.failures_twisted(ctx, LIBRARY)
