"""asyncpg: a slow query timed out: a prompt error, the server stops, a sane connection.

Reference semantics: A blocking driver (psycopg2, the reference for a driver with no blocking API)
called from a plain thread, with the server's ``statement_timeout`` of 300 ms, gets ``QueryCanceled``
after ~300 ms; the server has stopped the query, and the connection answers the next query. The
contract, the same for every style (each times out its own way: the statement timeout under the sync
style, ``asyncio.timeout``, ``trio.fail_after``, ``Deferred.addTimeout``): the error arrives within 1.3
s, the server no longer runs the query 0.7 s later, and the connection answers the next query or refuses
further use with an error.

Library: asyncpg (its own protocol in Cython, asyncio only). How each style runs it, what is counted and
the bounds: ``_library.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_postgresql = sibling_module(__file__, "_postgresql")
SERVERS = ("postgresql",)
CONFIGURATIONS = False
LIBRARY = _postgresql.ASYNCPG


def run_sync(ctx: Context) -> None:
    _library.timeout_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.timeout_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.timeout_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.timeout_twisted(ctx, LIBRARY)
