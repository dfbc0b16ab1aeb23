"""Two runtimes side by side ("gevent or asyncio?"): where their outcomes differ and why, how many
scenarios each passes that the other does not, the bug/design split of each one's non-pass cells, and the
bench figures of both with their round-paired ratio.

The comparison reads the report's view (:mod:`.view`), so it says exactly what the table says. The page
computes the same comparison in its script from the page's data, for any pair the reader picks
(``report.js``; the browser test checks it against :func:`compare`), and ``conformance report --compare A B``
writes this module's Markdown, ``compare-A-B.md``.

The rules, the same in both:

- A **difference** is a scenario on a platform (an OS x Python) where both runtimes have a cell, neither
  cell is one that observed no behaviour (``unavailable``, ``skipped``: the table's agreement column
  ignores them too), and their outcomes differ. The differences of a scenario that say the same on
  several platforms (same outcomes, kinds and links on both sides) are shown as one row.
- A scenario counts for "A passes, B does not" where, on some platform compared, A passes and B's cell is
  a finding (``fail``, ``blocking``, ``unsupported``, ``error``, ``timeout``, ``crash``). A scenario that
  shows a documented mistake is listed among the differences but counted in neither tally, as in the
  scores.
- A runtime's **non-pass cells** are its findings on the platforms compared (one per scenario x platform,
  documented mistakes aside), each a bug, a design or unclassified (the table's kinds).
- A **bench** figure's ratio is A over B, the median of the round-by-round ratios (each bench round runs
  every runtime once, so the machine's drift cancels) with the lowest and highest round: never a ratio of
  medians where the rounds pair. The ratio is "within noise" where that range includes 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance._model.bench import ratio, ratio_range
from conformance._report.bench import BenchSection, BenchValue, ratio_headline
from conformance._report.diff import FINDINGS
from conformance._report.merge import Platform
from conformance._report.presentation import DEVIATION_KINDS
from conformance._report.table import IGNORED_FOR_AGREEMENT
from conformance._report.view import EntryView, ReportView, ScenarioView

# The pairs users ask about most: the page offers them as links.
COMMON_PAIRS = (("gevent", "asyncio"), ("asyncio", "uvloop"), ("asyncio", "trio"), ("threads", "gevent"),
                ("gevent", "eventlet"))


# The outcomes a tally compares: a pass and the findings (not-applicable says nothing either way).
JUDGED = frozenset({"pass", *FINDINGS})


class CompareError(ValueError):
    """A comparison that cannot be made: a runtime or platform the report does not have."""


@dataclass(frozen=True)
class Difference:
    """A scenario on a platform where the two runtimes' outcomes differ."""

    scenario: ScenarioView
    platform: Platform
    a: EntryView
    b: EntryView
    a_cell: str  # the table cells' fragment ids: sockets.tcp_echo/gevent/linux
    b_cell: str


@dataclass(frozen=True)
class DifferenceGroup:
    """The differences of one scenario that say the same on several platforms (same outcomes, kinds and
    links on both sides): one row, shown with the first platform's reasons."""

    first: Difference
    platforms: tuple[Platform, ...]


def _same_difference(d: Difference) -> tuple[object, ...]:
    def side(entry: EntryView) -> tuple[object, ...]:
        expectation = entry.cell.expectation if entry.cell is not None else None
        return entry.outcome.key, entry.kind, expectation.link if expectation is not None else None

    return d.scenario.id, side(d.a), side(d.b)


@dataclass(frozen=True)
class AreaTally:
    key: str
    name: str
    compared: int  # scenarios (documented mistakes aside) with a pass or a finding for both somewhere
    only_a: int    # scenarios A passes and B does not, on some platform compared
    only_b: int


@dataclass(frozen=True)
class BenchPairRow:
    workload: str
    title: str
    figure: str
    higher_better: bool
    a: BenchValue
    b: BenchValue
    ratio: float | None = None  # A over B
    low: float | None = None
    high: float | None = None

    @property
    def within_noise(self) -> bool:
        return self.low is not None and self.high is not None and self.low <= 1.0 <= self.high

    @property
    def better(self) -> str | None:
        """"a" or "b": whose figure is better (more of a rate, less of a time) beyond the noise; None
        within noise or without a ratio."""
        if self.ratio is None or self.within_noise or self.ratio == 1.0:
            return None
        return "a" if (self.ratio > 1.0) == self.higher_better else "b"

    @property
    def headline(self) -> str:
        """``x1.22 [1.10-1.30]``; "" without a ratio."""
        return ratio_headline(self.ratio, self.low, self.high)


@dataclass(frozen=True)
class BenchPair:
    """One bench document's figures of both runtimes."""

    section: BenchSection
    rows: tuple[BenchPairRow, ...]


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    platforms: tuple[Platform, ...]  # the platforms compared: the chosen one, or all the report has
    differences: tuple[Difference, ...]
    areas: tuple[AreaTally, ...]
    kinds: dict[str, dict[str, int]]  # runtime -> kind -> non-pass cells
    bench: tuple[BenchPair, ...]
    # (runtime, platform, why): a runtime that observed nothing on a platform compared
    unavailable: tuple[tuple[str, Platform, str], ...]

    @property
    def groups(self) -> tuple[DifferenceGroup, ...]:
        """The differences, the platforms on which a scenario's difference says the same in one row."""
        found: dict[tuple[object, ...], list[Difference]] = {}
        for difference in self.differences:
            found.setdefault(_same_difference(difference), []).append(difference)
        return tuple(DifferenceGroup(group[0], tuple(d.platform for d in group)) for group in found.values())

    @property
    def only_a(self) -> int:
        return sum(t.only_a for t in self.areas)

    @property
    def only_b(self) -> int:
        return sum(t.only_b for t in self.areas)

    @property
    def compared(self) -> int:
        return sum(t.compared for t in self.areas)


