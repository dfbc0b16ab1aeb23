"""Shared by the sync bodies of dns.lookup_storm and dns.concurrent_slow_lookups: threads that do the
lookups, started together and joined within one bound."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import threading


def start_and_join(threads: Sequence[threading.Thread], timeout_s: float) -> float:
    """Start every thread, then join them all within ``timeout_s`` in total (a thread still running
    then is left running: the caller checks ``is_alive()``). Returns the seconds from the first start
    to the end of the last join."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    deadline = started + timeout_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    return time.perf_counter() - started
