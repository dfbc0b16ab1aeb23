"""Every scenario can fail, for every style: each (scenario, style) of the conformance areas turns non-pass
under at least one deliberately broken runtime of that style (tests/sabotage/conformance_sabotage).

A green cell that could never turn red proves nothing. The broken runtimes come in through the same
entry point a third-party runtime uses: the test installs their distribution into a folder it puts on
PYTHONPATH, and runs the cells through the engine in a process of its own, one area per test (so that
``pytest -n`` spreads the areas over its workers), two cells at a time. Each
sabotage runs only the scenarios it names as the ones it breaks. A pair that no sabotage names fails the
test (a new scenario, or a new body: give it a sabotage that a real runtime could plausibly have, or
redesign it); so does a sabotage that does not break a scenario it names. A pair whose style's reference
runtime does not pass it here (an expectation says so) has nothing to break, and is not run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.scenarios import CONFORMANCE_AREAS, Scenario, default_scenarios_dir, discover
from conformance._parent.run_info import marker_environment
from conformance._runtimes import RUNTIMES

if TYPE_CHECKING:  # pytest puts tests/ on sys.path; mypy names the folder from the project's root
    from tests.sabotage import RUN_CELLS, environment_with, install_sabotage
    from tests.sabotage.conformance_sabotage import BASES, SABOTAGES, Sabotage
else:
    from sabotage import RUN_CELLS, environment_with, install_sabotage
    from sabotage.conformance_sabotage import BASES, SABOTAGES, Sabotage

pytestmark = pytest.mark.skipif(
    sys.platform != "linux",
    reason="the sabotages are written for Linux (a POSIX shell, SO_LINGER resets, libc through ctypes, the "
           "isolated resolver the dns scenarios need): every body is proven able to fail there")

JOBS = 2
# Below pytest-timeout's 300 s: past it the run is interrupted and the test names the cells that did
# not finish. The aim is far lower: .ci/run gives this test and tests/test_reproducers.py 3 minutes.
BUDGET_S = 240
INTERRUPTED_S = 45
# What a broken runtime must turn a cell into: an outcome of a cell that ran and did not pass, except
# the harness's own errors (they show the sabotage broke the harness, not that the scenario can fail)
# and `unsupported` (no sabotage takes an API away: an unsupported cell is the body's own verdict).
NOT_PASSING = {Outcome.FAIL, Outcome.BLOCKING, Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASH}
# Cells that did not run: they show nothing either way.
NOT_RUN = {Outcome.NOT_APPLICABLE, Outcome.UNAVAILABLE, Outcome.SKIPPED}


@dataclass
class Plan:
    """Which cells to run: every (scenario, style) with the sabotages meant to break it."""

    scenarios: dict[str, Scenario]
    # (scenario id, style) -> the sabotages meant to break it
    meant: dict[tuple[str, str], list[Sabotage]] = field(default_factory=dict)
    # (scenario id, style) -> why it is not run here
    not_run: dict[tuple[str, str], str] = field(default_factory=dict)
    # (scenario id, style) pairs no sabotage is meant to break: run under every sabotage of the style,
    # so that the failure can say which one would
    unmapped: list[tuple[str, str]] = field(default_factory=list)

    def cells(self) -> list[tuple[str, str]]:
        """(scenario id, runtime name) to run."""
        cells = [(scenario, sabotage.name) for (scenario, _), sabotages in self.meant.items()
                 for sabotage in sabotages]
        cells += [(scenario, sabotage.name) for scenario, style in self.unmapped
                  for sabotage in SABOTAGES if sabotage.style == style]
        return cells


def make_plan(areas: tuple[str, ...] = CONFORMANCE_AREAS, prefix: str = "") -> Plan:
    """The plan for the scenarios of ``areas`` whose ids start with ``prefix`` (all of them by default)."""
    everything = {s.id: s for s in discover(default_scenarios_dir(), CONFORMANCE_AREAS)}
    expectations = Expectations.load(default_scenarios_dir() / "expectations.toml", list(everything),
                                     list(RUNTIMES))
    scenarios = {name: s for name, s in everything.items() if s.area in areas and name.startswith(prefix)}
    environment = marker_environment()
    plan = Plan(scenarios)
    for scenario in scenarios.values():
        for style in scenario.styles:
            pair = (scenario.id, style)
            reason = scenario.not_applicable_reason(sys.platform)
            expected = expectations.match(scenario.id, BASES[style], environment)
            if reason:
                plan.not_run[pair] = f"not applicable here: {reason}"
            elif expected is not None:
                plan.not_run[pair] = (f"its reference runtime {BASES[style]} is expected to give "
                                      f"{expected.outcome.value} here ({expected.reason[:120]}...)")
            elif meant := [s for s in SABOTAGES if s.style == style and scenario.id in s.breaks]:
                plan.meant[pair] = meant
            else:
                plan.unmapped.append(pair)
    return plan


def run_sabotages(plan: Plan, folder: Path) -> dict[tuple[str, str], Cell]:
    """Run the plan's cells; (scenario id, runtime name) -> the cell."""
    site = install_sabotage(folder / "site")
    wanted = plan.cells()
    (folder / "cells.json").write_text(json.dumps(
        [[str(plan.scenarios[scenario].path), runtime] for scenario, runtime in wanted]), encoding="utf-8")
    results = folder / "results.jsonl"
    process = subprocess.Popen([sys.executable, str(RUN_CELLS), str(folder / "cells.json"), str(results),
                                str(JOBS)], env=environment_with(site), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=BUDGET_S)
        late = False
    except subprocess.TimeoutExpired:
        # Ctrl-C: run_cells drops the cells not started and reports the running ones, whose children
        # and peers the engine stops as on any interrupted run.
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=INTERRUPTED_S)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        late = True
    found = [Cell.from_json(json.loads(line))
             for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    cells = {(c.scenario, c.runtime): c for c in found}
    if late:
        missing = [f"{scenario}[{runtime}]" for scenario, runtime in wanted
                   if (scenario, runtime) not in cells]
        slowest = ", ".join(f"{c.id} {c.duration_s:.1f} s"
                            for c in sorted(found, key=lambda c: -c.duration_s)[:10])
        pytest.fail(f"the {len(wanted)} sabotage cells took over {BUDGET_S} s: {len(missing)} did not "
                    f"finish ({', '.join(missing[:20])}{', ...' if len(missing) > 20 else ''}); the "
                    f"slowest of those that did: {slowest}", pytrace=False)
    assert process.returncode == 0, f"run_cells.py failed:\n{output}"
    return cells


def _broke(cell: Cell | None) -> bool:
    return cell is not None and cell.outcome in NOT_PASSING and not cell.harness_error


def _ran(cell: Cell | None) -> bool:
    return cell is not None and cell.outcome not in NOT_RUN


def _describe(cell: Cell | None) -> str:
    if cell is None:
        return "no result"
    return f"{cell.outcome.value}" + (f": {cell.reason[:200]}" if cell.reason else "")


def test_the_sabotages_name_scenarios_that_exist() -> None:
    known = {s.id for s in discover(default_scenarios_dir(), CONFORMANCE_AREAS)}
    stale = [f"{sabotage.name}: {scenario}" for sabotage in SABOTAGES for scenario in sabotage.breaks
             if scenario not in known]
    assert not stale, f"sabotages name scenarios that do not exist: {stale}"


# One test per area, and per database for the libraries area (not per scenario: each test starts the engine
# once, in a process of its own), so that a parallel run spreads them over its workers.
PARTS = [(area, f"{area}.") for area in CONFORMANCE_AREAS if area != "libraries"] + [
    ("libraries", f"libraries.{database}_") for database in ("postgresql", "mariadb", "redis", "http")]


def test_the_parts_cover_every_scenario() -> None:
    scenarios = discover(default_scenarios_dir(), CONFORMANCE_AREAS)
    uncovered = [s.id for s in scenarios if not any(s.id.startswith(prefix) for _, prefix in PARTS)]
    assert not uncovered, f"scenarios in no part of the sabotage test: {uncovered}"


@pytest.mark.parametrize(("area", "prefix"), PARTS, ids=[prefix.rstrip("._") for _, prefix in PARTS])
def test_every_scenario_can_fail_for_every_style(area: str, prefix: str, tmp_path: Path) -> None:
    plan = make_plan((area,), prefix)
    cells = run_sabotages(plan, tmp_path)
    problems = []
    for scenario, style in plan.unmapped:
        breakers = [s.name for s in SABOTAGES if s.style == style and _broke(cells.get((scenario, s.name)))]
        hint = (f"{', '.join(breakers)} break{'s' if len(breakers) == 1 else ''} it: name it in "
                f"{'its' if len(breakers) == 1 else 'one of their'} `breaks`" if breakers
                else "no sabotage of the style breaks it: add one a real runtime could have, or redesign "
                     "the scenario")
        problems.append(f"{scenario} [{style}]: no sabotage is meant to break it; {hint}")
    could_not_run = []
    for (scenario, style), sabotages in plan.meant.items():
        found = [cells.get((scenario, s.name)) for s in sabotages]
        if not any(_ran(cell) for cell in found):
            could_not_run.append(f"{scenario} [{style}]: {_describe(found[0])}")
            continue
        # Each sabotage that names a scenario must break it (where the cell ran): a defect that no longer
        # shows is a claim the plan makes without proof.
        problems += [f"{scenario} [{style}]: {s.name} is meant to break it but gave {_describe(cell)}"
                     for s, cell in zip(sabotages, found, strict=True) if _ran(cell) and not _broke(cell)]
    assert not problems, "\n".join(problems)
    if could_not_run:
        pytest.skip("cells that could not run here: " + "; ".join(could_not_run))
