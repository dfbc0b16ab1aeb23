"""PyMySQL: 20 slow queries at once, each on its own connection.

Reference semantics: 20 plain threads, each with its own connection, have all 20 statements running on the
server at once (~330 ms in all). The adapter connects with ``ssl_disabled=True`` (``_mariadb.PyMySQL``
says why: PyMySQL 1.2's default builds a TLS context on every connect, tens of ms of CPU each).

The contract, the same for every library and style: 20 statements at once, each on its own connection, and the
server runs at least three quarters of what the path's pool allows at once (``_library.py``).
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_mariadb = sibling_module(__file__, "_mariadb")
SERVERS = ("mariadb",)
CONFIGURATIONS = False
# How many run at once is the question here; whether one operation stalls the scheduler is the slow
# scenario's. The 20 operations' own CPU work (a pure-Python library's) grows with the host's slowness.
STALL_LIMIT_MS = 1000.0
LIBRARY = _mariadb.PYMYSQL


def run_sync(ctx: Context) -> None:
    _library.concurrent_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.concurrent_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.concurrent_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.concurrent_twisted(ctx, LIBRARY)
