"""The parent's end of signals from outside: deliver what the child asks for, as a terminal or a
supervisor would.

A thread reads the child's requests (``conformance._model.control``) from the control pipe, sleeps each
one's ``delay_s`` (so that the body is inside the wait it is about by then), notes the time on the shared
monotonic clock in the cell's log, and sends the signal to the child's pid (or, for a request
``to_group``, to its process group, which it leads: a terminal's Ctrl-C reaches every process of the
foreground group). A request it cannot honour
is kept in :attr:`SignalDeliverer.errors`, which the cell's verdict reports as a harness error.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from conformance._model.control import SignalRequest, log_line


class SignalDeliverer:
    """Reads requests from the child's control pipe and sends the signals."""

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
                    self._deliver(SignalRequest.from_line(line), log)
                except ProcessLookupError:
                    return  # the child has ended: nobody waits for the rest
                except (ValueError, OSError) as exc:
                    self.errors.append(f"signal request {line[:200]!r} not delivered: {exc}")

    def _deliver(self, request: SignalRequest, log: TextIO) -> None:
        assert self.pid is not None
        time.sleep(request.delay_s)
        for n in range(request.count):
            if n:
                time.sleep(request.interval_s)
            # Logged before it is sent: a body that has handled the signal must find it logged.
            log.write(log_line(request.signum, time.monotonic()))
            log.flush()
            if request.to_group and sys.platform != "win32":  # (no control pipe on Windows)
                os.killpg(self.pid, request.signum)
            else:
                os.kill(self.pid, request.signum)
