"""The asyncio style on the standard library's loop and on alternative loops (uvloop, winloop, rloop)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from .._heartbeat import WARM_UP_TICKS
from . import Runtime, RuntimeUnavailable

# Which module provides the loop of each runtime of this family (None: the standard library's).
LOOP_MODULES = {"asyncio": None, "uvloop": "uvloop", "winloop": "winloop", "rloop": "rloop"}


def _loop_module(runtime: Runtime) -> Any:
    name = LOOP_MODULES[runtime.name]
    if name is None:
        return None
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise RuntimeUnavailable(
            f"{name} cannot be imported: {exc}; {runtime.install_hint}") from exc


def setup(runtime: Runtime) -> str:
    module = _loop_module(runtime)
    if module is None:
        return sys.version.split()[0]
    from importlib import metadata

    return str(getattr(module, "__version__", None) or metadata.version(runtime.distribution or ""))


def run(runtime: Runtime, body: Callable[..., Coroutine[Any, Any, None]], ctx: Any) -> None:
    import asyncio

    module = _loop_module(runtime)
    meter = ctx.stall_meter

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(meter.interval_s)
            meter.tick()

    async def main() -> None:
        beat = asyncio.create_task(heartbeat())
        while meter.ticks < WARM_UP_TICKS:  # the body starts once the heartbeat is beating
            await asyncio.sleep(meter.interval_s)
        try:
            with ctx.whole_body_window():
                await body(ctx)
        finally:
            beat.cancel()
            try:
                await beat
            except asyncio.CancelledError:
                pass

    loop_factory = None if module is None else module.new_event_loop
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(main())
    elif loop_factory is None:
        asyncio.run(main())
    else:
        loop = loop_factory()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
