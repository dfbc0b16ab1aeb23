"""Shared by the bench area's database workloads (``<database>_<library>_queries.py``, one per library of
the libraries area): a library's quick query, back to back on ``CONNECTIONS`` connections, for a warm-up
and then a measured window; queries per second and the client's CPU time per query.

Each library runs under each style the way the libraries area runs it, through the same code
(``scenarios/libraries/_library.py``: :func:`sync_library`, :func:`asyncio_calls`, :func:`trio_calls`,
:func:`twisted_calls`): a blocking library called as is from a thread per connection under the sync style,
offloaded to the style's threads under an event loop (``asyncio.to_thread``, ``trio.to_thread.run_sync``,
``threads.deferToThread``), an async library natively; a library with no path under a style is
``unsupported`` there, one that is not installed ``unavailable``, with the reason, as in the libraries area.
The query is the adapter's ``simple`` (``SELECT 41 + 1``; for Redis a ``SET`` then a ``GET`` of 42), and
every answer is checked: a wrong answer or an error fails the cell, never makes a figure.

The figures, over the window:

- ``c10_queries_per_s``: the queries that ended inside the window, over its length;
- ``c10_cpu_per_query_us``: the CPU time of the client's process (``time.process_time``: user and system,
  every thread, as ``bench.thread_handoff`` measures it), over those queries. The database server's CPU is
  not counted: it is another process, on the other CPUs where CPUs are assigned.

The workers keep the window themselves (:class:`Tally`): its edges are fixed before the first query, each
worker starts queries until the window's end, and whichever worker first sees an edge reads the CPU clock.
No one else has to be woken on time, which matters where a library blocks its runtime's scheduler (a C
driver under gevent keeps one greenlet running until the window's end: the figure is then that one
connection's).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any

from conformance import Context, sibling_module

CONNECTIONS = 10  # the c10 of the figures' names
TIMEOUT_S = 60.0
# The workers' end after the window: a query that has not answered by then is a hang, not a slow query
# (a quick query takes well under a millisecond here; 10 s only stops a hang).
END_BOUND_S = 10.0

_LIBRARIES = Path(__file__).resolve().parent.parent / "libraries"


def libraries_module(name: str) -> ModuleType:
    """A helper module of the libraries area (``_library``, ``_postgresql``...), loaded by path as its own
    scenarios load it (:func:`conformance.sibling_module`): one module, shared by both areas."""
    return sibling_module(str(_LIBRARIES / f"{name}.py"), name)


_library = libraries_module("_library")


class Tally:
    """The measured window of one cell, kept by the workers: they call :meth:`more` before each query and
    :meth:`answered` after it, each with its own index (its count is then written by it alone)."""

    def __init__(self, ctx: Context, expected: Any) -> None:
        self.expected = expected
        self.duration_s = ctx.bench.duration_s
        self.window_start = time.perf_counter() + ctx.bench.warm_up_s
        self.window_end = self.window_start + self.duration_s
        self.counts = [0] * CONNECTIONS
        # The process's CPU time at the window's edges, read by the first worker to see each edge. Two
        # threads that see an edge at once both write it, a few microseconds apart: nothing to lock for.
        self.cpu_start: float | None = None
        self.cpu_end: float | None = None
        self.wrong: list[Any] = []

    def _edges(self, now: float) -> None:
        if self.cpu_start is None and now >= self.window_start:
            self.cpu_start = time.process_time()
        if self.cpu_end is None and now >= self.window_end:
            self.cpu_end = time.process_time()

    def more(self) -> bool:
        """Whether to start another query: until the window's end, and while no answer was wrong."""
        now = time.perf_counter()
        self._edges(now)
        return not self.wrong and now < self.window_end

    def answered(self, worker: int, answer: Any) -> None:
        """A query of ``worker`` ended with ``answer`` (the exception it raised, if it did)."""
        now = time.perf_counter()
        self._edges(now)
        if isinstance(answer, BaseException) or answer != self.expected:
            self.wrong.append(answer)
        elif self.window_start <= now < self.window_end:
            self.counts[worker] += 1

    def record(self, ctx: Context, stuck: int) -> None:
        """The verdict and the figures, once every worker has ended (``stuck``: how many have not, within
        ``END_BOUND_S`` of the window's end)."""
        lacking = [a for a in self.wrong if isinstance(a, NotImplementedError)]
        if lacking:  # the runtime lacks what the library needs: unsupported, as the libraries area says
            raise lacking[0]
        ctx.expect(not self.wrong, f"queries went wrong (expected {self.expected!r}): {len(self.wrong)}, "
                                   f"the first: {_said(self.wrong[0]) if self.wrong else None}")
        ctx.expect(not stuck, f"{stuck} of {CONNECTIONS} connections were still in a query {END_BOUND_S:g} s "
                              "after the window's end")
        queries = sum(self.counts)
        # A window that completed no query is a failure, not a rate of 0 (as an empty load window is).
        ctx.expect(queries > 0, f"no query ended inside the {self.duration_s:g} s window")
        if self.cpu_start is None or self.cpu_end is None:
            raise AssertionError("the workers ended without reading the CPU clock at both edges")
        ctx.measure("c10_queries_per_s", queries / self.duration_s)
        ctx.measure("c10_cpu_per_query_us", (self.cpu_end - self.cpu_start) / queries * 1e6)
        ctx.notes["queries"] = (f"{queries} in the window; per connection: "
                                f"{', '.join(str(c) for c in self.counts)}")


