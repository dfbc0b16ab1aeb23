"""mysqlclient: one slow query while the scheduler keeps running.

Reference semantics: mysqlclient called from a plain thread waits for the server inside libmariadb (C), with
the GIL released (``mysql_real_query`` between ``Py_BEGIN_ALLOW_THREADS`` and ``Py_END_ALLOW_THREADS``), so
every other thread keeps running; it answers after ~300 ms. No monkey-patching reaches that wait.

The contract, the same for every library and style: the statement answers after ~300 ms and the heartbeat
never stalls over the limit (``_library.py``: how each style runs the library).
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_mariadb = sibling_module(__file__, "_mariadb")
SERVERS = ("mariadb",)
CONFIGURATIONS = False
LIBRARY = _mariadb.MYSQLCLIENT


def run_sync(ctx: Context) -> None:
    _library.slow_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.slow_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.slow_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.slow_twisted(ctx, LIBRARY)
