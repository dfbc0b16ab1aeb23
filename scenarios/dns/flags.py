"""getaddrinfo flags: AI_NUMERICHOST refuses a name, AI_PASSIVE gives the wildcard addresses.

Reference semantics: blocking ``socket.getaddrinfo("a.<zone>", 80, flags=AI_NUMERICHOST)`` (``<zone>``:
the stub's, ``conformance.test`` on Linux) raises ``socket.gaierror`` with errno ``EAI_NONAME`` without
asking DNS (the stub would answer that name, so a runtime that ignores the flag returns an address
instead), while a numeric host with the same flag resolves; ``getaddrinfo(None, 80, type=SOCK_STREAM,
flags=AI_PASSIVE)`` gives the wildcard addresses ``0.0.0.0`` (and ``::`` where Python has IPv6) to bind
a server on, and without ``AI_PASSIVE`` the loopback addresses ``127.0.0.1`` (and ``::1``). Servers
bind with exactly these calls, and code validates "is this an IP literal?" with ``AI_NUMERICHOST``.

The contract, the same for every style: the style's resolver takes the flags and honours them (the
results above; the refusal as the failure its API documents). Each style passes them its own way:
``flags=`` of ``socket.getaddrinfo``, ``loop.getaddrinfo`` and ``trio.socket.getaddrinfo``; the Twisted
body asks Twisted's resolver API, ``reactor.nameResolver.resolveHostName``, and passes ``flags=`` only
if its signature has such a parameter (``inspect.signature``): where it has none, the cell is
``unsupported``, naming the signature it found. Calling the standard library's ``getaddrinfo`` in a
thread instead would test the standard library, not Twisted.
"""

from __future__ import annotations

import socket
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_canary = sibling_module(__file__, "_canary")
_twisted = sibling_module(__file__, "_twisted_resolve")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 5.0

TCP = socket.IPPROTO_TCP
# (host, flags) -> the set of getaddrinfo(host, 80, type=SOCK_STREAM, flags=flags) results.
EXPECTED: dict[tuple[str | None, int], set[Any]] = {
    ("192.0.2.7", socket.AI_NUMERICHOST): {
        (socket.AF_INET, socket.SOCK_STREAM, TCP, "", ("192.0.2.7", 80))},
    (None, socket.AI_PASSIVE): {
        (socket.AF_INET, socket.SOCK_STREAM, TCP, "", ("0.0.0.0", 80)),
        *([(socket.AF_INET6, socket.SOCK_STREAM, TCP, "", ("::", 80, 0, 0))] if socket.has_ipv6 else [])},
    (None, 0): {
        (socket.AF_INET, socket.SOCK_STREAM, TCP, "", ("127.0.0.1", 80)),
        *([(socket.AF_INET6, socket.SOCK_STREAM, TCP, "", ("::1", 80, 0, 0))] if socket.has_ipv6 else [])},
}


def _name(ctx: Context) -> str:
    name: str = _canary.in_zone(ctx, "a")  # the stub answers it: only the flag keeps it from resolving
    return name


def _check_numeric_refusal(ctx: Context, caught: list[BaseException]) -> None:
    error = caught[0]
    ctx.expect_equal(getattr(error, "errno", None), socket.EAI_NONAME,
                     f"the errno of getaddrinfo({_name(ctx)!r}, flags=AI_NUMERICHOST) ({error})")


def _check(ctx: Context, results: list[set[Any]]) -> None:
    for (host, flags), got in zip(EXPECTED, results, strict=True):
        ctx.expect_equal(got, EXPECTED[(host, flags)], f"getaddrinfo({host!r}, 80, flags={flags:#x})")


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    with ctx.expect_raises(socket.gaierror) as caught:
        socket.getaddrinfo(_name(ctx), 80, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    _check_numeric_refusal(ctx, caught)
    _check(ctx, [set(socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM, flags=flags))
                 for host, flags in EXPECTED])


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    with ctx.expect_raises(socket.gaierror) as caught:
        await asyncio.wait_for(
            loop.getaddrinfo(_name(ctx), 80, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST),
            LOOKUP_TIMEOUT_S)
    _check_numeric_refusal(ctx, caught)
    results = []
    for host, flags in EXPECTED:
        found = await asyncio.wait_for(loop.getaddrinfo(host, 80, type=socket.SOCK_STREAM, flags=flags),
                                       LOOKUP_TIMEOUT_S)
        results.append(set(found))
    _check(ctx, results)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    with trio.fail_after(LOOKUP_TIMEOUT_S * (len(EXPECTED) + 1)):
        with ctx.expect_raises(socket.gaierror) as caught:
            await trio.socket.getaddrinfo(_name(ctx), 80, type=socket.SOCK_STREAM,
                                          flags=socket.AI_NUMERICHOST)
        _check_numeric_refusal(ctx, caught)
        results = [set(await trio.socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM, flags=flags))
                   for host, flags in EXPECTED]
    _check(ctx, results)


async def run_twisted(ctx: Context) -> None:
    import inspect

    from twisted.internet import reactor

    await _canary.check_twisted(ctx)
    resolve = reactor.nameResolver.resolveHostName
    signature = inspect.signature(resolve)
    if "flags" not in signature.parameters:
        raise NotImplementedError(
            f"Twisted's resolver API takes no getaddrinfo flags: reactor.nameResolver is a "
            f"{type(reactor.nameResolver).__name__}, whose resolveHostName{signature} has no 'flags' "
            "parameter (probed with inspect.signature), so AI_NUMERICHOST and AI_PASSIVE cannot be "
            "asked for (IHostnameResolver: https://github.com/twisted/twisted/blob/twisted-26.10.0/src/"
            "twisted/internet/interfaces.py#L174-L211)")
    # A resolver that takes flags: the same questions, through it. It reports a refused name as a
    # resolution with no addresses (IHostnameResolver has no error to report).
    refused = await _twisted.getaddrinfo(_name(ctx), 80, LOOKUP_TIMEOUT_S, flags=socket.AI_NUMERICHOST)
    ctx.expect(not refused, f"resolveHostName({_name(ctx)!r}, flags=AI_NUMERICHOST) gave {refused}")
    _check(ctx, [set(await _twisted.getaddrinfo(host, 80, LOOKUP_TIMEOUT_S, flags=flags))
                 for host, flags in EXPECTED])
