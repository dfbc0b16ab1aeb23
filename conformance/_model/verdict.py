"""The verdict on a cell: does its observed outcome match what the expectations data predicts?

Shared by the pytest plugin and ``conformance run`` so both go red for exactly the same cells.

A cell whose expectation is a *prediction* (``predicted = true``: drawn from an upstream source for a
platform no run had observed) is judged apart: observed as predicted, the prediction is confirmed and
waits to be promoted; observed otherwise, it is refuted and shown for review without failing, because
the run has taught us something the prediction got wrong, not that the runtime changed. An ``error``,
``timeout`` or ``crash`` is red whatever was predicted: a prediction never covers a breakage.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conformance._model.expectations import NEVER_PREDICTED
from conformance._model.outcomes import NOT_RUN, Outcome
from conformance._model.results import Cell, Expectation


class Kind(str, enum.Enum):
    PASSED = "passed"        # expected to pass, and it did
    KNOWN = "known"          # a known deviation, observed as predicted (pytest: xfail)
    CONFIRMED = "confirmed"  # a predicted deviation, now observed: promote it (pytest: xfail)
    REFUTED = "refuted"      # a prediction the run contradicts: review it, not a failure (pytest: xfail)
    NOT_RUN = "not-run"      # not-applicable, unavailable or skipped here (pytest: skip)
    UNEXPECTED = "unexpected"  # anything else, an unexpected pass included (pytest: fail)


# The kinds that fail a run (exit status 1, a failed pytest item): every other kind leaves CI green.
FAILING = frozenset({Kind.UNEXPECTED})
PREDICTION_KINDS = frozenset({Kind.CONFIRMED, Kind.REFUTED})
PROMOTE_HINT = "promote it: delete `predicted = true` from its entry"
REFUTED_PREFIX = "prediction refuted"


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
    if cell.expectation is not None and cell.expectation.predicted:
        return _judge_prediction(cell, cell.expectation)
    if cell.outcome is Outcome.PASS and cell.expectation is not None and cell.expectation.intermittent:
        # A race of the runtime's that this run did not lose: as expected, and still a known bug.
        return Verdict(Kind.KNOWN, f"passed this run; known to give {cell.expectation.outcome.value} in "
                                   f"some runs: {cell.expectation.reason}")
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


def _judge_prediction(cell: Cell, prediction: Expectation) -> Verdict:
    why = f": {cell.reason}" if cell.reason else ""
    if cell.outcome is prediction.outcome:
        return Verdict(Kind.CONFIRMED, f"{cell.outcome.value}: predicted and now observed: "
                                       f"{prediction.reason} <{prediction.link}> "
                                       f"(observed: {cell.reason}); {PROMOTE_HINT}")
    if cell.outcome in NEVER_PREDICTED:
        return Verdict(Kind.UNEXPECTED, f"{cell.id}: predicted {prediction.outcome.value} "
                                        f"({prediction.reason}), got {cell.outcome.value}{why}")
    return Verdict(Kind.REFUTED, f"{REFUTED_PREFIX}: {cell.id}: predicted {prediction.outcome.value} "
                                 f"({prediction.reason} <{prediction.link}>), observed "
                                 f"{cell.outcome.value}{why}; correct or remove the prediction")
