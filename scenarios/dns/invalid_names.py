"""Invalid host names fail at once, with the standard library's exception.

Reference semantics: blocking ``socket.getaddrinfo`` encodes a ``str`` host with the ``idna`` codec
(IDNA 2003) before anything else, so a label over 63 octets or an empty label (``a..b``) raises
``UnicodeError`` ("label empty or too long") without a lookup; a name whose labels are fine but which
is longer than DNS allows (over 253 octets) gets to the system resolver, which refuses it with
``socket.gaierror`` ``EAI_NONAME`` without sending a query. Each fails immediately, never after a
timeout. Names come from users and URLs: code must be able to catch what the standard library raises.
``stub_queries`` counts the queries the runtime sent for these names (the reference sends none).

The contract, the same for every style: each name fails within 2 s, and the failure is the standard
library's exception (and code) for it, raised by the style's lookup (sync, asyncio, trio), or, where the
style documents an exception of its own for a failed lookup (Twisted: ``DNSLookupError`` from
``HostnameEndpoint.connect``), that exception raised from the standard library's (its ``__cause__`` or
``__context__``), so that a caller can still tell why.
"""

from __future__ import annotations

import socket
import time

from conformance import Context, sibling_module

PEERS = ("dns_stub",)
ISOLATED_RESOLVER = True
_twisted = sibling_module(__file__, "_twisted_resolve")
_canary = sibling_module(__file__, "_canary")
TIMEOUT_S = 20.0
LOOKUP_TIMEOUT_S = 5.0
# the name under the stub's zone -> (the exception type, its errno or None)
CASES: dict[str, tuple[type[Exception], int | None]] = {
    "x" * 64: (UnicodeError, None),  # a label over 63 octets
    "a.": (UnicodeError, None),  # an empty label: a..<zone>
    ".".join(["a" * 63] * 4): (socket.gaierror, socket.EAI_NONAME),  # over 253 octets in all
}
QUICK_S = 2.0  # "at once", generously: the reference takes well under a millisecond


def _cases(ctx: Context) -> dict[str, tuple[type[Exception], int | None]]:
    """The names, in the stub's zone, and what the reference raises for each."""
    return {_canary.in_zone(ctx, relative): raised for relative, raised in CASES.items()}


def _standard(error: BaseException, kind: type[Exception]) -> BaseException | None:
    """``error`` if it is a ``kind``, else the ``kind`` it was raised from (``__cause__``,
    ``__context__``), or None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        current = current.__cause__ or current.__context__
    return None


def _check(ctx: Context, name: str, error: Exception | None, elapsed_s: float) -> None:
    kind, errno = _cases(ctx)[name]
    short = name if len(name) < 30 else f"{name[:12]}... ({len(name)} chars)"
    ctx.expect(error is not None, f"the lookup of {short!r} gave addresses; the reference raises "
                                  f"{kind.__name__}")
    assert error is not None
    standard = _standard(error, kind)
    ctx.expect(standard is not None, f"the lookup of {short!r} raised {type(error).__module__}."
                                     f"{type(error).__qualname__}: {error}; the reference raises "
                                     f"{kind.__name__}")
    if errno is not None:
        ctx.expect_equal(getattr(standard, "errno", None), errno, f"the errno of the lookup of {short!r}")
    ctx.expect(elapsed_s < QUICK_S, f"the lookup of {short!r} took {elapsed_s:.1f} s to fail")


def _finish(ctx: Context, slowest_s: float) -> None:
    ctx.measure("slowest_ms", slowest_s * 1000.0)
    ctx.measure("stub_queries", len(_canary.stub_queries(ctx)))


def run_sync(ctx: Context) -> None:
    _canary.check_sync(ctx)
    slowest = 0.0
    for name in _cases(ctx):
        started = time.perf_counter()
        error = None
        try:
            socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
        except Exception as exc:
            error = exc
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        _check(ctx, name, error, elapsed)
    _finish(ctx, slowest)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    await _canary.check_asyncio(ctx)
    loop = asyncio.get_running_loop()
    slowest = 0.0
    for name in _cases(ctx):
        started = time.perf_counter()
        error = None
        try:
            await asyncio.wait_for(loop.getaddrinfo(name, 80, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_S)
        except Exception as exc:
            error = exc
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        _check(ctx, name, error, elapsed)
    _finish(ctx, slowest)


async def run_trio(ctx: Context) -> None:
    import trio

    await _canary.check_trio(ctx)
    slowest = 0.0
    for name in _cases(ctx):
        started = time.perf_counter()
        error = None
        try:
            with trio.fail_after(LOOKUP_TIMEOUT_S):
                await trio.socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
        except Exception as exc:
            error = exc
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        _check(ctx, name, error, elapsed)
    _finish(ctx, slowest)


async def run_twisted(ctx: Context) -> None:
    await _canary.check_twisted(ctx)
    slowest = 0.0
    for name in _cases(ctx):
        started = time.perf_counter()
        error: Exception | None = None
        try:
            # A Twisted program meets a name it cannot resolve in HostnameEndpoint.connect
            await _twisted.connect_to(name, 80, LOOKUP_TIMEOUT_S)
        except Exception as exc:
            error = exc
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        _check(ctx, name, error, elapsed)
    _finish(ctx, slowest)
