"""redis-py (Python parser): a blocking pop timed out: a prompt error, the server stops, a sane connection.

Reference semantics: redis-py's blocking client (``redis.Redis``), its response parser forced to the
pure-Python one (``_RESP3Parser``) called from a plain thread, with ``socket_timeout`` 0.3 s on the
connection (Redis has no server-side timeout for a command other than the command's own), gets
``redis.exceptions.TimeoutError`` after ~300 ms of a 2 s pop and closes the connection, which ends the pop
on the server at once; the next command reconnects and answers. The contract, the same for every style (each
times out its own way: ``socket_timeout`` under the sync style, ``asyncio.timeout``, ``trio.fail_after``,
``Deferred.addTimeout``): the error arrives within 1.3 s, the server no longer holds the pop 0.7 s later, and
the connection answers the next command or refuses further use with an error.

Library: redis-py's ``redis.Redis`` on one connection, with the pure-Python parser (redis-py uses hiredis
wherever it is installed: forced off here, ``parser_class``), retries off. How each style runs it, what is
counted and the bounds: ``_library.py``; the operation: ``_redis.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_redis = sibling_module(__file__, "_redis")
SERVERS = ("redis",)
CONFIGURATIONS = False
LIBRARY = _redis.REDISPY


def run_sync(ctx: Context) -> None:
    _library.timeout_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.timeout_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.timeout_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.timeout_twisted(ctx, LIBRARY)
