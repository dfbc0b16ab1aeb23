"""redis-py asyncio: one slow blocking pop while the scheduler keeps running.

Reference semantics: redis-py's blocking client (``redis.Redis``, the reference for its asyncio client)
called from a plain thread sends ``BLPOP`` with a 300 ms timeout on a key nobody pushes to and waits for the
server in ``socket.recv``, with the GIL released, so every other thread keeps running; the server ends the
pop at its first tick after 300 ms (300-400 ms). The contract, the same for every style: the pop answers
after ~300 ms, and the heartbeat never stalls over the limit.

Library: redis-py's asyncio client ``redis.asyncio.Redis`` on one connection (asyncio streams; the hiredis
parser where installed), retries off. How each style runs it, what is counted and the bounds:
``_library.py``; the operation: ``_redis.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_redis = sibling_module(__file__, "_redis")
SERVERS = ("redis",)
CONFIGURATIONS = False
LIBRARY = _redis.REDIS_ASYNCIO


def run_sync(ctx: Context) -> None:
    _library.slow_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.slow_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.slow_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.slow_twisted(ctx, LIBRARY)
