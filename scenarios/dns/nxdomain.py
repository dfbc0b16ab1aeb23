"""A name that does not exist raises socket.gaierror EAI_NONAME.

Reference semantics: blocking ``socket.getaddrinfo("nxdomain.<zone>", 80)`` (``<zone>``: the stub's,
``conformance.test`` on Linux) asks the stub DNS server, which answers NXDOMAIN for both the A and the
AAAA query, and raises ``socket.gaierror`` with errno ``EAI_NONAME`` ("Name or service not known"),
promptly. Code tells "this host does not exist" (a typo in a URL: give up) from "the resolver failed"
(``EAI_AGAIN``: retry) by that errno; another type or another code sends it down the wrong branch.
``nxdomain_ms`` is how long the answer took, ``stub_queries`` how many queries the runtime sent for it.

The contract is ``_lookup_error``'s: every style fails the lookup with the exception its API documents
(``socket.gaierror``; Twisted: ``DNSLookupError`` from ``HostnameEndpoint.connect``) carrying
``EAI_NONAME``, as its ``errno`` or that of the exception it was raised from.
"""

from __future__ import annotations

import socket

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
TIMEOUT_S = 20.0
_lookup = sibling_module(__file__, "_lookup_error")
LOOKUP_TIMEOUT_S = _lookup.LOOKUP_TIMEOUT_S
RELATIVE = "nxdomain"  # nxdomain.<zone>


def run_sync(ctx: Context) -> None:
    _lookup.lookup_sync(ctx, RELATIVE, "nxdomain_ms", socket.EAI_NONAME)


async def run_asyncio(ctx: Context) -> None:
    await _lookup.lookup_asyncio(ctx, RELATIVE, "nxdomain_ms", socket.EAI_NONAME)


async def run_trio(ctx: Context) -> None:
    await _lookup.lookup_trio(ctx, RELATIVE, "nxdomain_ms", socket.EAI_NONAME)


async def run_twisted(ctx: Context) -> None:
    await _lookup.lookup_twisted(ctx, RELATIVE, "nxdomain_ms", socket.EAI_NONAME)
