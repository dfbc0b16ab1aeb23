"""mysqlclient: a refused connect, and a connection the server kills mid-query.

Reference semantics: a connect to a refused port raises ``OperationalError`` 2002 at once; a connection killed
on the server (``KILL CONNECTION``, 0.3 s into a statement) raises ``OperationalError`` 2013 (lost connection)
within ~10 ms.

The contract, the same for every library and style: a connect to a refused port and a connection killed on the
server mid-statement each raise an error within 2 s (``_library.py``).
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_mariadb = sibling_module(__file__, "_mariadb")
SERVERS = ("mariadb",)
CONFIGURATIONS = False
LIBRARY = _mariadb.MYSQLCLIENT


def run_sync(ctx: Context) -> None:
    _library.failures_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.failures_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.failures_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.failures_twisted(ctx, LIBRARY)