def _observed(entry: EntryView) -> bool:
    """Whether the entry is a cell that observed a behaviour (see the module's rules)."""
    return entry.cell is not None and entry.outcome.key not in IGNORED_FOR_AGREEMENT


def compare(view: ReportView, a: str, b: str, *, platform: str | None = None,
            bench: Sequence[BenchSection] = ()) -> Comparison:
    """Compare runtime ``a`` with ``b`` on ``platform`` (a platform id), or on every platform."""
    runtimes = tuple(g.runtime for g in view.runtime_groups)
    for name in (a, b):
        if name not in runtimes:
            raise CompareError(f"no runtime {name!r} in this report; it has: {', '.join(runtimes)}")
    if a == b:
        raise CompareError(f"compare two different runtimes, not {a!r} with itself")
    ids = [p.platform.id for p in view.platforms]
    if platform is not None and platform not in ids:
        raise CompareError(f"no platform {platform!r} in this report; it has: {', '.join(ids)}")
    chosen = tuple(p.platform for p in view.platforms if platform is None or p.platform.id == platform)
    chosen_ids = {p.id for p in chosen}

    differences: list[Difference] = []
    areas: list[AreaTally] = []
    kinds = {name: dict.fromkeys(DEVIATION_KINDS, 0) for name in (a, b)}
    seen_any: dict[str, set[str]] = {a: set(), b: set()}  # the platforms where each observed something
    for area in view.areas:
        compared = only_a = only_b = 0
        for row in area.rows:
            mistake = bool(row.scenario.documented_mistake)
            cells = {name: [c for c in row.cells if c.runtime == name] for name in (a, b)}
            entries = {name: {e.platform.id: (e, c.id) for c in cells[name] for e in c.entries
                              if e.platform.id in chosen_ids} for name in (a, b)}
            for name in (a, b):
                for entry, _ in entries[name].values():
                    if _observed(entry):
                        seen_any[name].add(entry.platform.id)
                    if not mistake and entry.kind:
                        kinds[name][entry.kind] += 1
            both = a_passes = b_passes = False
            for platform_id in (p.id for p in chosen):
                if platform_id not in entries[a] or platform_id not in entries[b]:
                    continue
                (ea, a_cell), (eb, b_cell) = entries[a][platform_id], entries[b][platform_id]
                if not (_observed(ea) and _observed(eb)):
                    continue
                if ea.outcome.key != eb.outcome.key:
                    differences.append(Difference(row.scenario, ea.platform, ea, eb, a_cell, b_cell))
                if ea.outcome.key in JUDGED and eb.outcome.key in JUDGED:
                    both = True
                    a_passes |= ea.outcome.key == "pass" and eb.outcome.key in FINDINGS
                    b_passes |= eb.outcome.key == "pass" and ea.outcome.key in FINDINGS
            if not mistake:
                compared += both
                only_a += a_passes
                only_b += b_passes
        areas.append(AreaTally(area.key, area.name, compared, only_a, only_b))

    unavailable = [(name, p, _why_nothing(view, name, p.id)) for name in (a, b) for p in chosen
                   if p.id not in seen_any[name]]
    pairs = tuple(_bench_pair(section, a, b) for section in bench
                  if (platform is None or section.platform == platform)
                  and a in section.runtimes and b in section.runtimes)
    return Comparison(a, b, chosen, tuple(differences), tuple(areas), kinds,
                      tuple(p for p in pairs if p.rows), tuple(unavailable))


def _why_nothing(view: ReportView, runtime: str, platform_id: str) -> str:
    """Why ``runtime`` observed nothing on the platform: the reason of its first cell there (unavailable,
    skipped), else the platform's run saying it is unavailable, else that no run of the platform has it."""
    for row in view.rows:
        for cell in row.cells:
            if cell.runtime != runtime:
                continue
            for entry in cell.entries:
                if entry.platform.id == platform_id and entry.cell is not None:
                    return f"{entry.outcome.word}: {entry.cell.reason}" if entry.cell.reason \
                        else entry.outcome.word
    # no cell at all: a runtime unavailable on every platform of an OS has no column there
    platform = next(p.platform for p in view.platforms if p.platform.id == platform_id)
    availability = (platform.run_info.get("runtimes") or {}).get(runtime) or {}
    if availability.get("available") is False:
        return f"unavailable: {availability.get('reason') or 'the run says so'}"
    return "no run of this platform has it"


def _bench_pair(section: BenchSection, a: str, b: str) -> BenchPair:
    rows = []
    for row in section.rows:
        va, vb = row.values[a], row.values[b]
        if va.median is None and vb.median is None:
            continue
        figure_ratio = bounds = None
        if va.samples and vb.samples:
            figure_ratio = ratio(va.samples, vb.samples)
            bounds = ratio_range(va.samples, vb.samples)
        rows.append(BenchPairRow(row.workload, row.title, row.figure, row.higher_better, va, vb,
                                 figure_ratio, bounds[0] if bounds else None, bounds[1] if bounds else None))
    return BenchPair(section, tuple(rows))
