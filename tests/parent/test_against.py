"""``conformance run --against``: which differences between a runtime under test and its reference fail
the command (worse, and no expectation of its own explains it) and which do not (a recorded deviation, a
fix of the reference's bug, a bug both share), and the usage errors of the option."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation
from conformance._parent.against import BETTER, OTHER, WORSE, WORSE_KNOWN, compare_against
from conformance._parent.cli import main

FAIL_KNOWN = Expectation(Outcome.FAIL, "cuts datagrams", "https://example.org/loop.py#L1", kind="design")
BLOCKING_KNOWN = Expectation(Outcome.BLOCKING, "stalls", "https://example.org/loop.py#L2", kind="design")


def cell(scenario: str, runtime: str, outcome: Outcome, expectation: Expectation | None = None) -> Cell:
    return Cell(scenario, runtime, outcome, reason="" if outcome is Outcome.PASS else "observed").\
        with_expectation(expectation)


def test_only_an_unexplained_worse_outcome_is_a_regression() -> None:
    cells = [
        cell("a.same", "ref", Outcome.PASS), cell("a.same", "new", Outcome.PASS),
        cell("a.shared_bug", "ref", Outcome.FAIL), cell("a.shared_bug", "new", Outcome.FAIL),
        cell("a.unexplained", "ref", Outcome.PASS), cell("a.unexplained", "new", Outcome.FAIL),
        cell("a.recorded", "ref", Outcome.PASS), cell("a.recorded", "new", Outcome.FAIL, FAIL_KNOWN),
        # An expectation of its own that predicts another outcome does not explain this one.
        cell("a.mispredicted", "ref", Outcome.PASS),
        cell("a.mispredicted", "new", Outcome.FAIL, BLOCKING_KNOWN),
        cell("a.not_observed", "ref", Outcome.PASS), cell("a.not_observed", "new", Outcome.UNAVAILABLE),
        cell("a.fixed", "ref", Outcome.FAIL), cell("a.fixed", "new", Outcome.PASS),
        cell("a.other", "ref", Outcome.UNSUPPORTED), cell("a.other", "new", Outcome.FAIL),
        cell("a.only_ref", "ref", Outcome.PASS),  # the runtime under test has no cell: not compared
        cell("a.third", "another", Outcome.FAIL),
    ]
    against = compare_against(cells, "new", "ref")
    assert against.compared == 8
    assert {d.scenario: d.kind for d in against.differences} == {
        "a.unexplained": WORSE, "a.recorded": WORSE_KNOWN, "a.mispredicted": WORSE, "a.not_observed": WORSE,
        "a.fixed": BETTER, "a.other": OTHER}
    assert [d.scenario for d in against.regressions] == ["a.unexplained", "a.mispredicted", "a.not_observed"]
    assert against.summary() == (
        "new against ref: 8 scenarios compared, 2 the same; worse in 4 (1 known: an expectation of new's own "
        "explains it), better in 1, otherwise different in 1; not explained: a.unexplained, a.mispredicted, "
        "a.not_observed")


def test_a_runtime_as_good_as_its_reference_is_no_regression() -> None:
    cells = [cell("a.x", "ref", Outcome.PASS), cell("a.x", "new", Outcome.PASS),
             cell("a.y", "ref", Outcome.FAIL), cell("a.y", "new", Outcome.PASS)]
    against = compare_against(cells, "new", "ref")
    assert not against.regressions
    assert "not explained" not in against.summary()


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--against", "asyncio"], "--against asyncio compares the runtimes --runtime names with it: "
                                      "name at least one"),
    (["run", "--runtime", "asyncio", "--against", "asyncio"], "--against asyncio is also a --runtime"),
    (["run", "--runtime", "uvloop", "--against", "nosuchloop"], "unknown runtime 'nosuchloop'"),
    pytest.param(["run", "--runtime", "winloop", "--against", "asyncio", "-k", "tcp_echo"],
                 "--against runs winloop beside asyncio, but winloop is not available here: winloop does "
                 f"not run on {sys.platform}", id="unavailable",
                 marks=pytest.mark.skipif(sys.platform == "win32", reason="winloop runs on Windows")),
])
def test_against_usage_errors_are_one_line(argv: list[str], message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "-o", str(tmp_path / "run.json")]) == 2
    err = capsys.readouterr().err
    assert message in err.replace("\n", " ") and err.startswith("conformance: error: ")
    assert not (tmp_path / "run.json").exists()
