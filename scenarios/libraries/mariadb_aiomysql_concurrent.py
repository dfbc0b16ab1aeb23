"""aiomysql: 20 slow queries at once, each on its own connection.

Reference semantics: on an asyncio loop, 20 tasks, each with its own connection, have all 20 statements
running on the server at once (~340 ms in all).

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
LIBRARY = _mariadb.AIOMYSQL


def run_sync(ctx: Context) -> None:
    _library.concurrent_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.concurrent_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.concurrent_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.concurrent_twisted(ctx, LIBRARY)
