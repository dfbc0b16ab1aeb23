"""trio: structured concurrency with its own I/O and scheduling."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from . import Runtime, RuntimeUnavailable


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

    async def heartbeat() -> None:
        while True:
            await trio.sleep(meter.interval_s)
            meter.tick()

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(heartbeat)
            await trio.sleep(meter.interval_s * 2)
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
        raise failure[0]
