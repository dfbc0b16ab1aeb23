"""The pytest plugin: every scenario x runtime as an item, judged against the expectations.

A thin adapter over the engine, using public pytest API only. Items are parametrizations of a
``test_scenario(conformance_cell)`` function (``scenarios/test_scenarios.py``), with ids
``test_scenario[sockets.tcp_echo-gevent]``, so ``-k`` and ``-n`` work as everywhere. Each item records its
cell in ``user_properties``; the process that writes the run document (the xdist controller, or the only
process) collects them from the reports.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from conformance._model.expectations import ExpectationsError
from conformance._model.results import Cell, RunWriter
from conformance._model.scenarios import (
    CONFORMANCE_AREAS,
    Scenario,
)
from conformance._model.verdict import PROMOTE_HINT, Kind, judge
from conformance._parent.cells import CellRunner
from conformance._parent.selection import (
    EXPECTATIONS_HELP,
    RUNTIME_HELP,
    UsageError,
    expectations_for,
    runtimes_named,
    scenarios_dir,
    scenarios_in,
)
from conformance._runtimes import (
    Runtime,
)

PROPERTY = "conformance_cell"
# pytest-timeout is a last resort for the parent: the cell's own deadline is the scenario's TIMEOUT_S.
PARENT_TIMEOUT_MARGIN_S = 120


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "conformance suite")
    group.addoption("--runtime", action="append", default=[], metavar="NAME", help=RUNTIME_HELP)
    group.addoption("--scenarios", metavar="DIR", default=None,
                    help="the scenarios folder (default: the suite's own)")
    group.addoption("--expectations", metavar="FILE", default=None, help=EXPECTATIONS_HELP)
    group.addoption("--run-document", metavar="PATH", default=None,
                    help="where to write the run document (default: reports/runs/PLATFORM.json)")


_RUNNER = pytest.StashKey[CellRunner]()
_SCENARIOS = pytest.StashKey[list[Scenario]]()


def _runtimes(config: pytest.Config) -> list[Runtime]:
    try:
        return runtimes_named(config.getoption("runtime"))
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None


def _scenarios(config: pytest.Config) -> list[Scenario]:
    if _SCENARIOS not in config.stash:
        try:
            # -k is pytest's own here: it selects items, after collection.
            config.stash[_SCENARIOS] = scenarios_in(scenarios_dir(config.getoption("scenarios")),
                                                    CONFORMANCE_AREAS)
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    return config.stash[_SCENARIOS]


def _runner(config: pytest.Config) -> CellRunner:
    if _RUNNER not in config.stash:
        try:
            expectations = expectations_for(scenarios_dir(config.getoption("scenarios")),
                                            config.getoption("expectations"))
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.stash[_RUNNER] = CellRunner(expectations)
    return config.stash[_RUNNER]


class RunDocumentWriter:
    """Registered in the process that writes the run document: the xdist controller, or the only one.

    It receives every item's report (xdist forwards the workers' reports with their
    ``user_properties``) and adds each cell to the document as it arrives.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.writer: RunWriter | None = None

    def _open(self) -> RunWriter:
        if self.writer is None:
            from conformance._parent.run_info import collect

            run_info = collect([r.name for r in _runtimes(self.config)])
            path = (self.config.getoption("run_document")
                    or f"reports/runs/{run_info['platform']}.json")
            self.writer = RunWriter(Path(path), run_info)
        return self.writer

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == PROPERTY:
                cell = Cell.from_json(value)
                writer = self._open()
                if cell.id not in writer.cells:  # an item's teardown report repeats its properties
                    writer.add(cell)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.writer is not None:
            self.writer.finish(finished_at=datetime.datetime.now(datetime.timezone.utc)
                               .isoformat(timespec="seconds"))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.writer is None:
            return
        verdicts = [(cell, judge(cell)) for cell in self.writer.cells.values()]
        confirmed = [cell for cell, v in verdicts if v.kind is Kind.CONFIRMED]
        refuted = [v.message for _, v in verdicts if v.kind is Kind.REFUTED]
        if refuted or confirmed:
            terminalreporter.section("conformance predictions")
            if confirmed:
                terminalreporter.write_line(
                    f"{len(confirmed)} prediction(s) confirmed: predicted and now observed; {PROMOTE_HINT}")
                for cell in confirmed:
                    terminalreporter.write_line(f"  confirmed: {cell.id} {cell.outcome.value}")
            if refuted:
                terminalreporter.write_line(
                    f"{len(refuted)} prediction(s) refuted (not a failure; review the entries):",
                    yellow=True)
                for message in refuted:
                    terminalreporter.write_line(f"  {message}", yellow=True)
        terminalreporter.write_line(
            f"conformance: {len(self.writer.cells)} cells written to {self.writer.path}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a scenario under a runtime")
    # Bad input (an unknown --runtime, a broken scenario or expectations file) is a usage error
    # before anything runs, not a hundred failed items.
    _runtimes(config)
    _runner(config)
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(RunDocumentWriter(config), "conformance-run-document")


def pytest_unconfigure(config: pytest.Config) -> None:
    # Each process (each xdist worker) stops the database servers its cells started.
    runner = config.stash.get(_RUNNER, None)
    if runner is not None:
        runner.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_cell" not in metafunc.fixturenames:
        return
    config = metafunc.config
    pairs = [(s, r) for s in _scenarios(config) for r in _runtimes(config)]
    metafunc.parametrize("conformance_cell", pairs, ids=[f"{s.id}-{r.name}" for s, r in pairs],
                         indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "conformance_cell" not in callspec.params:
            continue
        scenario, _ = callspec.params["conformance_cell"]
        item.add_marker(pytest.mark.conformance)
        item.add_marker(pytest.mark.timeout(scenario.timeout_s + PARENT_TIMEOUT_MARGIN_S))


class CellCheck:
    """What ``test_scenario`` receives: calling it runs the cell and turns the verdict into a pytest
    outcome (pass, xfail with the known reason, skip for cells that cannot run here, or fail).

    A confirmed prediction is an xfail like a known deviation. A refuted one is an xfail too, whose
    reason starts "prediction refuted": it ran (so not a skip), it must not fail the leg (the prediction
    was wrong, not the runtime), and ``-rx`` and the terminal summary list it with its reason for review.
    """

    def __init__(self, scenario: Scenario, runtime: Runtime, runner: CellRunner,
                 item: pytest.Item) -> None:
        self.scenario, self.runtime, self.runner, self.item = scenario, runtime, runner, item

    def __call__(self) -> Cell:
        try:
            cell = self.runner.run(self.scenario, self.runtime)
        except ExpectationsError as exc:
            pytest.fail(str(exc), pytrace=False)
        self.item.user_properties.append((PROPERTY, cell.to_json()))
        verdict = judge(cell)
        if verdict.kind is Kind.UNEXPECTED:
            details = dict(cell.details)
            extra = details.get("traceback") or details.get("stack") or details.get("stderr") or ""
            pytest.fail(verdict.message + (f"\n\n{extra}" if extra else ""), pytrace=False)
        if verdict.kind is Kind.NOT_RUN:
            pytest.skip(verdict.message)
        if verdict.kind in (Kind.KNOWN, Kind.CONFIRMED, Kind.REFUTED):
            pytest.xfail(verdict.message)
        return cell


@pytest.fixture
def conformance_cell(request: pytest.FixtureRequest) -> CellCheck:
    scenario, runtime = request.param
    return CellCheck(scenario, runtime, _runner(request.config), request.node)
