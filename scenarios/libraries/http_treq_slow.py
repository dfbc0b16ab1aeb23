"""treq: one slow request while the scheduler keeps running.

Reference semantics: A blocking client (requests, the reference for a library with no blocking API) called
from a plain thread sends ``GET /slow`` (the ``http`` peer answers after 300 ms) and waits for the answer in
``socket.recv`` with the GIL released, so every other thread keeps running. The contract, the same for every
style: the request answers after ~300 ms, and the heartbeat never stalls over the limit.

Library: treq (Twisted's own, on ``twisted.web.client.Agent``), a persistent ``HTTPConnectionPool`` of its own
per operation, its connection opened by a first ``GET /simple``; the operations are coroutines awaiting treq's
Deferreds on the running reactor (Twisted only). Agent retries an idempotent request once when its reused
connection dies before an answer; the gone server resets the retry too. How each style runs it, what is
counted and the bounds: ``_library.py``; the requests and the ``http`` peer: ``_http.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_http = sibling_module(__file__, "_http")
PEERS = ("http",)
CONFIGURATIONS = False
LIBRARY = _http.TREQ


def run_sync(ctx: Context) -> None:
    _library.slow_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.slow_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.slow_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.slow_twisted(ctx, LIBRARY)
