"""treq: connection refused, and a connection the server resets mid-request.

Reference semantics: A blocking client (requests, the reference for a library with no blocking API) called
from a plain thread: a connect (the session's first request) to a port where nothing listens raises
``requests.exceptions.ConnectionError`` at once, and a request whose connection the server resets (``POST
/kill`` to the peer, 300 ms in; the server then stays gone for the cell's requests) raises ``ConnectionError``
('Connection aborted.', ``ConnectionResetError``) within milliseconds. The contract, the same for every style:
both raise an error of the library's, each within 2 s.

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
    _library.failures_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.failures_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.failures_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.failures_twisted(ctx, LIBRARY)