def _said(value: Any) -> str:
    if isinstance(value, BaseException):
        return f"{type(value).__module__}.{type(value).__qualname__}: {value}"[:300]
    return repr(value)[:300]


def _in_flight(ctx: Context, pool_size: int, pool: str) -> None:
    """Say how many of the connections' queries the style's path lets run at once: all of them, or what
    its pool holds (the loop's default executor: ``min(32, CPUs + 4)``). A runtime whose scheduler a
    library blocks runs fewer: the per-connection counts (``queries``) show it."""
    if pool_size >= CONNECTIONS:
        ctx.notes["in_flight"] = f"the path lets all {CONNECTIONS} connections' queries run at once ({pool})"
    else:
        ctx.notes["in_flight"] = (f"the path lets {pool_size} of the {CONNECTIONS} connections' queries run "
                                  f"at once ({pool}: {pool_size})")


# -- the bodies, one per style ---------------------------------------------------------------------------


def run_sync(ctx: Context, library: Any) -> None:
    adapter = _library.sync_library(ctx, library)
    server = library.server_of(ctx)
    name = _library.tag(ctx, "queries")
    connections: list[Any] = []
    try:
        for _ in range(CONNECTIONS):
            connections.append(adapter.connect(server, name, server.port))
        tally = Tally(ctx, adapter.SIMPLE)

        def worker(index: int) -> None:
            while tally.more():
                try:
                    answer = adapter.simple(connections[index])
                except Exception as exc:  # judged by the tally, as a wrong answer
                    answer = exc
                tally.answered(index, answer)

        threads = [threading.Thread(target=worker, args=(index,), daemon=True)
                   for index in range(CONNECTIONS)]
        _in_flight(ctx, CONNECTIONS, "a thread per connection")
        with ctx.measured():
            for thread in threads:
                thread.start()
            deadline = tally.window_end + END_BOUND_S
            for thread in threads:
                thread.join(max(0.0, deadline - time.perf_counter()))
    finally:
        for conn in connections:
            with contextlib.suppress(Exception):
                adapter.close(conn)
    tally.record(ctx, sum(thread.is_alive() for thread in threads))


async def _on_a_loop(ctx: Context, library: Any, calls: tuple[Any, Callable[..., Any], int, str],
                     within: Callable[..., Any], together: Callable[..., Awaitable[None]]) -> None:
    """The event-loop styles' body: ``calls`` is the style's path (``asyncio_calls``...: the adapter, how
    it is called, the path's pool), ``within`` the style's bound on one await (``within_asyncio``...), and
    ``together(worker, bound_s)`` runs ``worker(index)`` for every connection at once, the style's way,
    giving up after ``bound_s``. Only what is awaited belongs to the style: the coroutines here run on
    any of the three."""
    adapter, call, pool_size, pool = calls
    server = library.server_of(ctx)
    name = _library.tag(ctx, "queries")
    connections: list[Any] = []
    ended: list[int] = []
    try:
        for _ in range(CONNECTIONS):
            connections.append(await within(_library.OPERATION_BOUND_S,
                                             call(adapter.connect, server, name, server.port)))
        tally = Tally(ctx, adapter.SIMPLE)

        async def worker(index: int) -> None:
            while tally.more():
                try:
                    answer = await call(adapter.simple, connections[index])
                except Exception as exc:  # judged by the tally, as a wrong answer
                    answer = exc
                tally.answered(index, answer)
            ended.append(index)

        _in_flight(ctx, pool_size, pool)
        with ctx.measured():
            await together(worker, max(0.0, tally.window_end + END_BOUND_S - time.perf_counter()))
    finally:
        for conn in connections:
            with contextlib.suppress(Exception):
                await within(_library.OPERATION_BOUND_S, call(adapter.close, conn))
    tally.record(ctx, CONNECTIONS - len(ended))


async def run_asyncio(ctx: Context, library: Any) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    async def together(worker: Callable[[int], Awaitable[None]], bound_s: float) -> None:
        tasks = [asyncio.ensure_future(worker(index)) for index in range(CONNECTIONS)]
        await asyncio.wait(tasks, timeout=bound_s)
        for task in tasks:  # one still in a query after the bound: stuck, and said so
            task.cancel()

    await _on_a_loop(ctx, library, await _library.asyncio_calls(ctx, library), within_asyncio, together)


async def run_trio(ctx: Context, library: Any) -> None:
    import trio

    from conformance.support.net import within_trio

    async def together(worker: Callable[[int], Awaitable[None]], bound_s: float) -> None:
        with trio.move_on_after(bound_s):
            async with trio.open_nursery() as nursery:
                for index in range(CONNECTIONS):
                    nursery.start_soon(worker, index)

    await _on_a_loop(ctx, library, _library.trio_calls(ctx, library), within_trio, together)


async def run_twisted(ctx: Context, library: Any) -> None:
    from twisted.internet import defer, reactor

    from conformance.support.net import within_twisted

    async def together(worker: Callable[[int], Coroutine[Any, Any, None]], bound_s: float) -> None:
        with contextlib.suppress(defer.TimeoutError):
            workers = [defer.Deferred.fromCoroutine(worker(index)) for index in range(CONNECTIONS)]
            await defer.DeferredList(workers, consumeErrors=True).addTimeout(bound_s, reactor)

    await _on_a_loop(ctx, library, _library.twisted_calls(ctx, library), within_twisted, together)
