"""The stall meter: turns the ticks of a heartbeat task into the largest scheduler stall.

The heartbeat itself is a task of the runtime's own kind (a thread, a greenlet, an asyncio task, a trio
task) that sleeps ``INTERVAL_S`` and calls :meth:`StallMeter.tick`; the meter only does arithmetic, so it
is the same for every runtime. A stall is the time between two ticks beyond the interval. Only time
inside an open window counts. There are two windows: ``body`` (the whole body, opened by the runner) and
``measured`` (the blocks a body marks with ``ctx.measured()``). A body that marks blocks is judged on
them alone, so its set-up (writing a file, generating data) is not charged.
"""

from __future__ import annotations

import time
from collections.abc import Callable

INTERVAL_S = 0.005
# Ticks the heartbeat takes before the body starts, so that a body that blocks at once is measured.
WARM_UP_TICKS = 2
WINDOWS = ("body", "measured")


class StallMeter:
    def __init__(self, interval_s: float = INTERVAL_S,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last_tick = clock()
        self._window_start: dict[str, float | None] = dict.fromkeys(WINDOWS)
        self._max_stall_s: dict[str, float] = dict.fromkeys(WINDOWS, 0.0)
        self.opened: dict[str, int] = dict.fromkeys(WINDOWS, 0)
        self.ticks = 0

    def tick(self) -> None:
        now = self._clock()
        for window in WINDOWS:
            self._observe(window, now)
        self._last_tick = now
        self.ticks += 1

    def open(self, window: str) -> None:
        self._window_start[window] = self._clock()
        self.opened[window] += 1

    def close(self, window: str) -> None:
        # The stall still going on when the window closes (a blocking call just returned and the
        # heartbeat has not run since) is observed here, or it would be missed.
        self._observe(window, self._clock())
        self._window_start[window] = None

    def max_stall_ms(self) -> float:
        """The largest stall of the measured blocks if the body marked any, else of the whole body."""
        window = "measured" if self.opened["measured"] else "body"
        return round(self._max_stall_s[window] * 1000.0, 3)

    def _observe(self, window: str, now: float) -> None:
        start = self._window_start[window]
        if start is None:
            return
        stall = now - max(self._last_tick, start) - self.interval_s
        if stall > self._max_stall_s[window]:
            self._max_stall_s[window] = stall
