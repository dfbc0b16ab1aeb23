"""The engine's figures: per-cell overhead per runtime, an area's wall time, stability and stall noise.

    python benchmarks/engine.py                       # sockets area, 5 repeats, 2 jobs
    python benchmarks/engine.py -k "sockets" --repeats 5 --jobs 2 --overhead-samples 10

Prints:
- the overhead of one cell per runtime: the parent's wall time for a scenario whose body does nothing
  (child spawn, runtime set-up, scenario import, heartbeat start, result), median and range;
- for each repeat, the wall time of the selected cells run ``--jobs`` at a time;
- the cells whose outcome was not the same in every repeat (stability), and
- the scheduler stall noise: per runtime, the largest ``max_stall_ms`` among cells that passed, next to
  the smallest among cells that came out ``blocking`` — the margin the ``blocking`` verdict relies on.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.scenarios import (
    CONFORMANCE_AREAS,
    DEFAULT_STALL_LIMIT_MS,
    default_scenarios_dir,
    discover,
    select,
)
from conformance._parent.cells import CellRunner, run_cells
from conformance._parent.cli import results_table
from conformance._runtimes import RUNTIMES, availability

NOOP = '''
"""A body that does nothing: what remains is the engine's own cost."""
def run_sync(ctx): pass
async def run_asyncio(ctx): pass
async def run_trio(ctx): pass
'''


def overhead(console: Console, samples: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sockets" / "noop.py"
        path.parent.mkdir()
        path.write_text(textwrap.dedent(NOOP))
        scenario = discover(Path(folder))[0]
        runner = CellRunner()
        table = Table(title=f"Per-cell overhead (no-op body, {samples} cells each, one at a time)",
                      title_justify="left")
        for column in ("runtime", "median ms", "min ms", "max ms"):
            table.add_column(column, justify="right" if column != "runtime" else "left")
        for runtime in RUNTIMES.values():
            if not availability(runtime).available:
                continue
            times = []
            for _ in range(samples):
                started = time.perf_counter()
                cell = runner.run(scenario, runtime)
                times.append((time.perf_counter() - started) * 1000)
                assert cell.outcome is Outcome.PASS, cell
            table.add_row(runtime.name, f"{statistics.median(times):.0f}", f"{min(times):.0f}",
                          f"{max(times):.0f}")
        console.print(table)


def repeats(console: Console, keyword: str, count: int, jobs: int) -> None:
    root = default_scenarios_dir()
    scenarios = select(discover(root, CONFORMANCE_AREAS), keyword)
    expectations = Expectations.load(root / "expectations.toml")
    runtimes = list(RUNTIMES.values())
    pairs = [(s, r) for s in scenarios for r in runtimes]
    limits = {s.id: s.stall_limit_ms for s in scenarios}
    outcomes: dict[str, list[str]] = defaultdict(list)
    stalls_pass: dict[str, list[float]] = defaultdict(list)
    stalls_blocking: dict[str, list[float]] = defaultdict(list)
    last: list[Cell] = []
    for n in range(1, count + 1):
        cells: list[Cell] = []
        started = time.perf_counter()
        run_cells(CellRunner(expectations), pairs, jobs, cells.append)
        wall = time.perf_counter() - started
        console.print(f"repeat {n}: {len(cells)} cells of -k {keyword!r} with {jobs} jobs in {wall:.1f} s")
        for cell in cells:
            outcomes[cell.id].append(cell.outcome.value)
            # The margin is read against the default limit: scenarios that raise their own limit
            # (hundreds of tasks woken at once) are listed apart below.
            if cell.max_stall_ms is not None and limits[cell.scenario] == DEFAULT_STALL_LIMIT_MS:
                bucket = stalls_blocking if cell.outcome is Outcome.BLOCKING else stalls_pass
                if cell.outcome in (Outcome.PASS, Outcome.BLOCKING):
                    bucket[cell.runtime].append(cell.max_stall_ms)
        last = cells
    console.print(results_table(last, scenarios, runtimes))
    unstable = {cell: seen for cell, seen in outcomes.items() if len(set(seen)) > 1}
    if unstable:
        for cell, seen in sorted(unstable.items()):
            console.print(f"UNSTABLE {cell}: {' '.join(seen)}", style="red")
    else:
        console.print(f"stable: every one of {len(outcomes)} cells gave the same outcome in all "
                      f"{count} repeats")
    raised = {s: limit for s, limit in limits.items() if limit != DEFAULT_STALL_LIMIT_MS}
    table = Table(title=f"Scheduler stall (max_stall_ms over all repeats, scenarios with the default "
                        f"{DEFAULT_STALL_LIMIT_MS:g} ms limit; own limits: "
                        f"{', '.join(f'{s} {v:g} ms' for s, v in sorted(raised.items())) or 'none'})",
                  title_justify="left")
    for column in ("runtime", "pass cells: median", "pass cells: max", "blocking cells: min"):
        table.add_column(column)
    for runtime in runtimes:
        passed = stalls_pass.get(runtime.name, [])
        blocked = stalls_blocking.get(runtime.name, [])
        if not passed and not blocked:
            continue
        table.add_row(runtime.name,
                      f"{statistics.median(passed):.1f}" if passed else "-",
                      f"{max(passed):.1f}" if passed else "-",
                      f"{min(blocked):.1f}" if blocked else "-")
    console.print(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="keyword", default="sockets")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--overhead-samples", type=int, default=10)
    args = parser.parse_args()
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    if args.overhead_samples:
        overhead(console, args.overhead_samples)
    if args.repeats:
        repeats(console, args.keyword, args.repeats, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
