"""The verdict on a cell: does its observed outcome match what the expectations data predicts?

Shared by the pytest plugin and ``conformance run`` so both go red for exactly the same cells.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ._outcomes import NOT_RUN, Outcome
from ._results import Cell


class Kind(str, enum.Enum):
    PASSED = "passed"        # expected to pass, and it did
    KNOWN = "known"          # a known deviation, observed as predicted (pytest: xfail)
    NOT_RUN = "not-run"      # not-applicable, unavailable or skipped here (pytest: skip)
    UNEXPECTED = "unexpected"  # anything else, an unexpected pass included (pytest: fail)


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    message: str


def judge(cell: Cell) -> Verdict:
    if cell.harness_error:
        return Verdict(Kind.UNEXPECTED, f"{cell.id}: {cell.reason}")
    if cell.outcome in NOT_RUN:
        # A cell that could not run here says nothing about the runtime, so it cannot contradict an
        # expectation either (a dns expectation on a machine without a controllable resolver).
        return Verdict(Kind.NOT_RUN, f"{cell.outcome.value}: {cell.reason}")
    if cell.outcome is not cell.expected:
        why = f": {cell.reason}" if cell.reason else ""
        known = f" ({cell.expectation.reason})" if cell.expectation else ""
        return Verdict(Kind.UNEXPECTED, f"{cell.id}: expected {cell.expected.value}{known}, "
                                        f"got {cell.outcome.value}{why}")
    if cell.outcome is Outcome.PASS:
        return Verdict(Kind.PASSED, "")
    assert cell.expectation is not None
    return Verdict(Kind.KNOWN, f"{cell.outcome.value}: {cell.expectation.reason} "
                               f"<{cell.expectation.link}> (observed: {cell.reason})")
