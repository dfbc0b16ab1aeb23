"""redis-py (Python parser): connection refused, and a connection the server ends mid-pop.

Reference semantics: redis-py's blocking client (``redis.Redis``), its response parser forced to the
pure-Python one (``_RESP3Parser``) called from a plain thread: a connect to a port where nothing listens
raises ``redis.exceptions.ConnectionError`` at once, and a pop whose connection the server ends (``CLIENT
KILL`` from ``redis-cli``, 300 ms in) raises ``ConnectionError`` ("Connection closed by server.") within
milliseconds. The contract, the same for every style: both raise an error of the library's, each within 2 s.

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
    _library.failures_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.failures_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.failures_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.failures_twisted(ctx, LIBRARY)
