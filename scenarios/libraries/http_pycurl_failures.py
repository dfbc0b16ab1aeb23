"""pycurl: connection refused, and a connection the server resets mid-request.

Reference semantics: pycurl called from a plain thread: a connect (the handle's first request) to a port where
nothing listens raises ``pycurl.error`` 7 at once, and a request whose connection the server resets (``POST
/kill`` to the peer, 300 ms in; the server then stays gone for the cell's requests) raises ``pycurl.error`` 56
('Recv failure: Connection reset by peer') within milliseconds: libcurl first retries the request once on a
fresh connection ('Connection died, retrying a fresh connect'), which the gone server resets too. The
contract, the same for every style: both raise an error of the library's, each within 2 s.

Library: pycurl (libcurl, in C), a ``pycurl.Curl`` easy handle per operation, its keep-alive connection opened
by a first ``GET /simple``; ``NOSIGNAL`` (libcurl's advice for a program with threads), no proxy. How each
style runs it, what is counted and the bounds: ``_library.py``; the requests and the ``http`` peer:
``_http.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_library = sibling_module(__file__, "_library")
_http = sibling_module(__file__, "_http")
PEERS = ("http",)
CONFIGURATIONS = False
LIBRARY = _http.PYCURL


def run_sync(ctx: Context) -> None:
    _library.failures_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _library.failures_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _library.failures_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _library.failures_twisted(ctx, LIBRARY)
