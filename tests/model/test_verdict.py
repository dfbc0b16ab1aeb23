"""The verdict on a cell (conformance._model.verdict), where its expectation is a prediction, an
observed entry or an intermittent bug."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation
from conformance._model.verdict import FAILING, Kind, Verdict, judge

# -- the verdict on a cell whose expectation is a prediction --------------------------------------

PREDICTION = Expectation(Outcome.FAIL, "the loop drops empty datagrams", "https://example.org/v1.2/udp.py",
                         predicted=True)


def _judged(outcome: Outcome, expectation: Expectation | None = PREDICTION, **fields: Any) -> Verdict:
    reason = "" if outcome is Outcome.PASS else f"observed {outcome.value}"
    return judge(Cell("sockets.udp_empty", "winloop", outcome, reason=reason, **fields)
                 .with_expectation(expectation))


def test_a_prediction_observed_as_predicted_is_confirmed_and_says_how_to_promote_it() -> None:
    verdict = _judged(Outcome.FAIL)
    assert verdict.kind is Kind.CONFIRMED
    assert verdict.message == ("fail: predicted and now observed: the loop drops empty datagrams "
                               "<https://example.org/v1.2/udp.py> (observed: observed fail); promote it: "
                               "delete `predicted = true` from its entry")
    assert verdict.kind not in FAILING


@pytest.mark.parametrize("outcome", [Outcome.PASS, Outcome.BLOCKING, Outcome.UNSUPPORTED])
def test_a_prediction_contradicted_without_a_breakage_is_refuted_not_failed(outcome: Outcome) -> None:
    verdict = _judged(outcome)
    assert verdict.kind is Kind.REFUTED
    assert verdict.kind not in FAILING
    assert verdict.message.startswith(f"prediction refuted: sockets.udp_empty[winloop]: predicted fail "
                                      f"(the loop drops empty datagrams <https://example.org/v1.2/udp.py>), "
                                      f"observed {outcome.value}")


@pytest.mark.parametrize("outcome", [Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASH])
def test_an_error_timeout_or_crash_is_unexpected_whatever_was_predicted(outcome: Outcome) -> None:
    verdict = _judged(outcome)
    assert verdict.kind is Kind.UNEXPECTED
    assert verdict.message == (f"sockets.udp_empty[winloop]: predicted fail (the loop drops empty "
                               f"datagrams), got {outcome.value}: observed {outcome.value}")


def test_a_harness_error_is_unexpected_even_where_it_matches_nothing_predicted() -> None:
    verdict = _judged(Outcome.ERROR, harness_error=True)
    assert verdict.kind is Kind.UNEXPECTED


@pytest.mark.parametrize("outcome", [Outcome.SKIPPED, Outcome.UNAVAILABLE, Outcome.NOT_APPLICABLE])
def test_a_cell_that_did_not_run_contradicts_no_prediction(outcome: Outcome) -> None:
    assert _judged(outcome).kind is Kind.NOT_RUN


def test_the_same_entry_observed_keeps_its_verdicts() -> None:
    observed = replace(PREDICTION, predicted=False)
    assert _judged(Outcome.FAIL, observed).kind is Kind.KNOWN
    assert _judged(Outcome.PASS, observed).kind is Kind.UNEXPECTED  # an unexpected pass fails
    assert _judged(Outcome.BLOCKING, observed).kind is Kind.UNEXPECTED



def test_an_intermittent_bug_accepts_a_pass_and_its_outcome_and_nothing_else() -> None:
    # A race the runtime loses in some runs only: either result is as expected; any other is not.
    intermittent = replace(PREDICTION, predicted=False, kind="bug", issue="not yet reported",
                           repro="sockets/repro/udp_empty__winloop.py", intermittent=True)
    passed = _judged(Outcome.PASS, intermittent)
    assert passed.kind is Kind.KNOWN and passed.kind not in FAILING
    assert passed.message == ("passed this run; known to give fail in some runs: the loop drops empty "
                              "datagrams")
    assert _judged(Outcome.FAIL, intermittent).kind is Kind.KNOWN
    assert _judged(Outcome.BLOCKING, intermittent).kind is Kind.UNEXPECTED
    assert _judged(Outcome.ERROR, intermittent).kind is Kind.UNEXPECTED
    # Carried in run documents, and read back.
    assert intermittent.to_json()["intermittent"] is True
    assert Expectation.from_json(intermittent.to_json()) == intermittent
    assert "intermittent" not in replace(intermittent, intermittent=False).to_json()
