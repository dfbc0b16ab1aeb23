"""A host name with a symbol label resolves as the standard library resolves it: ☃ -> xn--n3h.

Reference semantics: blocking ``socket.getaddrinfo("☃.<zone>", 80, AF_INET, SOCK_STREAM)`` (``<zone>``:
the stub's, ``conformance.test`` on Linux) encodes the ``str`` host with the standard library's ``idna``
codec (IDNA 2003, RFC 3490), which accepts a symbol such as U+2603 SNOWMAN and gives
``xn--n3h.<zone>`` (measured on CPython 3.10, 3.11, 3.12 and 3.13); the stub answers that name with
192.0.2.5, and nothing else does. IDNA 2008 (RFC 5892) and UTS 46 make symbols and emoji DISALLOWED:
the ``idna`` package (3.20) refuses ``idna.encode("☃", uts46=True)`` with ``InvalidCodepoint``. Such
names were registered under IDNA 2003 and still resolve (emoji domains under some country codes), users
paste them, and code that worked with the standard library must not stop reaching the host because a
runtime encodes names with the other standard.

The contract, the same for every style: the style's getaddrinfo gives, for ``☃.<zone>``, the one
address the standard library gives (192.0.2.5); a refusal (any exception) or another address is a
``fail`` that names what happened. Each style's API: ``socket.getaddrinfo`` (sync: gevent's or
eventlet's where they patch it), ``loop.getaddrinfo`` (asyncio), ``trio.socket.getaddrinfo`` (trio),
``reactor.nameResolver.resolveHostName`` (twisted).
"""

from __future__ import annotations

import socket
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 15.0
LOOKUP_TIMEOUT_S = 5.0
LABEL = "☃"  # U+2603 SNOWMAN: "xn--n3h" in IDNA 2003, DISALLOWED in IDNA 2008 / UTS 46
EXPECTED = {(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.5", 80))}


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, LABEL)
    return name


def _check(ctx: Context, api: str, found: Any, error: Exception | None) -> None:
    name = _name(ctx)
    ctx.expect(error is None,
               f"{api}({name!r}, 80) raised {type(error).__name__}: {str(error)[:200]}, where the standard "
               f"library encodes the name with IDNA 2003 ({name.encode('idna')!r}) and gets 192.0.2.5")
    ctx.expect_equal(set(found or ()), EXPECTED, f"{api}({name!r}, 80, AF_INET, SOCK_STREAM)")


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    found: Any = None
    error: Exception | None = None
    try:
        found = socket.getaddrinfo(_name(ctx), 80, socket.AF_INET, socket.SOCK_STREAM)
    except Exception as exc:
        error = exc
    _check(ctx, "socket.getaddrinfo", found, error)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    found: Any = None
    error: Exception | None = None
    try:
        found = await asyncio.wait_for(
            loop.getaddrinfo(_name(ctx), 80, family=socket.AF_INET, type=socket.SOCK_STREAM),
            LOOKUP_TIMEOUT_S)
    except Exception as exc:
        error = exc
    _check(ctx, "loop.getaddrinfo", found, error)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    found: Any = None
    error: Exception | None = None
    with trio.fail_after(LOOKUP_TIMEOUT_S):
        try:
            found = await trio.socket.getaddrinfo(_name(ctx), 80, socket.AF_INET, socket.SOCK_STREAM)
        except Exception as exc:
            error = exc
    _check(ctx, "trio.socket.getaddrinfo", found, error)


async def run_twisted(ctx: Context) -> None:
    await _canary.check_twisted(ctx)
    found: Any = None
    error: Exception | None = None
    try:
        found = await _twisted.getaddrinfo(_name(ctx), 80, LOOKUP_TIMEOUT_S, socket.AF_INET)
    except Exception as exc:
        error = exc
    _check(ctx, "reactor.nameResolver.resolveHostName", found, error)
