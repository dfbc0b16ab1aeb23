"""A resolver failure (SERVFAIL) raises socket.gaierror EAI_AGAIN, promptly.

Reference semantics: blocking ``socket.getaddrinfo("servfail.<zone>", 80)`` (``<zone>``: the stub's,
``conformance.test`` on Linux) asks the stub DNS server, which answers SERVFAIL ("the server could not
tell"), and raises ``socket.gaierror`` with errno ``EAI_AGAIN`` ("Temporary failure in name resolution")
as soon as the answer arrives: the resolver (glibc) does not turn a server failure into "no such name".
Code retries on ``EAI_AGAIN`` and gives up on ``EAI_NONAME``; a runtime that reports a failing resolver
as a missing name makes clients drop work that a retry would have done. ``servfail_ms`` is how long the
answer took, ``stub_queries`` how many queries the runtime sent.

The contract is ``_lookup_error``'s: every style fails the lookup with the exception its API documents
(``socket.gaierror``; Twisted: ``DNSLookupError`` from ``HostnameEndpoint.connect``) carrying
``EAI_AGAIN``, as its ``errno`` or that of the exception it was raised from.
"""

from __future__ import annotations

import socket

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
TIMEOUT_S = 20.0
_lookup = sibling_module(__file__, "_lookup_error")
LOOKUP_TIMEOUT_S = _lookup.LOOKUP_TIMEOUT_S
RELATIVE = "servfail"  # servfail.<zone>


def run_sync(ctx: Context) -> None:
    _lookup.lookup_sync(ctx, RELATIVE, "servfail_ms", socket.EAI_AGAIN)


async def run_asyncio(ctx: Context) -> None:
    await _lookup.lookup_asyncio(ctx, RELATIVE, "servfail_ms", socket.EAI_AGAIN)


async def run_trio(ctx: Context) -> None:
    await _lookup.lookup_trio(ctx, RELATIVE, "servfail_ms", socket.EAI_AGAIN)


async def run_twisted(ctx: Context) -> None:
    await _lookup.lookup_twisted(ctx, RELATIVE, "servfail_ms", socket.EAI_AGAIN)
