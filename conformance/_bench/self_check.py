"""``conformance bench --self-check``: does the bench harness change what it measures?

Each runtime's echo server of ``bench.tcp_echo`` runs two ways under the same client (the load generator,
its CPUs, its windows) on the 1 KiB x 10 load: inside the bench harness (a bench cell: the child, its
heartbeat and stall meter, the body polling the load generator) and as a minimal standalone process
(``conformance._child.standalone_server``: the same server code, set up the same way, and nothing else). Both
are measured in the same rounds, in alternating order, and compared round by round: requests per second
and the server's CPU time per request. A ratio near 1 says the harness costs the server nothing
measurable; this machine's noise decides what "near" is, so nothing here passes or fails on the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance._model.bench import BenchSettings, loadgen_command, median, pin
from conformance._model.outcomes import Outcome
from conformance._model.scenarios import Scenario
from conformance._os.processes import first_line
from conformance._parent.cells import CellRunner, child_environment
from conformance._runtimes import Runtime

LOAD = {"name": "1kib_c10", "mode": "echo", "size": 1024, "clients": 10}
FIGURES = ("req_per_s", "cpu_per_req_us")
PATHS = ("harness", "standalone")
START_TIMEOUT_S = 30.0
LOAD_TIMEOUT_S = 60.0


class PathFailed(Exception):
    """One path could not measure (the runtime is unavailable, the server did not start, the client
    failed): the reason goes into the table instead of figures."""

    def __init__(self, reason: str, *, unavailable: bool = False) -> None:
        super().__init__(reason)
        self.unavailable = unavailable  # a fact of this machine, not a failure of the check


@dataclass
class Comparison:
    """One runtime's figures by path, round by round (None: that round's figure is missing)."""

    runtime: str
    rounds: dict[str, list[dict[str, float]]] = field(
        default_factory=lambda: {path: [] for path in PATHS})
    failed: str = ""
    unavailable: bool = False

    def values(self, path: str, figure: str) -> list[float]:
        return [r[figure] for r in self.rounds[path] if figure in r]

    def paired(self, figure: str) -> list[float]:
        """harness / standalone, round by round (the rounds where both paths have the figure)."""
        return [h[figure] / s[figure] for h, s in zip(self.rounds["harness"], self.rounds["standalone"],
                                                     strict=False)
                if figure in h and figure in s and s[figure]]

    def to_json(self) -> dict[str, Any]:
        return {"runtime": self.runtime, "failed": self.failed, "unavailable": self.unavailable,
                "rounds": self.rounds,
                "paired": {f: self.paired(f) for f in FIGURES}}


def measure_in_harness(runner: CellRunner, scenario: Scenario, runtime: Runtime) -> dict[str, float]:
    cell = runner.run(scenario, runtime)
    if cell.outcome is not Outcome.PASS:
        raise PathFailed(f"the bench cell: {cell.outcome.value}: {cell.reason}",
                         unavailable=cell.outcome is Outcome.UNAVAILABLE)
    return {f: cell.measurements[f"{LOAD['name']}_{f}"] for f in FIGURES
            if f"{LOAD['name']}_{f}" in cell.measurements}


def measure_standalone(runtime: Runtime, settings: BenchSettings, folder: Path) -> dict[str, float]:
    errors_path = folder / f"standalone-{runtime.name}.stderr"
    with open(errors_path, "wb") as errors:
        # The environment a cell's child gets: a gevent configuration is its variables.
        server = subprocess.Popen(
            [sys.executable, "-m", "conformance._child.standalone_server", runtime.name],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
            env=child_environment(runtime))
    # Pinned at once, by its PID: its threads start long after, on the same CPU (as in a bench cell).
    pin(settings.server_cpus, server.pid)
    try:
        line = first_line(server, START_TIMEOUT_S).strip()
        if not line.isdigit():
            server.kill()
            server.wait()
            said = errors_path.read_text(errors="replace").strip()
            raise PathFailed(f"the standalone server did not start: {said[-300:] or 'no port printed'}")
        result = folder / f"standalone-{runtime.name}.json"
        done = subprocess.run(
            loadgen_command(LOAD, "127.0.0.1", int(line), warm_up_s=settings.warm_up_s,
                            duration_s=settings.duration_s, result=result,
                            native=settings.native_client, cpus=settings.client_cpus,
                            server_pid=server.pid, priming=settings.priming),
            capture_output=True, text=True, timeout=LOAD_TIMEOUT_S)
        if done.returncode != 0:
            raise PathFailed(f"the load generator: {done.stderr.strip()[-300:]}")
        figures: dict[str, float] = json.loads(result.read_text())
        return {f: figures[f] for f in FIGURES if f in figures}
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()


def run_self_check(scenario: Scenario, runtimes: Sequence[Runtime], settings: BenchSettings,
                   progress: Callable[[str], None] = lambda _: None) -> list[Comparison]:
    """``settings.repeats`` rounds; in each, every runtime's two paths, one after the other, the order
    turned round every other round (a machine that drifts within a round weighs on both alike)."""
    settings = replace(settings, only_loads=(str(LOAD["name"]),))
    runner = CellRunner(job_extra={"bench": settings.to_json()})
    comparisons = {r.name: Comparison(r.name) for r in runtimes}
    with tempfile.TemporaryDirectory(prefix="cf-self-check-") as folder:
        for number in range(settings.repeats):
            for runtime in runtimes:
                comparison = comparisons[runtime.name]
                if comparison.failed:
                    continue
                paths = PATHS if number % 2 == 0 else PATHS[::-1]
                try:
                    for path in paths:
                        progress(f"self-check round {number + 1} of {settings.repeats}: "
                                 f"{runtime.name}, {path}")
                        figures = (measure_in_harness(runner, scenario, runtime) if path == "harness"
                                   else measure_standalone(runtime, settings, Path(folder)))
                        comparison.rounds[path].append(figures)
                except PathFailed as exc:
                    comparison.failed = f"{path}: {exc}"
                    comparison.unavailable = exc.unavailable
    return list(comparisons.values())


def _figure(values: Sequence[float], digits: int) -> str:
    return f"{median(values):,.{digits}f}" if values else "-"


def _ratio(values: Sequence[float]) -> Text:
    if not values:
        return Text("-", "dim")
    text = Text(f"x{median(values):.2f}")
    if len(values) > 1:
        text.append(f" [{min(values):.2f}-{max(values):.2f}]", "dim")
    return text


def self_check_table(comparisons: Sequence[Comparison], settings: BenchSettings) -> Table:
    table = Table(title=f"Self-check: bench.tcp_echo {LOAD['name']}, in the harness and standalone "
                  f"({settings.repeats} rounds, {settings.warm_up_s:g} s warm-up, "
                  f"{settings.duration_s:g} s window"
                  f"{'' if settings.priming else ', fresh servers: no priming connection'}): medians, "
                  "and harness / standalone round by round \\[min-max]", title_justify="left")
    for column in ("runtime", "harness req/s", "standalone req/s", "req/s ratio",
                   "harness CPU µs/req", "standalone CPU µs/req", "CPU ratio"):
        table.add_column(column, justify="left" if column == "runtime" else "right", no_wrap=True)
    for c in comparisons:
        if c.failed:  # the reason goes below the table (cmd_self_check), not into a figure's column
            table.add_row(c.runtime, Text("unavailable" if c.unavailable else "failed",
                                          "dim" if c.unavailable else "red"), "", "", "", "", "")
            continue
        table.add_row(c.runtime,
                      _figure(c.values("harness", "req_per_s"), 0),
                      _figure(c.values("standalone", "req_per_s"), 0), _ratio(c.paired("req_per_s")),
                      _figure(c.values("harness", "cpu_per_req_us"), 2),
                      _figure(c.values("standalone", "cpu_per_req_us"), 2),
                      _ratio(c.paired("cpu_per_req_us")))
    return table


def cmd_self_check(scenario: Scenario, runtimes: Sequence[Runtime], settings: BenchSettings,
                   console: Console, output: Path | None) -> int:
    comparisons = run_self_check(scenario, runtimes, settings,
                                 lambda text: console.print(Text(text, "dim"), soft_wrap=True))
    console.print(self_check_table(comparisons, settings))
    for c in comparisons:
        if c.failed:
            console.print(Text(f"{c.runtime}: {c.failed}", "dim" if c.unavailable else "red"),
                          soft_wrap=True)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps({"load": LOAD, "settings": settings.to_json(),
                                      "comparisons": [c.to_json() for c in comparisons]}, indent=1),
                          encoding="utf-8")
        console.print(f"self-check document: {output}")
    # Unavailable runtimes are facts of this machine; any other failure of a path is a failure.
    broken = [c for c in comparisons if c.failed and not c.unavailable]
    return 1 if broken else 0
