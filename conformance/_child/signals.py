"""The child's end of signals from outside: ask the parent for a signal, read back when it was sent.

A body calls ``ctx.send_signal("SIGTERM", delay_s=0.1)`` once it is ready; the request travels on a pipe
the parent gave the child (``conformance._parent.signals`` delivers it), and ``ctx.signals_sent()``
reads the parent's log of sending times back, so the body can measure the latency to its handler.
"""

from __future__ import annotations

import os
from pathlib import Path

from conformance._model.control import SignalRequest, sent_times
from conformance._model.outcomes import Skipped


def request_signal(control_fd: int | None, name: str, delay_s: float, count: int,
                   interval_s: float, to_group: bool = False) -> None:
    """Ask the parent for ``count`` signals ``name`` (``ctx.send_signal``)."""
    if control_fd is None:
        raise Skipped("the suite cannot deliver signals from outside on this platform yet")
    request = SignalRequest(signal=name, delay_s=delay_s, count=count, interval_s=interval_s,
                            to_group=to_group)
    os.write(control_fd, request.to_line())


def read_signal_log(log_path: Path) -> list[float]:
    """The monotonic times at which the parent sent signals to this child so far."""
    try:
        return sent_times(log_path.read_text())
    except FileNotFoundError:
        return []
