"""The bench area: how fast each runtime does the same work, side by side, as ratios to ``threads``.

Bench scenarios live in ``scenarios/bench/`` and run only through ``conformance bench`` (never in a
conformance run, so a loaded machine cannot turn a conformance cell red). Each bench cell runs in
``repeats`` fresh child processes; each child does its own warm-up, measures once and reports figures
with ``ctx.measure``; the cell keeps every repeat's value (``samples``) and their median
(``measurements``). This module is imported by the child: standard library only.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_REPEATS = 5
# A bench child's heartbeat ticks this rarely: it only has to show the scheduler is alive, and a 5 ms
# timer would cost every runtime a little of the throughput being measured.
HEARTBEAT_INTERVAL_S = 0.02


@dataclass(frozen=True)
class BenchSettings:
    """What a bench body reads from ``ctx.bench``: how big and how long to make its work."""

    quick: bool = False
    repeats: int = DEFAULT_REPEATS
    # The compiled C client (conformance/_bench/loadgen.c), where one could be built; else the
    # load generator is the Python client of conformance._loadgen.
    native_client: str | None = None

    def scale(self, full: Any, quick: Any) -> Any:
        """``quick`` under ``--quick`` (a smoke test of every workload), else ``full``."""
        return quick if self.quick else full

    @property
    def warm_up_s(self) -> float:
        """How long a timed workload runs before its measured window."""
        return 0.1 if self.quick else 0.2

    @property
    def duration_s(self) -> float:
        """The measured window of a timed workload."""
        return 0.2 if self.quick else 0.4

    def load_command(self, load: Mapping[str, Any], host: str, port: int, result: Path) -> list[str]:
        """The load generator's command line for one load of a bench scenario's ``loads()`` (see
        :mod:`conformance._loadgen`), with this run's warm-up and window; its figures go to
        ``result`` as JSON."""
        from .._loadgen import command

        return command(dict(load), host, port, warm_up_s=self.warm_up_s, duration_s=self.duration_s,
                       result=result, native=self.native_client)

    def to_json(self) -> dict[str, Any]:
        return {"quick": self.quick, "repeats": self.repeats, "native_client": self.native_client}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BenchSettings:
        return cls(quick=bool(data.get("quick", False)),
                   repeats=int(data.get("repeats", DEFAULT_REPEATS)),
                   native_client=data.get("native_client"))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def spread(values: Sequence[float]) -> float:
    """(max - min) / median: how far apart the repeats of one figure are (0.1 = 10%)."""
    middle = median(values)
    return (max(values) - min(values)) / middle if middle else 0.0


def higher_is_better(figure: str) -> bool:
    """Rates (``_per_s``) are better higher; times, latencies and sizes (``_us``, ``_ms``, ``_s``,
    ``_kib``) are better lower. The unit is the figure name's suffix."""
    return figure.endswith("_per_s")


UNITS = {"_per_s": "/s", "_us": "µs", "_ms": "ms", "_kib": "KiB", "_s": "s"}


def unit_of(figure: str) -> str:
    for suffix, unit in UNITS.items():
        if figure.endswith(suffix):
            return unit
    return ""
