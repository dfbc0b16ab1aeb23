"""treq: 20 slow requests at once, counted on the server.

Reference semantics: A blocking client (requests, the reference for a library with no blocking API) called
from 20 plain threads, a session each, sending ``GET /slow`` (the ``http`` peer answers after 150 ms): each
thread waits for the answer in ``socket.recv`` with the GIL released, so the server handles all 20 at once (it
counts the cell's requests in progress). The contract, the same for every style: every request answers, and
the server handles at least three quarters of what the style's path documents at once (a connection per
operation natively, the style's thread pool when offloaded).

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
# How many run at once is the question here; whether one operation stalls the scheduler is the slow
# scenario's. The 20 operations' own CPU work (a pure-Python library's) grows with the host's slowness.
STALL_LIMIT_MS = 1000.0
LIBRARY = _http.TREQ


def run_sync(ctx: Context) -> None:
    _library.concurrent_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.concurrent_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.concurrent_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.concurrent_twisted(ctx, LIBRARY)
