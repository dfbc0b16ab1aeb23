"""aiomysql: one slow query while the scheduler keeps running.

Reference semantics: aiomysql has no blocking API; on its own asyncio loop it waits for the server on the
loop's streams, so the loop keeps running, and the statement (``SLEEP`` on the server) answers after ~300 ms.

The contract, the same for every library and style: the statement answers after ~300 ms and the heartbeat
never stalls over the limit (``_library.py``: how each style runs the library).
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_mariadb = sibling_module(__file__, "_mariadb")
SERVERS = ("mariadb",)
CONFIGURATIONS = False
LIBRARY = _mariadb.AIOMYSQL


def run_sync(ctx: Context) -> None:
    _library.slow_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.slow_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.slow_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.slow_twisted(ctx, LIBRARY)
