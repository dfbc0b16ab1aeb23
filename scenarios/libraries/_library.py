"""Shared by the libraries area: how a library runs under each style, and the four operations every
library row is judged on, the same for every library and every style.

A *row* is one library (``psycopg2``, ``asyncpg``, ``redis-py``...), described by a :class:`Library`;
its *database module* (``_postgresql.py``, ``_mariadb.py``, ``_redis.py``) gives, for each library, an
adapter with the same small interface (``connect``, ``slow``, ``set_timeout``, ``simple``, ``close``:
plain functions for a blocking library, coroutine functions for an async one), and server-side checks
that do not go through the runtime under test (the server's own command-line client in a subprocess).

How a library runs under a style is what its users do, and the cell's details say which
(``library``, ``path``):

- a blocking library under the sync style: called as is (gevent and eventlet run it through their
  monkey-patching; a C driver that waits in C is not patched);
- a blocking library under an event loop: offloaded to the style's threads (``asyncio.to_thread``,
  ``trio.to_thread.run_sync``, Twisted's ``threads.deferToThread``);
- an async library: natively under its own loop (asyncio's, uvloop's, rloop's; trio's for an AnyIO
  library); under Twisted on the asyncio reactor through ``Deferred.fromFuture``; elsewhere the body
  probes for an asyncio loop, finds none and says ``unsupported`` with the reason;
- an async library under the sync style: ``unsupported`` (its connect is a coroutine function).

The operations (one scenario each, per library):

- ``slow``: one slow operation (``SLOW_S``) while the heartbeat runs: the right answer, and does the
  scheduler stall (the cell is ``blocking`` where it does);
- ``concurrent``: ``CONCURRENT`` slow operations (``CONCURRENT_SLOW_S``) at once, each on its own
  connection, opened beforehand: how many were in flight together, counted by the server (each operation
  reports, as it ends, how many of the cell's operations the server was still running), against the pool
  the path documents;
- ``timeout``: a long operation (``TIMED_S``) timed out after ``TIMEOUT_AFTER_S`` the style's way (the
  library's own timeout under the sync style, which has no cancellation; ``asyncio.timeout``,
  ``trio.fail_after``, ``Deferred.addTimeout``): the error arrives within ``ERROR_BOUND_S`` of the
  timeout, the server stops the work within ``SERVER_END_BOUND_S`` (checked on the server), and the
  connection is left usable or refuses further use with an error (never a wrong answer or a hang);
- ``failures``: a connect to a port where nothing listens, and a connection the server ends in the middle
  of an operation (killed on the server by its own client, ``KILL_AFTER_S`` in): each raises an error,
  within ``FAILURE_BOUND_S``.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from conformance import Context

SLOW_S = 0.3
CONCURRENT = 20
# Each of the 20: long enough for all of them to be in flight together (they start within milliseconds of
# each other), short enough that a path that runs them one after another costs 3 s, not 6.
CONCURRENT_SLOW_S = 0.15
IN_FLIGHT_SHARE = 0.75  # of the path's documented pool, as in dns.concurrent_slow_lookups
TIMED_S = 1.5
TIMEOUT_AFTER_S = 0.3
ERROR_BOUND_S = 1.0
SERVER_END_BOUND_S = 0.7
KILL_AFTER_S = 0.3
FAILURE_BOUND_S = 2.0
# Any one operation that should succeed (a connect, a quick query): generous, it only stops a hang.
OPERATION_BOUND_S = 10.0
CONCURRENT_BOUND_S = 30.0


@dataclass(frozen=True)
class Library:
    """One row of the area: a library as its users install, import and call it."""

    name: str                      # as its users name it: "psycopg2", "redis-py (hiredis parser)"
    module: str                    # imported before the measured window, with what the adapter imports:
                                   # "psycopg2.extras" (an import inside it would stall it)
    distribution: str              # for its version: "psycopg2-binary"
    connect: str                   # the library's own connect, probed for its kind: "psycopg2.connect"
    adapter: Callable[[], Any]     # the database module's adapter class for it
    database: ModuleType           # the database module: server-side checks
    server: str                    # the SERVERS name: "postgresql"
    trio_native: bool = False      # an async library that runs on trio too (AnyIO)
    twisted_native: bool = False   # a library of Twisted's own (treq): its adapter's methods are
                                   # coroutine functions that await Deferreds, under a running reactor
    peer: bool = False             # the server is one of the suite's peers (PEERS), not a SERVERS entry

    def server_of(self, ctx: Context) -> Any:
        """The address of the server the library talks to."""
        return ctx.peers[self.server] if self.peer else ctx.servers[self.server]

    def load(self, ctx: Context) -> tuple[ModuleType, Any, bool]:
        """The imported library, its adapter, and whether it is async (its connect is a coroutine
        function); the cell says which library and version. A library that is not installed makes
        the cell ``unavailable``, naming what installs it."""
        try:
            module = importlib.import_module(self.module)
        except ImportError as exc:
            raise ctx.unavailable(f"{self.name} is not installed here ({exc}): pip install "
                                  f"'conformance[libraries]' installs it{_install_failure(self)}") from None
        version = _version(self.distribution)
        ctx.notes["library"] = f"{self.name} {version}"
        ctx.notes["server"] = str(getattr(self.server_of(ctx), "version", self.server))
        package, *path = self.connect.split(".")
        target: Any = importlib.import_module(package)
        for part in path:
            target = getattr(target, part)
        return module, self.adapter(), inspect.iscoroutinefunction(target)


def _install_failure(library: Library) -> str:
    """pip's reason where the suite's install of the library failed (``python -m conformance._parent.install
    RUNTIME --libraries`` records it in $CONFORMANCE_INSTALL_RECORD), else nothing."""
    import json

    path = os.environ.get("CONFORMANCE_INSTALL_RECORD")
    try:
        recorded = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return ""
    failure = recorded.get(f"library:{library.distribution.lower()}") if isinstance(recorded, dict) else None
    return f"; its install failed here: {failure['reason']}" if isinstance(failure, dict) else ""


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "(version unknown)"


def tag(ctx: Context, operation: str) -> str:
    """The name the cell's connections carry on the server (application name, client name): the
    server is shared by every cell of the run."""
    return f"{ctx.tag}-{operation}"


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A port of 127.0.0.1 bound by nobody listening: a connect to it is refused (a RST)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


# -- the verdicts, the same for every style -------------------------------------------------------------


def check_slow(ctx: Context, answer: Any, elapsed_s: float) -> None:
    ctx.measure("slow_ms", elapsed_s * 1000.0)
    ctx.expect(isinstance(answer, int) and answer >= 1,
               f"the slow operation answered {answer!r}, not the count of operations in flight (>= 1)")
    ctx.expect(elapsed_s >= SLOW_S * 0.9,
               f"a {SLOW_S * 1000:.0f} ms operation returned after {elapsed_s * 1000:.0f} ms")


def check_concurrent(ctx: Context, answers: list[Any], elapsed_s: float, pool_size: int, pool: str) -> None:
    lacking = [a for a in answers if isinstance(a, NotImplementedError)]
    if lacking:  # the runtime lacks what the library needs: as the other operations say it
        raise lacking[0]
    wrong = [a for a in answers if not isinstance(a, int)]
    counts = [a for a in answers if isinstance(a, int)]
    in_flight = max(counts, default=0)
    expected = min(CONCURRENT, pool_size)
    needed = math.ceil(IN_FLIGHT_SHARE * expected)
    ctx.measure("max_in_flight", in_flight)
    ctx.measure("pool_size", pool_size)
    ctx.measure("elapsed_ms", elapsed_s * 1000.0)
    ctx.notes["pool"] = pool
    ctx.expect(not wrong, f"{len(wrong)} of {CONCURRENT} operations went wrong, the first: "
                          f"{_said(wrong[0]) if wrong else None}")
    ctx.expect(in_flight >= needed,
               f"the server ran at most {in_flight} of the {CONCURRENT} operations at once, where "
               f"{pool} runs {pool_size} at once: at least {needed} (three quarters of {expected}) expected")


def _said(value: Any) -> str:
    if isinstance(value, BaseException):
        return f"{type(value).__module__}.{type(value).__qualname__}: {value}"[:300]
    return repr(value)[:300]


@dataclass
class TimedOut:
    """What the timed-out operation gave: its error (or answer), when, and what followed."""

    error: BaseException | None = None
    answer: Any = None
    elapsed_s: float = 0.0
    server_ended_s: float | None = None   # from the error to the server's end of the work
    after: Any = None                     # the next operation on the same connection: answer or error


def check_timeout(ctx: Context, library: Library, outcome: TimedOut, expected_simple: Any) -> None:
    ctx.measure("error_after_ms", outcome.elapsed_s * 1000.0)
    ctx.expect(outcome.error is not None,
               f"the {TIMED_S:g} s operation timed out after {TIMEOUT_AFTER_S:g} s answered "
               f"{outcome.answer!r} after {outcome.elapsed_s * 1000:.0f} ms instead of an error")
    assert outcome.error is not None
    ctx.notes["error"] = _said(outcome.error)
    ctx.expect(outcome.elapsed_s <= TIMEOUT_AFTER_S + ERROR_BOUND_S,
               f"the timeout's error ({_said(outcome.error)}) came {outcome.elapsed_s * 1000:.0f} ms after "
               f"the operation began, not within {TIMEOUT_AFTER_S + ERROR_BOUND_S:g} s "
               f"(a {TIMEOUT_AFTER_S:g} s timeout)")
    if outcome.server_ended_s is not None:
        ctx.measure("server_ended_ms", outcome.server_ended_s * 1000.0)
    ctx.expect(outcome.server_ended_s is not None,
               f"the server was still running the timed-out operation {SERVER_END_BOUND_S:g} s after the "
               f"error ({_said(outcome.error)}): {library.name} on this path does not cancel it")
    if isinstance(outcome.after, BaseException):
        ctx.notes["connection_after_timeout"] = f"refuses further use: {_said(outcome.after)}"
        ctx.expect(not isinstance(outcome.after, TimeoutError | OperationTimedOut),
                   f"the next operation on the connection did not end within {OPERATION_BOUND_S:g} s "
                   f"({_said(outcome.after)})")
    else:
        ctx.expect_equal(outcome.after, expected_simple, "the next operation on the timed-out connection")
        ctx.notes["connection_after_timeout"] = "usable"


class OperationTimedOut(Exception):
    """An operation that should have completed did not, within its bound (a thread's join)."""


def check_failure(ctx: Context, what: str, error: BaseException | None, answer: Any, elapsed_s: float,
                  bound_s: float) -> None:
    ctx.measure(f"{what}_ms", elapsed_s * 1000.0)
    ctx.expect(error is not None, f"{what}: no error; the operation answered {answer!r} after "
                                  f"{elapsed_s * 1000:.0f} ms")
    assert error is not None
    ctx.notes[f"{what}_error"] = _said(error)
    ctx.expect(not isinstance(error, OperationTimedOut | TimeoutError),
               f"{what}: no error of the library's within {bound_s:g} s ({_said(error)})")
    ctx.expect(elapsed_s <= bound_s, f"{what}: the error ({_said(error)}) came after "
                                     f"{elapsed_s * 1000:.0f} ms, not within {bound_s:g} s")


def server_end(ctx: Context, library: Library, name: str) -> float | None:
    """Seconds until the server no longer runs the operations of ``name``, or None after
    ``SERVER_END_BOUND_S`` (the server's own client, polled)."""
    started = time.perf_counter()
    while True:
        if library.database.active(library.server_of(ctx), name) == 0:
            return time.perf_counter() - started
        if time.perf_counter() - started > SERVER_END_BOUND_S:
            return None
        time.sleep(0.05)


def _no_reactor(library: Library) -> None:
    """A library of Twisted's own needs its reactor running: probe for one."""
    import sys

    reactor = sys.modules.get("twisted.internet.reactor")
    if reactor is None or not getattr(reactor, "running", False):
        raise NotImplementedError(f"{library.name} is a Twisted library: it needs a running Twisted reactor, "
                                  "and none runs here")


# -- sync ---------------------------------------------------------------------------------------------


def sync_library(ctx: Context, library: Library) -> Any:
    """The adapter of a blocking library, called as is (the sync style's path; the bench's database
    workloads use it too); an async library has no such path: ``unsupported``."""
    _, adapter, is_async = library.load(ctx)
    if library.twisted_native:
        _no_reactor(library)
    if is_async:
        raise NotImplementedError(f"{library.name} has no blocking API: {library.connect} is a coroutine "
                                  "function, for an event loop")
    ctx.notes["path"] = "called as is (the sync style's runtimes patch what they patch)"
    return adapter


def _in_thread(function: Callable[..., Any], *args: Any, bound_s: float = OPERATION_BOUND_S) -> Any:
    """``function(*args)`` in a thread of its own, joined within ``bound_s``: its answer, or the
    exception it raised, or :class:`OperationTimedOut` (the thread is left running)."""
    found: list[Any] = []

    def call() -> None:
        try:
            found.append(function(*args))
        except BaseException as exc:  # handed to the caller as the answer
            found.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(bound_s)
    return found[0] if found else OperationTimedOut(f"no answer within {bound_s:g} s")


def slow_sync(ctx: Context, library: Library) -> None:
    adapter = sync_library(ctx, library)
    server = library.server_of(ctx)
    conn = adapter.connect(server, tag(ctx, "slow"), server.port)
    try:
        with ctx.measured():
            started = time.perf_counter()
            answer = adapter.slow(conn, SLOW_S)
            elapsed = time.perf_counter() - started
    finally:
        adapter.close(conn)
    check_slow(ctx, answer, elapsed)


def concurrent_sync(ctx: Context, library: Library) -> None:
    adapter = sync_library(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "concurrent")
    # Every connection first, one after another: the operations then start together, so that what the
    # server counts is how many run at once, not how fast the connects came.
    connections = [adapter.connect(server, name, server.port) for _ in range(CONCURRENT)]
    answers: list[Any] = [None] * CONCURRENT

    def one(index: int) -> None:
        try:
            answers[index] = adapter.slow(connections[index], CONCURRENT_SLOW_S)
        except Exception as exc:
            answers[index] = exc

    threads = [threading.Thread(target=one, args=(index,), daemon=True) for index in range(CONCURRENT)]
    try:
        with ctx.measured():
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            deadline = started + CONCURRENT_BOUND_S
            for thread in threads:
                thread.join(max(0.0, deadline - time.perf_counter()))
            elapsed = time.perf_counter() - started
    finally:
        for conn in connections:
            with contextlib.suppress(Exception):
                adapter.close(conn)
    answers = [OperationTimedOut(f"still running after {CONCURRENT_BOUND_S:g} s") if thread.is_alive()
               else answer for thread, answer in zip(threads, answers, strict=True)]
    check_concurrent(ctx, answers, elapsed, CONCURRENT, f"a thread per operation ({CONCURRENT} threads)")


def timeout_sync(ctx: Context, library: Library) -> None:
    adapter = sync_library(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "timeout")
    conn = adapter.connect(server, name, server.port)
    ctx.notes["timeout"] = adapter.set_timeout(conn, TIMEOUT_AFTER_S)
    outcome = TimedOut()
    try:
        with ctx.measured():
            started = time.perf_counter()
            try:
                outcome.answer = adapter.slow(conn, TIMED_S)
            except Exception as exc:
                outcome.error = exc
            outcome.elapsed_s = time.perf_counter() - started
        outcome.server_ended_s = server_end(ctx, library, name)
        outcome.after = _in_thread(adapter.simple, conn)
    finally:
        with contextlib.suppress(Exception):
            adapter.close(conn)
    check_timeout(ctx, library, outcome, adapter.SIMPLE)


def failures_sync(ctx: Context, library: Library) -> None:
    adapter = sync_library(ctx, library)
    server = library.server_of(ctx)
    with ctx.measured():
        with refused_port() as port:
            started = time.perf_counter()
            answer = _in_thread(adapter.connect, server, tag(ctx, "refused"), port, bound_s=FAILURE_BOUND_S)
            elapsed = time.perf_counter() - started
        check_failure(ctx, "refused", answer if isinstance(answer, BaseException) else None, answer, elapsed,
                      FAILURE_BOUND_S)
        name = tag(ctx, "gone")
        conn = adapter.connect(server, name, server.port)
        killer = library.database.kill_later(server, name, KILL_AFTER_S)
        try:
            started = time.perf_counter()
            answer = _in_thread(adapter.slow, conn, TIMED_S, bound_s=KILL_AFTER_S + FAILURE_BOUND_S)
            elapsed = time.perf_counter() - started - KILL_AFTER_S
        finally:
            killer.wait(OPERATION_BOUND_S)
            with contextlib.suppress(Exception):
                adapter.close(conn)
    check_failure(ctx, "gone", answer if isinstance(answer, BaseException) else None, answer, elapsed,
                  FAILURE_BOUND_S)


# -- asyncio --------------------------------------------------------------------------------------------


async def asyncio_calls(ctx: Context, library: Library) -> tuple[Any, Callable[..., Any], int, str]:
    """The adapter, how this body calls it (``call(function, *args)`` gives an awaitable), and the
    path's pool: natively for an async library, through ``asyncio.to_thread`` for a blocking one."""
    import asyncio

    _, adapter, is_async = library.load(ctx)
    if library.twisted_native:
        _no_reactor(library)
    if is_async:
        ctx.notes["path"] = "native (the library's own asyncio API)"
        return adapter, lambda function, *args: function(*args), CONCURRENT, "a connection per operation"
    ctx.notes["path"] = "offloaded: asyncio.to_thread"

    def call(function: Callable[..., Any], *args: Any) -> Any:
        return asyncio.to_thread(function, *args)

    # concurrent.futures.ThreadPoolExecutor's documented default size, the loop's default executor's
    from conformance.support.executors import cpu_count, default_executor_size

    return (adapter, call, default_executor_size(),
            f"the loop's default executor (min(32, {cpu_count()} CPUs + 4))")


async def slow_asyncio(ctx: Context, library: Library) -> None:
    from conformance.support.net import within_asyncio

    adapter, call, _, _ = await asyncio_calls(ctx, library)
    server = library.server_of(ctx)
    conn = await within_asyncio(OPERATION_BOUND_S,
                                call(adapter.connect, server, tag(ctx, "slow"), server.port))
    try:
        with ctx.measured():
            started = time.perf_counter()
            answer = await within_asyncio(OPERATION_BOUND_S, call(adapter.slow, conn, SLOW_S))
            elapsed = time.perf_counter() - started
    finally:
        await within_asyncio(OPERATION_BOUND_S, call(adapter.close, conn))
    check_slow(ctx, answer, elapsed)


async def concurrent_asyncio(ctx: Context, library: Library) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    adapter, call, pool_size, pool = await asyncio_calls(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "concurrent")
    # Every connection first (see concurrent_sync), then the operations together.
    connections = [await within_asyncio(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
                   for _ in range(CONCURRENT)]
    try:
        with ctx.measured():
            started = time.perf_counter()
            answers = await asyncio.wait_for(asyncio.gather(*(call(adapter.slow, conn,
                                                                   CONCURRENT_SLOW_S)
                                                              for conn in connections),
                                                            return_exceptions=True), CONCURRENT_BOUND_S)
            elapsed = time.perf_counter() - started
    finally:
        for conn in connections:
            with contextlib.suppress(Exception):
                await within_asyncio(OPERATION_BOUND_S, call(adapter.close, conn))
    check_concurrent(ctx, list(answers), elapsed, pool_size, pool)


async def timeout_asyncio(ctx: Context, library: Library) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    adapter, call, _, _ = await asyncio_calls(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "timeout")
    conn = await within_asyncio(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
    ctx.notes["timeout"] = f"asyncio's timeout around the call ({TIMEOUT_AFTER_S:g} s)"
    outcome = TimedOut()
    try:
        with ctx.measured():
            started = time.perf_counter()
            try:
                outcome.answer = await within_asyncio(TIMEOUT_AFTER_S, call(adapter.slow, conn, TIMED_S))
            except Exception as exc:
                outcome.error = exc
            outcome.elapsed_s = time.perf_counter() - started
        outcome.server_ended_s = await asyncio.to_thread(server_end, ctx, library, name)
        try:
            outcome.after = await within_asyncio(OPERATION_BOUND_S, call(adapter.simple, conn))
        except Exception as exc:
            outcome.after = exc
    finally:
        with contextlib.suppress(Exception):
            await within_asyncio(OPERATION_BOUND_S, call(adapter.close, conn))
    check_timeout(ctx, library, outcome, adapter.SIMPLE)


async def failures_asyncio(ctx: Context, library: Library) -> None:
    from conformance.support.net import within_asyncio

    adapter, call, _, _ = await asyncio_calls(ctx, library)
    server = library.server_of(ctx)
    errors: dict[str, tuple[Exception | None, Any, float]] = {}
    with ctx.measured():
        with refused_port() as port:
            started = time.perf_counter()
            try:
                answer, error = await within_asyncio(
                    FAILURE_BOUND_S, call(adapter.connect, server, tag(ctx, "refused"), port)), None
            except Exception as exc:
                answer, error = None, exc
            errors["refused"] = (error, answer, time.perf_counter() - started)
        name = tag(ctx, "gone")
        conn = await within_asyncio(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
        killer = library.database.kill_later(server, name, KILL_AFTER_S)
        try:
            started = time.perf_counter()
            try:
                answer, error = await within_asyncio(KILL_AFTER_S + FAILURE_BOUND_S,
                                                     call(adapter.slow, conn, TIMED_S)), None
            except Exception as exc:
                answer, error = None, exc
            errors["gone"] = (error, answer, time.perf_counter() - started - KILL_AFTER_S)
        finally:
            killer.wait(OPERATION_BOUND_S)
            with contextlib.suppress(Exception):
                await within_asyncio(OPERATION_BOUND_S, call(adapter.close, conn))
    for what, (error, answer, elapsed) in errors.items():
        check_failure(ctx, what, error, answer, elapsed, FAILURE_BOUND_S)


# -- trio -----------------------------------------------------------------------------------------------


def trio_calls(ctx: Context, library: Library) -> tuple[Any, Callable[..., Any], int, str]:
    """As :func:`asyncio_calls`, for trio: an AnyIO library natively, a blocking one through
    ``trio.to_thread.run_sync``; an asyncio library has no path (no asyncio loop runs under trio)."""
    import asyncio

    import trio

    _, adapter, is_async = library.load(ctx)
    if library.twisted_native:
        _no_reactor(library)
    if is_async:
        if library.trio_native:
            ctx.notes["path"] = "native (the library's own API, on trio through AnyIO)"
            return adapter, lambda function, *args: function(*args), CONCURRENT, "a connection per operation"
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise NotImplementedError(f"{library.name} runs on an asyncio event loop, and none runs under "
                                      "trio (it would need a bridge such as trio-asyncio)") from None
    ctx.notes["path"] = "offloaded: trio.to_thread.run_sync"

    def call(function: Callable[..., Any], *args: Any) -> Any:
        return trio.to_thread.run_sync(function, *args)

    limiter = trio.to_thread.current_default_thread_limiter()
    return adapter, call, int(limiter.total_tokens), "trio.to_thread's default thread limiter"


async def slow_trio(ctx: Context, library: Library) -> None:
    from conformance.support.net import within_trio

    adapter, call, _, _ = trio_calls(ctx, library)
    server = library.server_of(ctx)
    conn = await within_trio(OPERATION_BOUND_S, call(adapter.connect, server, tag(ctx, "slow"), server.port))
    try:
        with ctx.measured():
            started = time.perf_counter()
            answer = await within_trio(OPERATION_BOUND_S, call(adapter.slow, conn, SLOW_S))
            elapsed = time.perf_counter() - started
    finally:
        await within_trio(OPERATION_BOUND_S, call(adapter.close, conn))
    check_slow(ctx, answer, elapsed)


async def concurrent_trio(ctx: Context, library: Library) -> None:
    import trio

    from conformance.support.net import within_trio

    adapter, call, pool_size, pool = trio_calls(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "concurrent")
    # Every connection first (see concurrent_sync), then the operations together.
    connections = [await within_trio(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
                   for _ in range(CONCURRENT)]
    answers: list[Any] = [None] * CONCURRENT

    async def one(index: int) -> None:
        try:
            answers[index] = await call(adapter.slow, connections[index], CONCURRENT_SLOW_S)
        except Exception as exc:
            answers[index] = exc

    try:
        with ctx.measured():
            started = time.perf_counter()
            with trio.fail_after(CONCURRENT_BOUND_S):
                async with trio.open_nursery() as nursery:
                    for index in range(CONCURRENT):
                        nursery.start_soon(one, index)
            elapsed = time.perf_counter() - started
    finally:
        for conn in connections:
            with contextlib.suppress(Exception):
                await within_trio(OPERATION_BOUND_S, call(adapter.close, conn))
    check_concurrent(ctx, answers, elapsed, pool_size, pool)


async def timeout_trio(ctx: Context, library: Library) -> None:
    import trio

    from conformance.support.net import within_trio

    adapter, call, _, _ = trio_calls(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "timeout")
    conn = await within_trio(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
    ctx.notes["timeout"] = f"trio.fail_after({TIMEOUT_AFTER_S:g}) around the call"
    outcome = TimedOut()
    try:
        with ctx.measured():
            started = time.perf_counter()
            try:
                outcome.answer = await within_trio(TIMEOUT_AFTER_S, call(adapter.slow, conn, TIMED_S))
            except Exception as exc:
                outcome.error = exc
            outcome.elapsed_s = time.perf_counter() - started
        with trio.fail_after(OPERATION_BOUND_S):
            outcome.server_ended_s = await trio.to_thread.run_sync(server_end, ctx, library, name)
        try:
            outcome.after = await within_trio(OPERATION_BOUND_S, call(adapter.simple, conn))
        except Exception as exc:
            outcome.after = exc
    finally:
        with contextlib.suppress(Exception):
            await within_trio(OPERATION_BOUND_S, call(adapter.close, conn))
    check_timeout(ctx, library, outcome, adapter.SIMPLE)


async def failures_trio(ctx: Context, library: Library) -> None:
    from conformance.support.net import within_trio

    adapter, call, _, _ = trio_calls(ctx, library)
    server = library.server_of(ctx)
    errors: dict[str, tuple[Exception | None, Any, float]] = {}
    with ctx.measured():
        with refused_port() as port:
            started = time.perf_counter()
            try:
                answer, error = await within_trio(
                    FAILURE_BOUND_S, call(adapter.connect, server, tag(ctx, "refused"), port)), None
            except Exception as exc:
                answer, error = None, exc
            errors["refused"] = (error, answer, time.perf_counter() - started)
        name = tag(ctx, "gone")
        conn = await within_trio(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
        killer = library.database.kill_later(server, name, KILL_AFTER_S)
        try:
            started = time.perf_counter()
            try:
                answer, error = await within_trio(KILL_AFTER_S + FAILURE_BOUND_S,
                                                  call(adapter.slow, conn, TIMED_S)), None
            except Exception as exc:
                answer, error = None, exc
            errors["gone"] = (error, answer, time.perf_counter() - started - KILL_AFTER_S)
        finally:
            killer.wait(OPERATION_BOUND_S)
            with contextlib.suppress(Exception):
                await within_trio(OPERATION_BOUND_S, call(adapter.close, conn))
    for what, (error, answer, elapsed) in errors.items():
        check_failure(ctx, what, error, answer, elapsed, FAILURE_BOUND_S)


# -- twisted --------------------------------------------------------------------------------------------


def twisted_calls(ctx: Context, library: Library) -> tuple[Any, Callable[..., Any], int, str]:
    """As :func:`asyncio_calls`, for Twisted: a blocking library through ``threads.deferToThread`` (the
    reactor's thread pool), an asyncio library through ``Deferred.fromFuture`` where the reactor runs on
    an asyncio loop (``asyncioreactor``); on another reactor it has no path."""
    import asyncio

    from twisted.internet import defer, reactor, threads

    _, adapter, is_async = library.load(ctx)
    if library.twisted_native:
        ctx.notes["path"] = "native (Twisted's own library, on the running reactor)"
        return adapter, lambda function, *args: defer.Deferred.fromCoroutine(function(*args)), CONCURRENT, \
            "a connection per operation"
    if is_async:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise NotImplementedError(f"{library.name} runs on an asyncio event loop, and this reactor "
                                      "runs none (Twisted's asyncioreactor would)") from None
        ctx.notes["path"] = "native on the asyncio reactor: the coroutine as an asyncio task, as a Deferred"

        def native(function: Callable[..., Any], *args: Any) -> Any:
            return _deferred_of_task(asyncio.ensure_future(function(*args)))

        return adapter, native, CONCURRENT, "a connection per operation"
    ctx.notes["path"] = "offloaded: threads.deferToThread"

    def call(function: Callable[..., Any], *args: Any) -> Any:
        return threads.deferToThread(function, *args)

    pool_size = int(reactor.getThreadPool().max)
    return adapter, call, pool_size, "the reactor's thread pool (reactor.getThreadPool().max)"


def _deferred_of_task(task: Any) -> Any:
    """An asyncio task as a Deferred (``Deferred.fromFuture``). Cancelled, that Deferred fails with
    asyncio's CancelledError, which ``addTimeout`` does not take for its own cancellation (it turns only
    Twisted's CancelledError into its TimeoutError): turned into Twisted's here, a bridge's detail and not
    the library's."""
    import asyncio

    from twisted.internet import defer
    from twisted.python.failure import Failure

    def twisted_cancelled(failure: Failure) -> Failure:
        failure.trap(asyncio.CancelledError)
        return Failure(defer.CancelledError())

    return defer.Deferred.fromFuture(task).addErrback(twisted_cancelled)


async def slow_twisted(ctx: Context, library: Library) -> None:
    from conformance.support.net import within_twisted

    adapter, call, _, _ = twisted_calls(ctx, library)
    server = library.server_of(ctx)
    conn = await within_twisted(OPERATION_BOUND_S,
                                call(adapter.connect, server, tag(ctx, "slow"), server.port))
    try:
        with ctx.measured():
            started = time.perf_counter()
            answer = await within_twisted(OPERATION_BOUND_S, call(adapter.slow, conn, SLOW_S))
            elapsed = time.perf_counter() - started
    finally:
        await within_twisted(OPERATION_BOUND_S, call(adapter.close, conn))
    check_slow(ctx, answer, elapsed)


async def concurrent_twisted(ctx: Context, library: Library) -> None:
    from twisted.internet import defer, reactor

    from conformance.support.net import within_twisted

    adapter, call, pool_size, pool = twisted_calls(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "concurrent")
    # Every connection first (see concurrent_sync), then the operations together.
    connections = [await within_twisted(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
                   for _ in range(CONCURRENT)]
    try:
        with ctx.measured():
            started = time.perf_counter()
            outcomes = await defer.DeferredList(
                [defer.maybeDeferred(call, adapter.slow, conn, CONCURRENT_SLOW_S)
                 for conn in connections],
                consumeErrors=True).addTimeout(CONCURRENT_BOUND_S, reactor)
            elapsed = time.perf_counter() - started
    finally:
        for conn in connections:
            with contextlib.suppress(Exception):
                await within_twisted(OPERATION_BOUND_S, call(adapter.close, conn))
    answers = [result if ok else result.value for ok, result in outcomes]
    check_concurrent(ctx, answers, elapsed, pool_size, pool)


async def timeout_twisted(ctx: Context, library: Library) -> None:
    from twisted.internet import threads

    from conformance.support.net import within_twisted

    adapter, call, _, _ = twisted_calls(ctx, library)
    server = library.server_of(ctx)
    name = tag(ctx, "timeout")
    conn = await within_twisted(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
    ctx.notes["timeout"] = f"Deferred.addTimeout({TIMEOUT_AFTER_S:g}) on the call"
    outcome = TimedOut()
    try:
        with ctx.measured():
            started = time.perf_counter()
            try:
                outcome.answer = await within_twisted(TIMEOUT_AFTER_S, call(adapter.slow, conn, TIMED_S))
            except Exception as exc:
                outcome.error = exc
            outcome.elapsed_s = time.perf_counter() - started
        outcome.server_ended_s = await within_twisted(
            OPERATION_BOUND_S, threads.deferToThread(server_end, ctx, library, name))
        try:
            outcome.after = await within_twisted(OPERATION_BOUND_S, call(adapter.simple, conn))
        except Exception as exc:
            outcome.after = exc
    finally:
        with contextlib.suppress(Exception):
            await within_twisted(OPERATION_BOUND_S, call(adapter.close, conn))
    check_timeout(ctx, library, outcome, adapter.SIMPLE)


async def failures_twisted(ctx: Context, library: Library) -> None:
    from conformance.support.net import within_twisted

    adapter, call, _, _ = twisted_calls(ctx, library)
    server = library.server_of(ctx)
    errors: dict[str, tuple[Exception | None, Any, float]] = {}
    with ctx.measured():
        with refused_port() as port:
            started = time.perf_counter()
            try:
                answer, error = await within_twisted(
                    FAILURE_BOUND_S, call(adapter.connect, server, tag(ctx, "refused"), port)), None
            except Exception as exc:
                answer, error = None, exc
            errors["refused"] = (error, answer, time.perf_counter() - started)
        name = tag(ctx, "gone")
        conn = await within_twisted(OPERATION_BOUND_S, call(adapter.connect, server, name, server.port))
        killer = library.database.kill_later(server, name, KILL_AFTER_S)
        try:
            started = time.perf_counter()
            try:
                answer, error = await within_twisted(KILL_AFTER_S + FAILURE_BOUND_S,
                                                     call(adapter.slow, conn, TIMED_S)), None
            except Exception as exc:
                answer, error = None, exc
            errors["gone"] = (error, answer, time.perf_counter() - started - KILL_AFTER_S)
        finally:
            killer.wait(OPERATION_BOUND_S)
            with contextlib.suppress(Exception):
                await within_twisted(OPERATION_BOUND_S, call(adapter.close, conn))
    for what, (error, answer, elapsed) in errors.items():
        check_failure(ctx, what, error, answer, elapsed, FAILURE_BOUND_S)


# -- the bodies of one operation, for a scenario module ---------------------------------------------------

OPERATIONS: dict[str, tuple[Callable[..., Any], ...]] = {
    "slow": (slow_sync, slow_asyncio, slow_trio, slow_twisted),
    "concurrent": (concurrent_sync, concurrent_asyncio, concurrent_trio, concurrent_twisted),
    "timeout": (timeout_sync, timeout_asyncio, timeout_trio, timeout_twisted),
    "failures": (failures_sync, failures_asyncio, failures_trio, failures_twisted),
}
