"""The reference runtime: blocking standard library code on real OS threads.

The sync style's heartbeat is a ``threading.Thread`` that sleeps with ``time.sleep``. Under gevent and
eventlet those names are patched, so the same heartbeat becomes a greenlet: that is the point of the sync
style, and why gevent and eventlet reuse :func:`run`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .._heartbeat import WARM_UP_TICKS, StallMeter
from . import Runtime


def setup(runtime: Runtime) -> str:
    return sys.version.split()[0]


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
    import threading
    import time

    meter: StallMeter = ctx.stall_meter
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.is_set():
            time.sleep(meter.interval_s)
            meter.tick()

    beat = threading.Thread(target=heartbeat, name="conformance-heartbeat", daemon=True)
    beat.start()
    # The body starts once the heartbeat is beating: a body that blocks at once must still be seen.
    while meter.ticks < WARM_UP_TICKS:
        time.sleep(meter.interval_s)
    try:
        with ctx.whole_body_window():
            body(ctx)
    finally:
        stop.set()
        beat.join(5.0)
