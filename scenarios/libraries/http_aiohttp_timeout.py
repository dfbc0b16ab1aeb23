"""aiohttp: a slow request timed out: a prompt error, the server stops, a sane client.

Reference semantics: A blocking client (requests, the reference for a library with no blocking API) called
from a plain thread, with ``timeout=0.3`` on the request gets ``requests.exceptions.ReadTimeout`` after ~300
ms of a 1.5 s request; urllib3 discards the connection, closing it, which ends the request on the server at
once (closing is HTTP/1.1's only cancel); the next request opens a new connection and answers. The contract,
the same for every style (each times out its own way: the library's timeout under the sync style,
``asyncio.timeout``, ``trio.fail_after``, ``Deferred.addTimeout``): the error arrives within 1.3 s, the
server no longer handles the request 0.7 s later, and the client answers the next request or refuses further
use with an error.

Library: aiohttp's ``aiohttp.ClientSession`` (asyncio only), a session per operation, its keep-alive
connection opened by a first ``GET /simple``. aiohttp retries an idempotent request once when its reused
connection dies before an answer; the gone server resets the retry too. How each style runs it, what is
counted and the bounds: ``_library.py``; the requests and the ``http`` peer: ``_http.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_http = sibling_module(__file__, "_http")
PEERS = ("http",)
CONFIGURATIONS = False
LIBRARY = _http.AIOHTTP


def run_sync(ctx: Context) -> None:
    _library.timeout_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.timeout_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.timeout_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.timeout_twisted(ctx, LIBRARY)
