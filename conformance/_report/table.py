"""The support table's model, shared by every rendering: columns, summaries, scores, agreement.

Plain data (outcome keys, platforms, counts): how a cell, a score or an agreement is said is the view's
(:mod:`.view`), built once from this model for every renderer.

Columns are runtimes, each split by OS. A table cell summarises the platforms (Pythons, architectures)
of its OS: one outcome where they agree, each outcome with the platforms that have it where they do not.

Scores are honest: per runtime x OS, the share of scenarios that pass on every platform of the OS that
ran them; ``not-applicable`` and ``unavailable`` cells (and cells no run has) are left out of the
denominator, and the formula is given with the number. A scenario that shows a documented mistake
(``DOCUMENTED_MISTAKE``: a blocking call on the scheduler's thread) is shown but never scored.

Each non-pass cell is a bug, a design or unclassified, from its expectation's ``kind``; a column says
how many of its non-pass cells are which (documented mistakes aside, as in the score).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance._model.looks import NOT_RUN_KEY, SEVERITY
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.verdict import Kind, judge
from conformance._report.diff import FINDINGS
from conformance._report.merge import Merged, Platform, ScenarioInfo
from conformance._report.presentation import DEVIATION_KINDS, KIND_UNCLASSIFIED, os_name
from conformance._runtimes import REFERENCE

# Outcomes a score leaves out of its denominator: they say nothing about the runtime.
EXCLUDED = (Outcome.NOT_APPLICABLE.value, Outcome.UNAVAILABLE.value, NOT_RUN_KEY)
# Outcomes that do not make a row "differ": a runtime that cannot be installed on a platform is a fact
# of the platform, and a skipped cell (a server that could not start here, a gevent configuration that
# changes nothing for a database driver) observed no behaviour: neither is a difference of behaviour.
IGNORED_FOR_AGREEMENT = (Outcome.UNAVAILABLE.value, Outcome.SKIPPED.value, NOT_RUN_KEY)
# Why a scenario is left out of a score when it is not for its outcome: it shows a documented mistake.
MISTAKE_KEY = "documented-mistake"


# FINDINGS as the cells' own outcomes: ``Outcome.value`` is a slow property, and a report reads 20,000.
_FINDING_OUTCOMES = frozenset(Outcome(o) for o in FINDINGS)


def deviation_kind(cell: Cell) -> str | None:
    """What a cell's deviation is: ``bug`` or ``design`` from the expectation that covers its outcome,
    ``unclassified`` for any other non-pass cell (no kind given, unexpected, predicted); None for a cell
    that is not a finding (pass, and the outcomes that say the cell could not run)."""
    if cell.outcome not in _FINDING_OUTCOMES:
        return None
    expectation = cell.expectation
    if expectation is not None and expectation.kind and not expectation.predicted \
            and expectation.outcome is cell.outcome:
        return expectation.kind
    return KIND_UNCLASSIFIED


@dataclass(frozen=True)
class Column:
    runtime: str
    os: str
    platforms: tuple[Platform, ...]

    @property
    def key(self) -> str:
        return f"{self.runtime}/{self.os}"

    @property
    def os_name(self) -> str:
        return os_name(self.os)


@dataclass(frozen=True)
class HiddenColumn:
    """A runtime x OS with nothing to show (unavailable everywhere there, or never run there)."""

    runtime: str
    os: str
    reason: str

    @property
    def os_name(self) -> str:
        return os_name(self.os)


@dataclass(frozen=True)
class Entry:
    """One platform's cell within a table cell."""

    platform: Platform
    cell: Cell | None

    @property
    def outcome(self) -> str:
        return self.cell.outcome.value if self.cell else NOT_RUN_KEY


@dataclass(frozen=True)
class Summary:
    """One table cell: a scenario under a runtime on an OS, over that OS's platforms."""

    scenario: ScenarioInfo
    column: Column
    entries: tuple[Entry, ...]
    # (outcome, the platforms with it), the most severe first
    groups: tuple[tuple[str, tuple[Platform, ...]], ...]
    score: str  # "pass", "other" (counted, not a pass) or "excluded" (a documented mistake included)
    known: bool  # a known deviation (from the expectations data) on some platform
    unexpected: bool  # on some platform the outcome is not the one the expectations predict
    # On some platform the expectation was a prediction (``predicted = true``) that the outcome shown
    # confirmed, or refuted: the cell shows the observed outcome and says so, apart.
    confirmed: bool = False
    refuted: bool = False
    # The kind of each non-pass cell of its platforms (``deviation_kind``), in platform order, and each
    # kind once, in the order of DEVIATION_KINDS.
    kinds: tuple[str, ...] = ()
    kinds_present: tuple[str, ...] = ()
    # On some platform the cell's expectation is a bug that shows in some runs only (``intermittent``):
    # the outcome shown is this run's, and the cell says the other one happens too.
    intermittent: bool = False

    @property
    def mistake(self) -> bool:
        """Its scenario shows a documented mistake: shown, not scored."""
        return bool(self.scenario.documented_mistake)

    @property
    def id(self) -> str:
        """The cell's stable name, used in its URL fragment: ``sockets.tcp_echo/gevent/linux``."""
        return f"{self.scenario.id}/{self.column.runtime}/{self.column.os}"

    @property
    def worst(self) -> str:
        return self.groups[0][0]

    @property
    def uniform(self) -> bool:
        return len(self.groups) == 1

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(outcome for outcome, _ in self.groups)


@dataclass(frozen=True)
class Differing:
    """A runtime whose outcome is not the ``threads`` outcome, and the OSes (keys) where it is not."""

    runtime: str
    oses: tuple[str, ...]


@dataclass(frozen=True)
class Agreement:
    """Whether a scenario's outcome under every runtime is the ``threads`` outcome, on every platform."""

    status: str  # "agrees", "differs" or "no-reference"
    differing: tuple[Differing, ...] = ()  # in the runtimes' order


@dataclass(frozen=True)
class Row:
    scenario: ScenarioInfo
    summaries: tuple[Summary, ...]
    agreement: Agreement
    # Every runtime has the same outcome on each platform (unavailable and not-run cells aside).
    uniform: bool


@dataclass(frozen=True)
class Score:
    column: Column
    passed: int
    counted: int
    excluded: tuple[tuple[str, int], ...]  # (outcome, count) left out of the denominator

    @property
    def percent(self) -> float | None:
        return 100.0 * self.passed / self.counted if self.counted else None


@dataclass(frozen=True)
class Deviations:
    """How many of a column's non-pass cells (one per platform) are bugs, design and unclassified."""

    column: Column
    counts: tuple[tuple[str, int], ...]  # (kind, count) in the order of DEVIATION_KINDS

    @property
    def non_pass(self) -> int:
        return sum(n for _, n in self.counts)

    def count(self, kind: str) -> int:
        return dict(self.counts).get(kind, 0)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    hidden: tuple[HiddenColumn, ...]
    areas: tuple[tuple[str, tuple[Row, ...]], ...]
    scores: tuple[Score, ...]
    deviations: tuple[Deviations, ...] = ()

    @property
    def mistakes(self) -> tuple[ScenarioInfo, ...]:
        """The scenarios that show a documented mistake, in the table's order."""
        return tuple(row.scenario for row in self.rows if row.scenario.documented_mistake)

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for _, rows in self.areas for row in rows)


def build_table(merged: Merged) -> Table:
    columns, hidden = _columns(merged)
    rows = [_row(merged, scenario, columns) for scenario in merged.scenarios]
    areas: dict[str, list[Row]] = {}
    for row in rows:
        areas.setdefault(row.scenario.area, []).append(row)
    scores = tuple(_score(column, [row.summaries[i] for row in rows]) for i, column in enumerate(columns))
    deviations = tuple(_deviations(column, [row.summaries[i] for row in rows])
                       for i, column in enumerate(columns))
    return Table(columns=columns, hidden=hidden,
                 areas=tuple((area, tuple(rs)) for area, rs in areas.items()), scores=scores,
                 deviations=deviations)


def _columns(merged: Merged) -> tuple[tuple[Column, ...], tuple[HiddenColumn, ...]]:
    columns: list[Column] = []
    hidden: list[HiddenColumn] = []
    by_column: dict[tuple[str, str], list[Cell]] = {}
    for (_, runtime, platform_id), cell in merged.cells.items():
        by_column.setdefault((runtime, merged.platform(platform_id).sys_platform), []).append(cell)
    for runtime in merged.runtimes:
        for os_ in merged.oses:
            platforms = tuple(p for p in merged.platforms if p.sys_platform == os_)
            cells = by_column.get((runtime, os_), [])
            if not cells:
                hidden.append(HiddenColumn(runtime, os_, f"not in any {os_name(os_)} run"))
            elif all(c.outcome is Outcome.UNAVAILABLE for c in cells):
                reasons = sorted({c.reason for c in cells})
                hidden.append(HiddenColumn(runtime, os_, "unavailable: " + "; ".join(reasons)))
            else:
                columns.append(Column(runtime, os_, platforms))
    return tuple(columns), tuple(hidden)


def _summary(merged: Merged, scenario: ScenarioInfo, column: Column) -> Summary:
    entries = tuple(Entry(p, merged.cell(scenario.id, column.runtime, p.id)) for p in column.platforms)
    by_outcome: dict[str, list[Platform]] = {}
    for entry in entries:
        by_outcome.setdefault(entry.outcome, []).append(entry.platform)
    groups = tuple(sorted(((o, tuple(platforms)) for o, platforms in by_outcome.items()),
                          key=lambda g: SEVERITY.index(g[0])))
    counted = [e.outcome for e in entries if e.outcome not in EXCLUDED]
    score = "excluded" if not counted or scenario.documented_mistake else \
        "pass" if all(o == "pass" for o in counted) else "other"
    verdicts = [judge(e.cell).kind for e in entries if e.cell is not None]
    kinds = tuple(k for k in (deviation_kind(e.cell) for e in entries if e.cell is not None) if k)
    return Summary(scenario=scenario, column=column, entries=entries, groups=groups, score=score,
                   known=Kind.KNOWN in verdicts, unexpected=Kind.UNEXPECTED in verdicts,
                   confirmed=Kind.CONFIRMED in verdicts, refuted=Kind.REFUTED in verdicts, kinds=kinds,
                   kinds_present=tuple(k for k in DEVIATION_KINDS if k in kinds) if kinds else (),
                   intermittent=any(e.cell is not None and e.cell.expectation is not None
                                    and e.cell.expectation.intermittent for e in entries))


def _row(merged: Merged, scenario: ScenarioInfo, columns: Sequence[Column]) -> Row:
    summaries = tuple(_summary(merged, scenario, column) for column in columns)
    uniform = True
    differing: dict[str, list[str]] = {}
    compared = False
    for platform in merged.platforms:
        outcomes: dict[str, str] = {}
        for runtime in merged.runtimes:
            cell = merged.cell(scenario.id, runtime, platform.id)
            if cell is not None and cell.outcome.value not in IGNORED_FOR_AGREEMENT:
                outcomes[runtime] = cell.outcome.value
        if len(set(outcomes.values())) > 1:
            uniform = False
        reference = outcomes.get(REFERENCE)
        if reference is None:
            continue
        for runtime, outcome in outcomes.items():
            if runtime == REFERENCE:
                continue
            compared = True
            if outcome != reference:
                where = differing.setdefault(runtime, [])
                if platform.sys_platform not in where:
                    where.append(platform.sys_platform)
    if differing:
        ordered = sorted(differing.items(), key=lambda item: _runtime_order(merged, item[0]))
        agreement = Agreement("differs", tuple(Differing(r, tuple(oses)) for r, oses in ordered))
    elif compared:
        agreement = Agreement("agrees")
    else:
        agreement = Agreement("no-reference")
    return Row(scenario=scenario, summaries=summaries, agreement=agreement, uniform=uniform)


def _runtime_order(merged: Merged, runtime: str) -> int:
    return merged.runtimes.index(runtime) if runtime in merged.runtimes else len(merged.runtimes)


def _score(column: Column, summaries: Sequence[Summary]) -> Score:
    passed = sum(1 for s in summaries if s.score == "pass")
    counted = sum(1 for s in summaries if s.score != "excluded")
    excluded: dict[str, int] = {o: 0 for o in (*EXCLUDED, MISTAKE_KEY)}
    for summary in summaries:
        if summary.score != "excluded":
            continue
        # Say why with the first reason it has: its outcomes say nothing about the runtime, or (only
        # where they would have been counted) the scenario shows a documented mistake.
        if summary.mistake and any(o not in EXCLUDED for o in summary.outcomes):
            excluded[MISTAKE_KEY] += 1
        else:
            excluded[next(o for o in summary.outcomes if o in EXCLUDED)] += 1
    return Score(column=column, passed=passed, counted=counted, excluded=tuple(excluded.items()))


def _deviations(column: Column, summaries: Sequence[Summary]) -> Deviations:
    kinds = [k for s in summaries if not s.mistake for k in s.kinds]
    return Deviations(column=column, counts=tuple((k, kinds.count(k)) for k in DEVIATION_KINDS))


def platform_scores(merged: Merged) -> list[dict[str, object]]:
    """Per runtime x platform (not OS): passing cells over counted cells, for other tools."""
    scores: list[dict[str, object]] = []
    for runtime in merged.runtimes:
        for platform in merged.platforms:
            outcomes = [merged.cell(s.id, runtime, platform.id) for s in merged.scenarios]
            words = [c.outcome.value if c else NOT_RUN_KEY for c in outcomes]
            if all(w in (Outcome.UNAVAILABLE.value, NOT_RUN_KEY) for w in words):
                continue
            # A documented mistake's cell is shown, never scored: left out unless its outcome is
            # left out anyway.
            mistakes = sum(1 for s, w in zip(merged.scenarios, words, strict=True)
                           if s.documented_mistake and w not in EXCLUDED)
            counted = [w for s, w in zip(merged.scenarios, words, strict=True)
                       if w not in EXCLUDED and not s.documented_mistake]
            passed = sum(1 for w in counted if w == "pass")
            left_out = {o: words.count(o) for o in EXCLUDED if words.count(o)}
            if mistakes:
                left_out[MISTAKE_KEY] = mistakes
            scores.append({"runtime": runtime, "platform": platform.id, "passed": passed,
                           "counted": len(counted),
                           "score": round(passed / len(counted), 4) if counted else None,
                           "left_out": left_out})
    return scores
