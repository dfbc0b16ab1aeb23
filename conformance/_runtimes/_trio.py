"""trio: structured concurrency with its own I/O and scheduling."""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from typing import Any

from conformance._child.heartbeat import WARM_UP_TICKS
from conformance._runtimes import Runtime, RuntimeUnavailable

if sys.version_info < (3, 11):  # trio depends on the backport there
    from exceptiongroup import BaseExceptionGroup


def setup(runtime: Runtime) -> str:
    try:
        import trio
    except ImportError as exc:
        raise RuntimeUnavailable(f"trio cannot be imported: {exc}; {runtime.install_hint}") from exc
    return str(trio.__version__)


def run(runtime: Runtime, body: Callable[..., Coroutine[Any, Any, None]], ctx: Any) -> None:
    import trio

    meter = ctx.stall_meter
    failure: list[BaseException] = []

    # Protected from KeyboardInterrupt, so that trio delivers a SIGINT to the body's task and not to
    # the heartbeat when the heartbeat happens to be running.
    @trio.lowlevel.enable_ki_protection
    async def heartbeat() -> None:
        while True:
            await trio.sleep(meter.interval_s)
            meter.tick()

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(heartbeat)
            while meter.ticks < WARM_UP_TICKS:  # the body starts once the heartbeat is beating
                await trio.sleep(meter.interval_s)
            try:
                with ctx.whole_body_window():
                    await body(ctx)
            except BaseException as exc:
                # Raised inside the nursery it would come out wrapped in an ExceptionGroup; the body's
                # own exception is what the verdict is about.
                failure.append(exc)
            nursery.cancel_scope.cancel()

    trio.run(main)
    if failure:
        raise _single(failure[0])


def _single(exc: BaseException) -> BaseException:
    """The one exception inside (nested) exception groups of one member each, or ``exc`` itself.

    A check that fails in a child task of a body's nursery arrives wrapped in an ExceptionGroup
    (trio's strict groups); the verdict is about the check, not the wrapping.
    """
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc
