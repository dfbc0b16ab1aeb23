"""Predictions in the report: the ones the runs confirmed or refuted, and the ones no run could test.

A prediction (an expectations entry with ``predicted = true``) is never a result. Where a platform ran
its cell, the report lists it apart, as confirmed (to promote) or refuted (to review), beside the
observed outcome the table shows. For an OS that no input ran, the predictions whose ``when`` can hold
there are listed as "predicted, not yet observed", and never put into the table's cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance._model.expectations import Entry, Expectations, os_environments, pattern_filter
from conformance._model.verdict import Kind, judge
from conformance._report.merge import Merged, Platform
from conformance._report.presentation import os_name
from conformance._runtimes import RUNTIMES, availability

CONFIRMED = Kind.CONFIRMED.value
REFUTED = Kind.REFUTED.value


@dataclass(frozen=True)
class ObservedPrediction:
    """A prediction and what the platforms of one OS that ran its cell observed instead, or too."""

    kind: str  # CONFIRMED or REFUTED
    scenario: str
    runtime: str
    os: str
    platforms: tuple[Platform, ...]  # the platforms of the OS that tested it
    predicted: str
    observed: str
    reason: str  # the prediction's
    link: str
    observed_reason: str

    @property
    def os_name(self) -> str:
        return os_name(self.os)

    @property
    def cell_id(self) -> str:
        return f"{self.scenario}/{self.runtime}/{self.os}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "scenario": self.scenario, "runtime": self.runtime, "os": self.os,
                "platforms": [p.label for p in self.platforms], "predicted": self.predicted,
                "observed": self.observed, "reason": self.reason, "link": self.link,
                "observed_reason": self.observed_reason}


@dataclass(frozen=True)
class UnobservedPrediction:
    """A predicted entry that can hold on an OS no input ran: a prediction, not a result."""

    os: str
    scenario: str  # as the entry writes it: a pattern may stand for several scenarios
    runtime: str
    when: str | None
    outcome: str
    reason: str
    link: str

    @property
    def os_name(self) -> str:
        return os_name(self.os)

    def to_json(self) -> dict[str, Any]:
        return {"os": self.os, "scenario": self.scenario, "runtime": self.runtime, "when": self.when,
                "predicted": self.outcome, "reason": self.reason, "link": self.link}


@dataclass(frozen=True)
class Predictions:
    refuted: tuple[ObservedPrediction, ...] = ()
    confirmed: tuple[ObservedPrediction, ...] = ()
    not_yet_observed: tuple[UnobservedPrediction, ...] = ()

    @property
    def to_review(self) -> tuple[ObservedPrediction, ...]:
        """Refuted first: they need a reader; confirmed ones only a promotion."""
        return self.refuted + self.confirmed

    def unobserved_by_os(self) -> list[tuple[str, list[UnobservedPrediction]]]:
        grouped: dict[str, list[UnobservedPrediction]] = {}
        for prediction in self.not_yet_observed:
            grouped.setdefault(prediction.os, []).append(prediction)
        return list(grouped.items())


def collect(merged: Merged, expectations: Expectations | None) -> Predictions:
    """The predictions of ``merged``'s cells (recorded in the run documents), and, from
    ``expectations``, those for the OSes that no input ran."""
    observed = _observed(merged)
    unobserved: list[UnobservedPrediction] = []
    if expectations is not None:
        for os_ in merged.missing_oses:
            unobserved += [_unobserved(os_, e) for e in expectations.predictions if _can_hold(e, os_)]
    return Predictions(refuted=tuple(p for p in observed if p.kind == REFUTED),
                       confirmed=tuple(p for p in observed if p.kind == CONFIRMED),
                       not_yet_observed=tuple(unobserved))


def _observed(merged: Merged) -> list[ObservedPrediction]:
    # One line per scenario x runtime x OS x what was observed: the Pythons that agree are said once.
    grouped: dict[tuple[str, str, str, str, str, str, str, str], list[Platform]] = {}
    reasons: dict[tuple[str, str, str, str, str, str, str, str], str] = {}
    for (scenario, runtime, platform_id), cell in sorted(merged.cells.items()):
        if cell.expectation is None or not cell.expectation.predicted:
            continue
        verdict = judge(cell).kind
        if verdict not in (Kind.CONFIRMED, Kind.REFUTED):
            continue  # an error, crash or timeout is a red cell of the table, not a prediction to review
        platform = merged.platform(platform_id)
        key = (verdict.value, scenario, runtime, platform.sys_platform,
               cell.expectation.outcome.value, cell.outcome.value, cell.expectation.reason,
               cell.expectation.link)
        grouped.setdefault(key, []).append(platform)
        reasons.setdefault(key, cell.reason)
    found = []
    for key, platforms in grouped.items():
        kind, scenario, runtime, os_, predicted, observed, reason, link = key
        found.append(ObservedPrediction(kind, scenario, runtime, os_, tuple(platforms), predicted, observed,
                                        reason, link, reasons[key]))
    return found


def _can_hold(entry: Entry, os_: str) -> bool:
    """The entry's ``when`` holds for some Python of ``os_``, for a runtime it names that runs there."""
    environments = os_environments(os_)
    names = pattern_filter(RUNTIMES, entry.runtime)
    return any(entry.holds(environment) and _runs(names, environment) for environment in environments)


def _runs(runtimes: Iterable[str], environment: dict[str, str]) -> bool:
    return any(availability(RUNTIMES[name], environment).available for name in runtimes)


def _unobserved(os_: str, entry: Entry) -> UnobservedPrediction:
    return UnobservedPrediction(os=os_, scenario=entry.scenario, runtime=entry.runtime, when=entry.when,
                                outcome=entry.expectation.outcome.value, reason=entry.expectation.reason,
                                link=entry.expectation.link)
