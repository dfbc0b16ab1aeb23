"""``conformance run --runtime NAME --against REFERENCE``: a runtime judged beside a reference one.

A maintainer's CI asks one question of a run: did my runtime do worse than the one I measure it against?
Both runtimes run the same cells, judged by the same contracts and expectations as every other run; then
each scenario where their outcomes differ is one of:

- ``worse``: the reference passes and the runtime under test does not, and no expectation of the tested
  runtime explains it (none names it, or the one that does predicts another outcome). Only these fail
  the command: a runtime that fixes one of the reference's bugs, or shares it, never goes red for it.
- ``worse, known``: the same, with an expectation of the tested runtime's own that gives exactly this
  outcome (its reason and link): a recorded deviation, not a regression.
- ``better``: the runtime under test passes and the reference does not.
- ``other``: both fail, differently (``fail`` against ``unsupported``...).

A cell that observed nothing on either side (``not-applicable``, ``skipped``) is compared as any other:
where the reference passes and the tested runtime could not run the scenario (``unavailable``: a family
module that does not import, a library its path cannot use), the tested runtime did not show that it
works, so that is ``worse`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.verdict import Kind, judge
from conformance._parent.terminal import outcome_text

WORSE, WORSE_KNOWN, BETTER, OTHER = "worse", "worse, known", "better", "other"
# The verdicts of a tested cell that an expectation of its own explains.
EXPLAINED = frozenset({Kind.KNOWN, Kind.CONFIRMED})
REASON_CHARS = 160


@dataclass(frozen=True)
class Difference:
    """A scenario where the runtime under test and the reference give different outcomes."""

    scenario: str
    reference: Cell
    tested: Cell
    kind: str  # WORSE, WORSE_KNOWN, BETTER or OTHER


@dataclass(frozen=True)
class Against:
    """The runtime under test beside the reference, over the scenarios both ran."""

    tested: str
    reference: str
    compared: int
    differences: tuple[Difference, ...]

    def of_kind(self, kind: str) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind]

    @property
    def regressions(self) -> list[Difference]:
        """What fails the command: worse, and no expectation of its own explains it."""
        return self.of_kind(WORSE)

    def summary(self) -> str:
        worse, known = self.of_kind(WORSE), self.of_kind(WORSE_KNOWN)
        line = (f"{self.tested} against {self.reference}: {self.compared} scenarios compared, "
                f"{self.compared - len(self.differences)} the same; "
                f"worse in {len(worse) + len(known)} ({len(known)} known: an expectation of "
                f"{self.tested}'s own explains it), better in {len(self.of_kind(BETTER))}, "
                f"otherwise different in {len(self.of_kind(OTHER))}")
        if worse:
            line += f"; not explained: {', '.join(d.scenario for d in worse)}"
        return line


def compare_against(cells: Sequence[Cell], tested: str, reference: str) -> Against:
    """The scenarios both runtimes have a cell for, and where their outcomes differ."""
    by_runtime: dict[str, dict[str, Cell]] = {tested: {}, reference: {}}
    for cell in cells:
        if cell.runtime in by_runtime:
            by_runtime[cell.runtime][cell.scenario] = cell
    both = [s for s in by_runtime[reference] if s in by_runtime[tested]]
    differences = []
    for scenario in both:
        ref, new = by_runtime[reference][scenario], by_runtime[tested][scenario]
        if ref.outcome is new.outcome:
            continue
        if ref.outcome is Outcome.PASS:
            kind = WORSE_KNOWN if judge(new).kind in EXPLAINED else WORSE
        elif new.outcome is Outcome.PASS:
            kind = BETTER
        else:
            kind = OTHER
        differences.append(Difference(scenario, ref, new, kind))
    return Against(tested, reference, len(both), tuple(differences))


_KIND_STYLES = {WORSE: "bold red", WORSE_KNOWN: "yellow", BETTER: "green", OTHER: "cyan"}


def against_table(against: Against) -> Table:
    """The differences, one row each: the two outcomes (with what their verdicts say) and why."""
    table = Table(title=f"Where {against.tested} and {against.reference} differ", title_justify="left")
    table.add_column("scenario", no_wrap=True)
    table.add_column(against.reference, no_wrap=True)
    table.add_column(against.tested, no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column(f"why ({against.tested})")
    order = (WORSE, WORSE_KNOWN, OTHER, BETTER)
    for difference in sorted(against.differences, key=lambda d: (order.index(d.kind), d.scenario)):
        tested = difference.tested
        why = tested.expectation.reason if difference.kind == WORSE_KNOWN and tested.expectation \
            else tested.reason
        if len(why) > REASON_CHARS:
            why = why[:REASON_CHARS - 3] + "..."
        table.add_row(difference.scenario, outcome_text(difference.reference), outcome_text(tested),
                      Text(difference.kind, _KIND_STYLES[difference.kind]), Text(why))
    return table
