"""Shared by every dns scenario: the canary (does this runtime's resolver ask the stub?), and names.

The harness points the child's system resolver at the cell's stub DNS server: on Linux the child's own
/etc/resolv.conf names the stub alone; on macOS and Windows the machine's resolver sends the names under
the stub's zone to it (a per-domain resolver file, an NRPT rule: docs/dns.md). A runtime that reads the
nameserver list itself (eventlet's greendns, gevent's ares and dnspython resolvers) may not follow such
a per-domain configuration and ask the machine's real DNS servers instead; every answer would then be
theirs, and the cell would publish a false finding. So every dns body first resolves
``canary-<random>.<zone>``, which the stub answers with 192.0.2.53, through the same API as the rest of
the body (``check_<style>``). Unless the stub logged that query and the answer is its address, the cell
is ``skipped``, with what happened instead. It runs on Linux too, where it must pass, so that every run
exercises it.

Measurements of the stub's traffic (``stub_queries``...) leave the canary's queries out:
:func:`stub_queries`. Names are built in the stub's zone (:func:`in_zone`), never hard-coded: it is
``conformance.test`` on Linux and a zone of the cell's own elsewhere.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from conformance import Context, sibling_module

# conformance._helpers.dns_stub answers a name whose first label starts with CANARY_LABEL with CANARY_ADDRESS
# (tests/os/test_system_resolver.py pins the two modules together).
CANARY_LABEL = "canary"
CANARY_ADDRESS = "192.0.2.53"
CANARY_TIMEOUT_S = 5.0
_twisted = sibling_module(__file__, "_twisted_resolve")


def zone(ctx: Context) -> str:
    """The zone the cell's stub serves."""
    return str(ctx.peers["dns_stub"].zone)


def in_zone(ctx: Context, relative: str) -> str:
    """``relative`` under the stub's zone: ``in_zone(ctx, "a")`` is ``a.conformance.test`` on Linux."""
    return f"{relative}.{zone(ctx)}"


def canary_name(ctx: Context) -> str:
    """A canary name no resolver has seen yet, so that no cache can answer it."""
    return in_zone(ctx, f"{CANARY_LABEL}-{os.urandom(6).hex()}")


def _queried_name(line: str) -> str:
    """The name of a query log line (``<monotonic> <udp|tcp> <name> <type>``), lower case, no final dot."""
    fields = line.split()
    return fields[2].rstrip(".").lower() if len(fields) >= 3 else ""


def _is_canary(line: str) -> bool:
    return _queried_name(line).startswith(f"{CANARY_LABEL}-")


def stub_log(ctx: Context) -> list[str]:
    """Every query the stub has logged so far, the canary's included."""
    return Path(ctx.peers["dns_stub"].query_log).read_text(encoding="utf-8").splitlines()


def stub_queries(ctx: Context) -> list[str]:
    """The queries the stub has logged so far, without the canary's: what the scenario itself caused."""
    return [line for line in stub_log(ctx) if not _is_canary(line)]


def judge(ctx: Context, name: str, api: str, found: set[str] | None, error: BaseException | None) -> None:
    """Skip the cell unless the stub logged the query for ``name`` and ``api`` answered with the stub's
    address alone (``found``: the addresses it gave; ``error``: what it raised instead)."""
    asked = any(_queried_name(line) == name.lower() for line in stub_log(ctx))
    if asked and error is None and found == {CANARY_ADDRESS}:
        return
    what = (f"it raised {type(error).__name__}: {error}" if error is not None
            else f"it gave {sorted(found or ())}")
    if not asked:
        raise ctx.skip(
            f"the canary lookup of {name} through {api} never reached the stub DNS server ({what}): "
            "this runtime's resolver does not follow the system's resolver configuration here, so the "
            "scenario's names would go to other DNS servers (docs/dns.md)")
    raise ctx.skip(
        f"the canary lookup of {name} through {api} reached the stub DNS server, but {what} instead "
        f"of the stub's answer {CANARY_ADDRESS}: the runtime's answers cannot be taken for the stub's "
        "(docs/dns.md)")


def _addresses(found: Iterable[Any]) -> set[str]:
    return {str(entry[4][0]) for entry in found}


def check_with(ctx: Context, getaddrinfo: Callable[[str], Iterable[Any]], api: str) -> None:
    """The canary through ``getaddrinfo(name)``, a blocking call returning getaddrinfo tuples."""
    name = canary_name(ctx)
    found: set[str] | None = None
    error: BaseException | None = None
    try:
        found = _addresses(getaddrinfo(name))
    except Exception as exc:
        error = exc
    judge(ctx, name, api, found, error)


def check_sync(ctx: Context) -> None:
    """The canary through ``socket.getaddrinfo`` (gevent's or eventlet's, where they patched it)."""
    check_with(ctx, lambda name: socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM),
               "socket.getaddrinfo")


async def check_asyncio(ctx: Context) -> None:
    """The canary through the running loop's ``getaddrinfo``."""
    import asyncio

    loop = asyncio.get_running_loop()
    name = canary_name(ctx)
    found: set[str] | None = None
    error: BaseException | None = None
    try:
        found = _addresses(await asyncio.wait_for(
            loop.getaddrinfo(name, 80, family=socket.AF_INET, type=socket.SOCK_STREAM), CANARY_TIMEOUT_S))
    except Exception as exc:
        error = exc
    judge(ctx, name, "loop.getaddrinfo", found, error)


async def check_trio(ctx: Context) -> None:
    """The canary through ``trio.socket.getaddrinfo``."""
    import trio

    name = canary_name(ctx)
    found: set[str] | None = None
    error: BaseException | None = None
    with trio.move_on_after(CANARY_TIMEOUT_S) as bound:
        try:
            found = _addresses(await trio.socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM))
        except Exception as exc:
            error = exc
    if bound.cancelled_caught:
        error = TimeoutError(f"no answer within {CANARY_TIMEOUT_S:g} s")
    judge(ctx, name, "trio.socket.getaddrinfo", found, error)


async def check_twisted(ctx: Context) -> None:
    """The canary through ``reactor.nameResolver.resolveHostName``, what the Twisted bodies use (and
    what ``reactor.resolve`` calls, by default)."""
    name = canary_name(ctx)
    found: set[str] | None = None
    error: BaseException | None = None
    try:
        found = _addresses(await _twisted.getaddrinfo(name, 80, CANARY_TIMEOUT_S, socket.AF_INET))
    except Exception as exc:
        error = exc
    judge(ctx, name, "reactor.nameResolver.resolveHostName", found, error)


def require_every_query(ctx: Context, why: str) -> None:
    """Skip the cell unless every DNS query the child sends reaches the stub (Linux), not only those
    for names under its zone (macOS, Windows). ``why``: which queries the scenario cannot keep in the
    zone."""
    if not ctx.peers["dns_stub"].every_query:
        raise ctx.skip(f"only names under {zone(ctx)} reach the stub DNS server here (the system "
                       f"resolver's per-domain configuration), and {why}: those would go to this "
                       "machine's real DNS servers (docs/dns.md)")
