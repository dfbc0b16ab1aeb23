"""Shared by the ``run_asyncio`` bodies of the subprocess scenarios: a bound on a wait that runs in the
caller's own task, on every Python.

``asyncio.wait_for`` is not that before Python 3.12: it wraps a coroutine in a task of its own, so the
loop turns while the caller waits. A spawn that fails without ever suspending (a missing program) then
looks different on 3.10 and 3.11 (the loop has turned, and closed what the loop closes on a later turn)
than on 3.12 and later (it has not), which made a Python-version split out of one behaviour. This bound
uses ``asyncio.timeout`` where it exists (3.11+), and the same mechanism written out on 3.10 (a timer
that cancels the caller's task, its CancelledError turned into TimeoutError): no task is created, and
the awaitable runs exactly as if awaited directly.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """``await awaitable``, in this task, or ``TimeoutError`` (``asyncio.TimeoutError`` on 3.10) after
    ``seconds``."""
    import asyncio

    timeout = getattr(asyncio, "timeout", None)
    if timeout is not None:
        async with timeout(seconds):
            return await awaitable
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("within() is awaited from a task")
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if expired:
            raise asyncio.TimeoutError(f"no result within {seconds:g} s") from None
        raise
    finally:
        timer.cancel()
