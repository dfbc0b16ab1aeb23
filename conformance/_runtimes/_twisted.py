"""Twisted: ``async def`` bodies driven by ``Deferred.fromCoroutine`` on a Twisted reactor.

``twisted`` installs the platform's default reactor (epoll on Linux, poll on macOS, select on Windows);
``twisted-asyncio`` installs ``AsyncioSelectorReactor`` on a standard-library event loop. A body awaits
Deferreds and uses Twisted's own APIs (endpoints and protocols, ``reactor.spawnProcess``,
``reactor.resolve``, ``deferToThread``). The heartbeat is a ``LoopingCall`` on the same reactor. The
reactor runs with its own signal handling installed, as ``reactor.run()`` does in a Twisted program:
SIGINT and SIGTERM stop the reactor rather than raise in the body.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from typing import Any

from conformance._child.heartbeat import WARM_UP_TICKS
from conformance._runtimes import Runtime, RuntimeUnavailable


class ReactorStopped(Exception):
    """The reactor stopped (a signal through Twisted's handlers, or reactor.stop()) before the body
    finished: the body's remaining work never ran."""


def setup(runtime: Runtime) -> str:
    try:
        import twisted
    except ImportError as exc:
        raise RuntimeUnavailable(f"twisted cannot be imported: {exc}; {runtime.install_hint}") from exc
    # The reactor is chosen once per process, before anything imports twisted.internet.reactor.
    if runtime.reactor == "asyncio":
        import asyncio

        from twisted.internet import asyncioreactor

        # AsyncioSelectorReactor needs a selector loop: on Windows the default loop is the proactor.
        loop = asyncio.SelectorEventLoop() if sys.platform == "win32" else asyncio.new_event_loop()
        asyncioreactor.install(loop)  # type: ignore[no-untyped-call]
    else:
        from twisted.internet import default

        default.install()
    return str(twisted.__version__)


def run(runtime: Runtime, body: Callable[..., Coroutine[Any, Any, None]], ctx: Any) -> None:
    from twisted.internet import defer, task
    from twisted.internet import reactor as installed_reactor
    from twisted.internet.error import ReactorNotRunning
    from twisted.python.failure import Failure

    reactor: Any = installed_reactor  # typed as a module; it is the reactor setup() installed
    meter = ctx.stall_meter
    finished: list[Failure | None] = []

    async def main() -> None:
        beat = task.LoopingCall(meter.tick)
        beat.start(meter.interval_s, now=False)
        try:
            while meter.ticks < WARM_UP_TICKS:  # the body starts once the heartbeat is beating
                await task.deferLater(reactor, meter.interval_s)
            with ctx.whole_body_window():
                await body(ctx)
        finally:
            beat.stop()

    def start() -> None:
        def done(result: object) -> None:
            finished.append(result if isinstance(result, Failure) else None)
            try:
                reactor.stop()
            except ReactorNotRunning:
                pass  # already stopping: a signal reached Twisted's handler while the body ran on

        defer.Deferred.fromCoroutine(main()).addBoth(done)

    reactor.callWhenRunning(start)
    reactor.run()  # with the reactor's own signal handlers, as in a Twisted program
    if not finished:
        import signal

        number = getattr(reactor, "_exitSignal", None)
        how = (f"signal {signal.Signals(number).name} reached Twisted's handler, which stops the reactor"
               if number else "reactor.stop() was called")
        raise ReactorStopped(f"the reactor stopped before the body finished: {how}")
    failure = finished[0]
    if failure is not None:
        failure.raiseException()
