"""An internationalised name with ß is encoded as the standard library does: faß -> fass (IDNA 2003).

Reference semantics: blocking ``socket.getaddrinfo("faß.<zone>", 80)`` (``<zone>``: the stub's,
``conformance.test`` on Linux) encodes the host with the ``idna`` codec, which implements IDNA 2003
(RFC 3490): its nameprep step maps ß to "ss", so the DNS server is asked for ``fass.<zone>`` (the stub
answers 192.0.2.3). IDNA 2008 (RFC 5891) keeps ß, giving ``xn--fa-hia.<zone>`` (the stub answers
192.0.2.4): a different name, which a
registry may give to a different owner. The same string must reach the same host whichever runtime
resolves it; a runtime that uses the other standard connects somewhere else.
"""

from __future__ import annotations

import socket
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 8.0
IDNA_2003 = "192.0.2.3"  # fass.<zone>
IDNA_2008 = "192.0.2.4"  # xn--fa-hia.<zone>


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, "faß")
    return name


def _check(ctx: Context, found: list[Any]) -> None:
    addresses = {entry[4][0] for entry in found}
    name = _name(ctx)
    ctx.expect(addresses != {IDNA_2008}, f"{name!r} was encoded with IDNA 2008 (xn--fa-hia, "
                                         f"{IDNA_2008}); the standard library encodes it with IDNA "
                                         f"2003 (fass, {IDNA_2003})")
    ctx.expect_equal(addresses, {IDNA_2003}, f"the addresses of {name!r}")


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    _check(ctx, socket.getaddrinfo(_name(ctx), 80, socket.AF_INET, socket.SOCK_STREAM))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    _check(ctx, await asyncio.wait_for(
        loop.getaddrinfo(_name(ctx), 80, family=socket.AF_INET, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S))


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    with trio.fail_after(LOOKUP_TIMEOUT_S):
        _check(ctx, await trio.socket.getaddrinfo(_name(ctx), 80, socket.AF_INET, socket.SOCK_STREAM))


async def run_twisted(ctx: Context) -> None:
    await _canary.check_twisted(ctx)
    _check(ctx, await _twisted.getaddrinfo(_name(ctx), 80, LOOKUP_TIMEOUT_S, socket.AF_INET))
