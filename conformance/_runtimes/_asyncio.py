"""The asyncio style on the standard library's loop and on alternative loops (uvloop, winloop, rloop)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from conformance._child.heartbeat import WARM_UP_TICKS
from conformance._runtimes import Runtime, RuntimeUnavailable


def _loop_module(runtime: Runtime) -> Any:
    """The module of the runtime's loop (the registry's ``loop_module``), None for the standard
    library's."""
    name = runtime.loop_module
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
    # How the body ended, once it has: None (it returned) or what it raised.
    ended: list[BaseException | None] = []

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
        except BaseException as exc:
            ended.append(exc)
            raise
        else:
            ended.append(None)
        finally:
            beat.cancel()
            try:
                await beat
            except asyncio.CancelledError:
                pass

    try:
        _start_as_users_do(module, main())
    except KeyboardInterrupt:
        # Before 3.11, asyncio.run() (and uvloop.run(), which copies it) meets Ctrl-C wherever the loop
        # is, cancels the main task, runs it to its end, and raises KeyboardInterrupt to the program's
        # top level: after the body. What the body observed is the cell's verdict; the
        # KeyboardInterrupt is what a program's `except KeyboardInterrupt:` around the run would catch.
        # It replaces an exception the body raised meanwhile (asyncio.run() only logs it), so the
        # body's own ending is what counts here.
        if not ended:
            raise  # the body never got control back
        if ended[0] is not None:
            raise ended[0] from None
        ctx.notes["runner"] = ("asyncio.run() raised KeyboardInterrupt to the program's top level after "
                               "the body had finished")


def start(runtime: Runtime, main: Coroutine[Any, Any, None]) -> None:
    """A whole program's entry point on this runtime's loop (program cells): ``main`` run as its users
    start that loop, with whatever it raises coming out."""
    _start_as_users_do(_loop_module(runtime), main)


def _start_as_users_do(module: Any, main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` the way a program starts this loop on this Python (each loop's documentation).

    3.11+: ``asyncio.Runner`` with the loop's factory (what ``asyncio.run(loop_factory=...)`` and
    ``uvloop.run()`` do). Before 3.11: ``asyncio.run()`` for the standard loop; the loop's own ``run()``
    where it has one (``uvloop.run()``); else its event loop policy and ``asyncio.run()`` (rloop's
    README). Each of these cancels the remaining tasks when the main one ends, or when Ctrl-C ends it.
    """
    import asyncio

    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=None if module is None else module.new_event_loop) as runner:
            runner.run(main)
    elif module is None:
        asyncio.run(main)
    elif hasattr(module, "run"):
        module.run(main)
    else:
        asyncio.set_event_loop_policy(module.EventLoopPolicy())
        try:
            asyncio.run(main)
        finally:
            asyncio.set_event_loop_policy(None)
