"""The legacy lookups still give the standard library's answers: gethostbyname_ex and getservbyname.

Reference semantics: blocking ``socket.gethostbyname_ex(name)`` returns the host entry ``(name, aliases,
addresses)`` of a name, IPv4 only: for ``many-<random>.<zone>`` (``<zone>``: the stub's,
``conformance.test`` on Linux), which the stub answers with 32 A records (too many for UDP, so the
resolver asks again over TCP), it is ``(that name, [], ["203.0.113.1", ..., "203.0.113.32"])`` in the
order of the answer (which the stub shuffles, as dnspython writes a record set: the list is compared
sorted); for ``slow-400ms-7.<zone>``, answered after 400 ms, ``(that name, [], ["198.51.100.7"])``,
and meanwhile the other threads run (the lookup releases the GIL). ``socket.getservbyname("http",
"tcp")`` is 80, from the services database (measured on this machine, glibc, CPython 3.11). These are
the resolver functions older code and many libraries still call (``gethostbyname`` is
``gethostbyname_ex``'s first address), and a program moved to a concurrency runtime keeps calling
them.

The contract, the same for every style: the style's own gethostbyname_ex gives the reference's host
entry for both names (every address, once), its getservbyname gives 80, and the scheduler keeps
running during the slow lookup. Each style's API: ``socket.gethostbyname_ex`` and
``socket.getservbyname`` (sync: gevent's and eventlet's where they patch them); for the asyncio style
the running loop, for trio ``trio.socket``: each is probed for a ``gethostbyname_ex`` and a
``getservbyname``; Twisted's ``reactor.resolve`` is its ``gethostbyname`` (one IPv4 address,
``IReactorCore.resolve``), which the Twisted body checks first against the slow name's address, and then
it probes the reactor and its ``nameResolver`` for the other two. Where a style has none of an API, the
cell is ``unsupported``, naming what was probed: calling the standard library's functions in a worker
thread would test the standard library, not the style.
"""

from __future__ import annotations

import inspect
import os
import socket
from typing import Any

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 15.0
LOOKUP_TIMEOUT_S = 5.0
MANY = tuple(f"203.0.113.{n}" for n in range(1, 33))  # conformance/_helpers/dns_stub.py's "many..."
SLOW_ADDRESS = "198.51.100.7"  # slow-400ms-7
SERVICE = ("http", "tcp", 80)


def _names(ctx: Context) -> tuple[str, str]:
    """A "many" name no cache has seen, and the slow name."""
    return (_canary.in_zone(ctx, f"many-{os.urandom(4).hex()}"), _canary.in_zone(ctx, "slow-400ms-7"))


def _expected(ctx: Context, names: tuple[str, str]) -> list[tuple[str, list[str], list[str]]]:
    many, slow = names
    return [(many, [], list(MANY)), (slow, [], [SLOW_ADDRESS])]


def _check(ctx: Context, names: tuple[str, str], entries: list[Any], port: Any) -> None:
    for name, want, got in zip(names, _expected(ctx, names), entries, strict=True):
        ctx.expect_equal(_entry(got), want, f"gethostbyname_ex({name!r})")
    ctx.expect_equal(port, SERVICE[2], f"getservbyname({SERVICE[0]!r}, {SERVICE[1]!r})")


def _entry(got: Any) -> Any:
    """A host entry as (name, aliases, addresses) with lists, whatever sequences it came in."""
    try:
        name, aliases, addresses = got
        return (name, list(aliases), sorted(addresses, key=socket.inet_aton))
    except (TypeError, ValueError, OSError):
        return got


def _missing(probed: dict[str, Any]) -> str:
    return ", ".join(what for what, found in probed.items() if found is None)


async def _call(function: Any, *args: Any) -> Any:
    """Call a probed API: a coroutine function's result is awaited, a Deferred's too."""
    result = function(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    names = _names(ctx)
    entries = [socket.gethostbyname_ex(name) for name in names]
    _check(ctx, names, entries, socket.getservbyname(SERVICE[0], SERVICE[1]))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    probed = {"loop.gethostbyname_ex": getattr(loop, "gethostbyname_ex", None),
              "loop.getservbyname": getattr(loop, "getservbyname", None)}
    if None in probed.values():
        raise NotImplementedError(
            f"the asyncio event loop ({type(loop).__module__}.{type(loop).__qualname__}) has no "
            f"{_missing(probed)}: its resolver API is getaddrinfo and getnameinfo "
            "(https://docs.python.org/3.11/library/asyncio-eventloop.html#dns)")
    names = _names(ctx)
    entries = [await asyncio.wait_for(_call(probed["loop.gethostbyname_ex"], name), LOOKUP_TIMEOUT_S)
               for name in names]
    port = await asyncio.wait_for(_call(probed["loop.getservbyname"], *SERVICE[:2]), LOOKUP_TIMEOUT_S)
    _check(ctx, names, entries, port)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    probed = {"trio.socket.gethostbyname_ex": getattr(trio.socket, "gethostbyname_ex", None),
              "trio.socket.getservbyname": getattr(trio.socket, "getservbyname", None)}
    if None in probed.values():
        raise NotImplementedError(
            f"trio.socket has no {_missing(probed)}: trio leaves out gethostbyname, gethostbyname_ex, "
            "gethostbyaddr, getservbyname, getservbyport and getfqdn "
            "(https://github.com/python-trio/trio/blob/v0.35.0/docs/source/reference-io.rst#L368-L394)")
    names = _names(ctx)
    with trio.fail_after(LOOKUP_TIMEOUT_S * 3):
        entries = [await _call(probed["trio.socket.gethostbyname_ex"], name) for name in names]
        port = await _call(probed["trio.socket.getservbyname"], *SERVICE[:2])
    _check(ctx, names, entries, port)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor

    await _canary.check_twisted(ctx)
    names = _names(ctx)
    # reactor.resolve is Twisted's gethostbyname (IReactorCore.resolve: one IPv4 address). It is a
    # zope.interface method, declared without self: mypy reads it right only through mypy-zope.
    address = await reactor.resolve(names[1]).addTimeout(LOOKUP_TIMEOUT_S, reactor)  # type: ignore[arg-type]
    ctx.expect_equal(address, SLOW_ADDRESS, f"reactor.resolve({names[1]!r}), Twisted's gethostbyname")
    resolver = reactor.nameResolver
    probed = {"gethostbyname_ex": (getattr(reactor, "gethostbyname_ex", None)
                                   or getattr(resolver, "gethostbyname_ex", None)),
              "getservbyname": (getattr(reactor, "getservbyname", None)
                                or getattr(resolver, "getservbyname", None))}
    if None in probed.values():
        raise NotImplementedError(
            f"Twisted has no {_missing(probed)}: neither the reactor nor reactor.nameResolver (a "
            f"{type(resolver).__name__}) has one; reactor.resolve (IReactorCore.resolve) gives one IPv4 "
            "address, gethostbyname's answer, and IHostnameResolver.resolveHostName is getaddrinfo's "
            "(https://github.com/twisted/twisted/blob/twisted-26.10.0/src/twisted/internet/"
            "interfaces.py#L1415-L1434)")
    gethostbyname_ex: Any = probed["gethostbyname_ex"]
    getservbyname: Any = probed["getservbyname"]
    entries = [await defer.maybeDeferred(gethostbyname_ex, name).addTimeout(LOOKUP_TIMEOUT_S, reactor)
               for name in names]
    port = await defer.maybeDeferred(getservbyname, SERVICE[0], SERVICE[1]).addTimeout(LOOKUP_TIMEOUT_S,
                                                                                         reactor)
    _check(ctx, names, entries, port)
