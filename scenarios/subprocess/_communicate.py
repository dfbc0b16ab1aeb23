"""The asyncio bodies' bounded ``communicate()``: shared by the subprocess scenarios whose asyncio body
spawns a child with ``asyncio.create_subprocess_exec`` and reads its output to the end.

Only the standard library at the top, and not asyncio: it is imported inside the function, at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio


async def asyncio_communicate(proc: asyncio.subprocess.Process, timeout_s: float) -> tuple[Any, Any]:
    """``proc.communicate()``, bounded by ``timeout_s``: the child's stdout and stderr (each None where
    it is not a pipe). A child that has not exited when it returns or fails (the wait gave up) is
    killed."""
    import asyncio

    try:
        return await asyncio.wait_for(proc.communicate(), timeout_s)
    finally:
        if proc.returncode is None:
            proc.kill()
