"""The control pipe's messages: a cell's child asks its parent for signals, one line of JSON each.

Shared by both ends so that what the child writes is exactly what the parent accepts: the child encodes
with :meth:`SignalRequest.to_line`, the parent decodes with :meth:`SignalRequest.from_line`, which
rejects a malformed request with a message that says what was wrong. The parent logs each signal it
sends (:func:`log_line`) and the child reads the log back (:func:`sent_times`), as the parent does to
judge a program (:func:`sent_signals`).
"""

from __future__ import annotations

import json
import signal as signal_module
from dataclasses import asdict, dataclass
from typing import Any

MAX_SIGNALS_PER_REQUEST = 1000


@dataclass(frozen=True)
class SignalRequest:
    """``count`` signals named ``signal``, the first after ``delay_s``, then one every ``interval_s``;
    to the child's whole process group where ``to_group`` (as a terminal sends Ctrl-C), else to it."""

    signal: str
    delay_s: float = 0.0
    count: int = 1
    interval_s: float = 0.0
    to_group: bool = False

    def __post_init__(self) -> None:
        if not self.signal.startswith(("SIG", "CTRL_")) or not hasattr(signal_module, self.signal):
            raise ValueError(f"unknown signal name {self.signal!r} (a name of the signal module, "
                             f"such as 'SIGTERM')")
        if not 1 <= self.count <= MAX_SIGNALS_PER_REQUEST:
            raise ValueError(f"count is {self.count}, must be 1..{MAX_SIGNALS_PER_REQUEST}")
        if self.delay_s < 0 or self.interval_s < 0:
            raise ValueError(f"delay_s ({self.delay_s}) and interval_s ({self.interval_s}) "
                             f"must not be negative")

    @property
    def signum(self) -> signal_module.Signals:
        return signal_module.Signals[self.signal]

    def to_line(self) -> bytes:
        return json.dumps(asdict(self)).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> SignalRequest:
        """The request on one line of the pipe; ValueError says what is wrong with a malformed one."""
        try:
            data: Any = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        unknown = set(data) - {"signal", "delay_s", "count", "interval_s", "to_group"}
        if unknown or "signal" not in data:
            raise ValueError(f"fields {sorted(data)}; a request has 'signal' and optionally "
                             f"'delay_s', 'count', 'interval_s', 'to_group'")
        if not isinstance(data.get("to_group", False), bool):
            raise ValueError(f"to_group is {data['to_group']!r}, not true or false")
        try:
            return cls(signal=str(data["signal"]), delay_s=float(data.get("delay_s", 0.0)),
                       count=int(data.get("count", 1)), interval_s=float(data.get("interval_s", 0.0)),
                       to_group=data.get("to_group", False))
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from None


def log_line(signum: signal_module.Signals, monotonic: float) -> str:
    """One line of the log of signals sent (the time is on the monotonic clock every process shares)."""
    return json.dumps({"signal": signum.name, "monotonic": monotonic}) + "\n"


def sent_signals(log_text: str) -> list[tuple[str, float]]:
    """The signals in a log of signals sent: (name, monotonic time) each."""
    return [(str(entry["signal"]), float(entry["monotonic"]))
            for entry in map(json.loads, filter(str.strip, log_text.splitlines()))]


def sent_times(log_text: str) -> list[float]:
    """The monotonic times in a log of signals sent."""
    return [monotonic for _, monotonic in sent_signals(log_text)]
