"""aiomysql: a slow query timed out, and what the server and the connection do after.

Reference semantics: on an asyncio loop, asyncio's timeout (0.3 s) cancels the statement's task at 0.3 s;
aiomysql then closes the connection's socket (it sends no ``KILL QUERY``), so the server runs the statement to
its end, and the connection refuses further use (``InterfaceError``: 'Cancelled during execution').

The contract, the same for every library and style: a 1.5 s statement timed out after 0.3 s the style's way
(under the sync style, the server's ``max_statement_time``, which the adapter sets) raises within 1 s, the
server stops it within 0.7 s, and the connection answers the next query or refuses it with an error
(``_library.py``).
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_mariadb = sibling_module(__file__, "_mariadb")
SERVERS = ("mariadb",)
CONFIGURATIONS = False
LIBRARY = _mariadb.AIOMYSQL


def run_sync(ctx: Context) -> None:
    _library.timeout_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.timeout_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.timeout_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.timeout_twisted(ctx, LIBRARY)
