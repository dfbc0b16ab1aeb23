"""Signals from outside: the child asks, the parent delivers, as a terminal or a supervisor would.

A body calls ``ctx.send_signal("SIGTERM", delay_s=0.1)`` once it is ready; the request travels on a pipe
the parent gave the child, and a thread of the parent sleeps ``delay_s`` (so the body is inside the wait
it is about by then), notes the time on the shared monotonic clock, and sends the signal to the child's
pid. ``ctx.signals_sent()`` reads those times back, so the body can measure the latency to its handler.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

MAX_SIGNALS_PER_REQUEST = 1000


class SignalDeliverer:
    """The parent's side: reads requests from the child's control pipe and sends the signals."""

    def __init__(self, read_fd: int, log_path: Path) -> None:
        self._read_fd = read_fd
        self._log_path = log_path
        self.pid: int | None = None
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._serve, name="signal-deliverer", daemon=True)

    def start(self, pid: int) -> None:
        self.pid = pid
        self._thread.start()

    def join(self, timeout_s: float = 5.0) -> None:
        self._thread.join(timeout_s)

    def _serve(self) -> None:
        with os.fdopen(self._read_fd, "rb") as requests, open(self._log_path, "a") as log:
            for line in requests:  # ends at EOF: the child and every holder of the pipe are gone
                try:
                    self._deliver(json.loads(line), log)
                except (ValueError, KeyError, TypeError, OSError) as exc:
                    self.errors.append(f"bad signal request {line[:200]!r}: {exc}")

    def _deliver(self, request: dict[str, Any], log: Any) -> None:
        signum = signal.Signals[request["signal"]]
        count = int(request.get("count", 1))
        if not 1 <= count <= MAX_SIGNALS_PER_REQUEST:
            raise ValueError(f"count must be 1..{MAX_SIGNALS_PER_REQUEST}")
        time.sleep(float(request.get("delay_s", 0.0)))
        for n in range(count):
            if n:
                time.sleep(float(request.get("interval_s", 0.0)))
            assert self.pid is not None
            sent_at = time.monotonic()
            # Logged before it is sent: a body that has handled the signal must find it logged.
            log.write(json.dumps({"signal": signum.name, "monotonic": sent_at}) + "\n")
            log.flush()
            os.kill(self.pid, signum)


def request_signal(control_fd: int | None, name: str, delay_s: float, count: int,
                   interval_s: float) -> None:
    """The child's side (``ctx.send_signal``)."""
    if control_fd is None:
        from ._outcomes import Skipped

        raise Skipped("the suite cannot deliver signals from outside on this platform yet")
    if not hasattr(signal, name) or not name.startswith(("SIG", "CTRL_")):
        raise ValueError(f"unknown signal name {name!r}")
    line = json.dumps({"signal": name, "delay_s": delay_s, "count": count, "interval_s": interval_s})
    os.write(control_fd, line.encode() + b"\n")


def read_signal_log(log_path: Path) -> list[float]:
    """The monotonic times at which the parent sent signals to this child so far."""
    try:
        lines = log_path.read_text().splitlines()
    except FileNotFoundError:
        return []
    return [float(json.loads(line)["monotonic"]) for line in lines if line.strip()]
