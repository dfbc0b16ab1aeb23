"""The bench area: how fast each runtime does the same work, side by side, as ratios to ``threads``.

Bench scenarios live in ``scenarios/bench/`` and run only through ``conformance bench`` (never in a
conformance run, so a loaded machine cannot turn a conformance cell red). Each bench cell runs in
``repeats`` fresh child processes; each child does its own warm-up, measures once and reports figures
with ``ctx.measure``; the cell keeps every repeat's value (``samples``) and their median
(``measurements``). This module is imported by the child: standard library only.
"""

from __future__ import annotations

import os
import statistics
import sys
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
    # The compiled C client (conformance/_helpers/loadgen.c), where one could be built; else the
    # load generator is the Python client of conformance._helpers.loadgen.
    native_client: str | None = None
    # Where CPUs can be assigned (Linux, 2 or more): the CPU the runtime under test runs on, and the
    # CPUs of its load generator, so the scheduler never puts both on one CPU in one repeat and apart
    # in the next (on a small machine that alone moved the figures by a quarter).
    server_cpus: tuple[int, ...] = ()
    client_cpus: tuple[int, ...] = ()
    # ``conformance bench --warm-up S --window S``: other windows than the defaults below.
    warm_up_override_s: float | None = None
    window_override_s: float | None = None
    # Run only these loads of a workload's ``loads()`` (by name; empty: all): the self-check's 1kib_c10.
    only_loads: tuple[str, ...] = ()
    # One closed connection before each load (conformance._helpers.loadgen.prime); ``--no-priming``
    # measures fresh servers as they are before their first connection closes.
    priming: bool = True

    def scale(self, full: Any, quick: Any) -> Any:
        """``quick`` under ``--quick`` (a smoke test of every workload), else ``full``."""
        return quick if self.quick else full

    def chosen(self, loads: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The loads of a workload this run measures."""
        return [load for load in loads if not self.only_loads or load["name"] in self.only_loads]

    @property
    def warm_up_s(self) -> float:
        """How long a timed workload runs before its measured window."""
        if self.warm_up_override_s is not None:
            return self.warm_up_override_s
        return 0.1 if self.quick else 0.2

    @property
    def duration_s(self) -> float:
        """The measured window of a timed workload."""
        if self.window_override_s is not None:
            return self.window_override_s
        return 0.2 if self.quick else 0.4

    def load_command(self, load: Mapping[str, Any], host: str, port: int, result: Path,
                     server_pid: int | None = None) -> list[str]:
        """The load generator's command line for one load of a bench scenario's ``loads()`` (see
        :mod:`conformance._helpers.loadgen`), with this run's warm-up and window; its figures go to
        ``result`` as JSON. ``server_pid``: the serving process (the bench child: ``os.getpid()``)."""
        return loadgen_command(dict(load), host, port, warm_up_s=self.warm_up_s,
                               duration_s=self.duration_s, result=result, native=self.native_client,
                               cpus=self.client_cpus, server_pid=server_pid, priming=self.priming)

    def to_json(self) -> dict[str, Any]:
        return {"quick": self.quick, "repeats": self.repeats, "native_client": self.native_client,
                "server_cpus": list(self.server_cpus), "client_cpus": list(self.client_cpus),
                "warm_up_override_s": self.warm_up_override_s,
                "window_override_s": self.window_override_s, "only_loads": list(self.only_loads),
                "priming": self.priming}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BenchSettings:
        return cls(quick=bool(data.get("quick", False)),
                   repeats=int(data.get("repeats", DEFAULT_REPEATS)),
                   native_client=data.get("native_client"),
                   server_cpus=tuple(data.get("server_cpus") or ()),
                   client_cpus=tuple(data.get("client_cpus") or ()),
                   warm_up_override_s=data.get("warm_up_override_s"),
                   window_override_s=data.get("window_override_s"),
                   only_loads=tuple(data.get("only_loads") or ()),
                   priming=bool(data.get("priming", True)))


def split_cpus() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(the runtime's CPU, the load generator's CPUs) where this OS can pin processes and has 2 or
    more CPUs for this process; else ((), ()): nothing is pinned."""


    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is None:
        return (), ()
    cpus = sorted(getaffinity(0))
    if len(cpus) < 2:
        return (), ()
    return (cpus[0],), tuple(cpus[1:])


def pin(cpus: Sequence[int], pid: int = 0) -> None:
    """Run process ``pid`` (0: this one, and the threads and children it starts later) on ``cpus``."""


    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(pid, set(cpus))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def spread(values: Sequence[float]) -> float:
    """(max - min) / median: how far apart the repeats of one figure are (0.1 = 10%)."""
    middle = median(values)
    return (max(values) - min(values)) / middle if middle else 0.0


def ratio(samples: Sequence[float], base_samples: Sequence[float]) -> float | None:
    """A figure as a multiple of the same figure of ``threads``: the median of the repeat-by-repeat
    ratios where the repeats ran in the same rounds (same count), so that a drift of the machine
    between rounds cancels out; else the ratio of the medians. None without a baseline."""
    if not samples or not base_samples:
        return None
    if len(samples) == len(base_samples) and all(base_samples):
        return median([value / base for value, base in zip(samples, base_samples, strict=True)])
    base = median(base_samples)
    return median(samples) / base if base else None


def ratio_range(samples: Sequence[float], base_samples: Sequence[float]) -> tuple[float, float] | None:
    """The lowest and highest round-by-round ratio (the headline's range: docs/bench.md), where the
    repeats ran in the same rounds; else None (a ratio of medians has no range)."""
    if len(samples) < 2 or len(samples) != len(base_samples) or not all(base_samples):
        return None
    ratios = [value / base for value, base in zip(samples, base_samples, strict=True)]
    return min(ratios), max(ratios)


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


def default_processes(clients: int) -> int:
    """Client processes for ``clients`` connections: half the CPUs (the server under test needs the
    rest), at least one, never more than the connections."""
    return max(1, min(clients, (os.cpu_count() or 2) // 2))


def loadgen_command(load: dict[str, Any], host: str, port: int, *, warm_up_s: float, duration_s: float,
                    result: Path, native: str | None = None, cpus: Sequence[int] = (),
                    server_pid: int | None = None, priming: bool = True) -> list[str]:
    """The command line that runs one load of a bench scenario's ``loads()`` against ``host:port``:
    the load generator is a helper process (``conformance._helpers.loadgen``), started by the bench body.

    ``load``: ``{"name": "1kib_c10", "mode": "echo", "accept" or "rate", "size": bytes, "clients": n}``,
    and ``"rate"`` (messages/s in all) for ``rate``.
    ``server_pid``: the server's process, for its CPU time per request.
    """
    processes = max(1, min(load["clients"], len(cpus))) if cpus else default_processes(load["clients"])
    return [sys.executable, "-m", "conformance._helpers.loadgen", load["mode"], "--host", host,
            "--port", str(port), "--size", str(load["size"]), "--clients", str(load["clients"]),
            "--processes", str(processes), "--warm-up", repr(warm_up_s),
            "--duration", repr(duration_s), "--result", str(result),
            *(["--native", native] if native else []),
            *(["--cpus", ",".join(map(str, cpus))] if cpus else []),
            *(["--server-pid", str(server_pid)] if server_pid is not None else []),
            *(["--rate", repr(float(load["rate"]))] if load.get("rate") else []),
            *([] if priming else ["--no-priming"])]
