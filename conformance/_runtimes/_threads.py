"""The reference runtime: blocking standard library code on real OS threads.

The sync style's heartbeat is a ``threading.Thread`` that sleeps with ``time.sleep``. Under gevent and
eventlet those names are patched, so the same heartbeat becomes a greenlet: that is the point of the sync
style, and why gevent and eventlet reuse :func:`run` (gevent starts it with ``gevent.spawn`` rather than
as a patched ``Thread``: see its family).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from conformance._child.heartbeat import WARM_UP_TICKS, StallMeter
from conformance._runtimes import Runtime


def setup(runtime: Runtime) -> str:
    return sys.version.split()[0]


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any,
        forward: Callable[[BaseException], None] | None = None,
        spawn: Callable[[Callable[[], None]], Any] | None = None) -> None:
    """Run the body in this (main) thread with a heartbeat thread beside it.

    ``forward``: where an exception raised *in the heartbeat* goes. With real threads that cannot
    happen (signal handlers run in the main thread), but under gevent and eventlet the heartbeat is a
    greenlet of the main thread, and Python runs a signal handler in whichever greenlet is current:
    a KeyboardInterrupt meant for the program would die with the heartbeat. The family passes a
    function that throws it into the body's greenlet instead, where blocking code would have seen it.

    ``spawn``: what starts the heartbeat (it returns something with ``join(timeout)``), where a
    ``threading.Thread`` is not the right vehicle: gevent starts a greenlet of its own (see its family).
    """
    import threading
    import time

    meter: StallMeter = ctx.stall_meter
    stop = threading.Event()

    def heartbeat() -> None:
        # The whole loop, its condition and its back edge included, is inside the ``try``: CPython runs
        # a pending signal handler at a call or a backward jump, and one that ran at ``stop.is_set()``
        # outside it once lost a SIGINT meant for the body. The outer loop turns only after forwarding.
        while True:
            try:
                while not stop.is_set():
                    time.sleep(meter.interval_s)
                    meter.tick()
                return
            except BaseException as exc:
                if forward is None:
                    raise
                forward(exc)

    if spawn is None:
        beat = threading.Thread(target=heartbeat, name="conformance-heartbeat", daemon=True)
        beat.start()
    else:
        beat = spawn(heartbeat)
    # The body starts once the heartbeat is beating: a body that blocks at once must still be seen.
    while meter.ticks < WARM_UP_TICKS:
        time.sleep(meter.interval_s)
    try:
        with ctx.whole_body_window():
            body(ctx)
    finally:
        stop.set()
        beat.join(5.0)
