"""The size of asyncio's default executor, as ``concurrent.futures`` computes it: what a body compares a
count of work running at once with, when that work runs in ``loop.run_in_executor(None, ...)`` (asyncio's
``getaddrinfo``, ``asyncio.to_thread``)."""

from __future__ import annotations

import os


def cpu_count() -> int:
    """The CPU count ``ThreadPoolExecutor`` sizes its default pool by (``process_cpu_count`` from 3.13)."""
    count = getattr(os, "process_cpu_count", os.cpu_count)()
    return int(count or 1)


def default_executor_size() -> int:
    """``ThreadPoolExecutor``'s documented default size, ``min(32, cpus + 4)``."""
    return min(32, cpu_count() + 4)
