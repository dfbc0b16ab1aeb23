"""redis-py (hiredis parser): 20 slow blocking pops at once, counted on the server.

Reference semantics: redis-py's blocking client (``redis.Redis``) with the hiredis parser called from 20
plain threads, each popping for 150 ms on its own connection: each thread waits in ``socket.recv`` with the
GIL released, so the server holds all 20 blocked at once (``CLIENT LIST``, by the cell's client name). The
contract, the same for every style: every pop answers, and the server runs at least three quarters of what
the style's path documents at once (a connection per operation natively, the style's thread pool when
offloaded).

Library: redis-py's ``redis.Redis`` on one connection, with the hiredis parser (C, which only parses: the
socket is read in Python), retries off. How each style runs it, what is counted and the bounds:
``_library.py``; the operation: ``_redis.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_redis = sibling_module(__file__, "_redis")
SERVERS = ("redis",)
CONFIGURATIONS = False
# How many run at once is the question here; whether one operation stalls the scheduler is the slow
# scenario's. The 20 operations' own CPU work (a pure-Python library's) grows with the host's slowness.
STALL_LIMIT_MS = 1000.0
LIBRARY = _redis.REDISPY_HIREDIS


def run_sync(ctx: Context) -> None:
    _library.concurrent_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.concurrent_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.concurrent_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.concurrent_twisted(ctx, LIBRARY)
