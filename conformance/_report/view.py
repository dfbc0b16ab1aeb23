"""What the page and the Markdown table show, built once from the table's model: renderers only format.

:mod:`.table` is the model (outcome keys, platforms, counts); this module says how each thing is shown to a
reader, the same way in every rendering: a cell's outcome lines with their symbol, word, emoji and
colour class, the Pythons that have each outcome, its marks (predicted, refuted, intermittent) and
kinds (bug, design, unclassified); each platform's entry of a cell with its reason, kind, reproducer
command and history; the scores with their formula and explanation, the non-pass counts, the agreement
with ``threads``, the coverage, the predictions, the legends. ``index.html`` (:mod:`.render_html`) and
``support-table.md`` (:mod:`.render_markdown`) read a :class:`ReportView` and choose only markup.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance._model.looks import LOOKS, NOT_RUN_KEY, SEVERITY, word
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._report.history import History, Transition
from conformance._report.merge import Merged, Platform, ScenarioInfo, time_key
from conformance._report.predictions import ObservedPrediction, Predictions, UnobservedPrediction
from conformance._report.presentation import (
    DEVIATION_KINDS,
    DOCUMENTED_MISTAKE_MEANING,
    INTERMITTENT_MEANING,
    KIND_EMOJI,
    KIND_MEANINGS,
    area_name,
    os_name,
)
from conformance._report.table import (
    MISTAKE_KEY,
    Agreement,
    Column,
    Deviations,
    HiddenColumn,
    Score,
    Summary,
    Table,
    build_table,
    deviation_kind,
)
from conformance._runtimes import REFERENCE

if TYPE_CHECKING:
    from conformance._model.expectations import Expectations

# (reproducer path, runtime) -> the id ``conformance repro`` knows it by: ``sockets.peer_reset[eventlet]``
ReproIds = Mapping[tuple[str, str], str]

# The details a cell shows under their own headings; any other detail is shown under its name.
MESSAGE_KEYS = ("exception",)
STACK_KEYS = ("traceback", "stack")
HIDDEN_KEYS = ("runtime_version",)


# -- the vocabulary: outcomes, kinds, links --------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeView:
    """An outcome (or "not run") as every rendering shows it: symbol and word, and a colour."""

    key: str      # "pass", "not-applicable", "not-run": the filter's and the data's value
    word: str     # "pass", "not run"
    symbol: str
    emoji: str    # Markdown's colour
    css: str      # the page's colour class (o-<css>)
    meaning: str

    @property
    def label(self) -> str:
        """``"✓ pass"``: symbol and word."""
        return f"{self.symbol} {self.word}"


OUTCOMES: dict[str, OutcomeView] = {
    key: OutcomeView(key, word(key), look.symbol, look.emoji, look.css, look.meaning)
    for key, look in LOOKS.items()}
# The same, by the cell's own outcome: ``Outcome.value`` is a slow property, and a report reads 20,000.
_OF_CELL: dict[Outcome, OutcomeView] = {o: OUTCOMES[o.value] for o in Outcome}


def outcome(key: str) -> OutcomeView:
    return OUTCOMES[key]


@dataclass(frozen=True)
class KindView:
    """A kind of non-pass cell: bug, design or unclassified."""

    key: str
    emoji: str
    meaning: str


KINDS: dict[str, KindView] = {k: KindView(k, KIND_EMOJI[k], KIND_MEANINGS[k]) for k in DEVIATION_KINDS}


def web_link(url: str) -> bool:
    """Whether ``url`` may be a link on the page: http(s) only (never ``javascript:``)."""
    return url.startswith(("https://", "http://"))


@dataclass(frozen=True)
class LinkView:
    """An upstream link from the data: a link only where it is http(s), text otherwise."""

    url: str

    @property
    def web(self) -> bool:
        return web_link(self.url)


def plain(text: str) -> str:
    """A scenario's docstring prose as plain text: reStructuredText literals lose their backticks."""
    return text.replace("``", "")


def short_description(text: str) -> str:
    """The table's one-glance description: the docstring's prose without its "Reference semantics:"
    label (the whole table is about the reference semantics)."""
    text = plain(text).strip()
    label = "reference semantics:"
    if text.lower().startswith(label):
        text = text[len(label):].strip()
        text = text[:1].upper() + text[1:]
    return text


def join_labels(platforms: Sequence[Platform]) -> str:
    """``aarch64 3.13, 3.14; x86_64 3.12``: platforms' labels, an architecture they share said once."""
    groups: dict[str, list[str]] = {}
    for platform in platforms:
        groups.setdefault(platform.label_prefix, []).append(platform.label_name or platform.id)
    return "; ".join(f"{prefix} {', '.join(names)}".strip() for prefix, names in groups.items())


# -- a cell and its entries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReproView:
    """The standalone reproducer of a cell's expectation, and the two commands that run it."""

    path: str     # scenarios/sockets/repro/peer_reset__eventlet.py
    id: str       # how `conformance repro --list` names it: sockets.peer_reset[eventlet]
    command: str  # conformance repro 'sockets.peer_reset[eventlet]'
    script: str   # python scenarios/sockets/repro/peer_reset__eventlet.py eventlet


# slots: a report of 20 platforms makes 20,000 entries, and building them is most of the view's time.
@dataclass(frozen=True, slots=True)
class EntryView:
    """One platform's cell within a table cell: what its details show."""

    platform: Platform
    cell: Cell | None  # None: no run document of this platform has the cell
    outcome: OutcomeView
    kind: str | None = None  # bug, design, unclassified; None for a cell that is no finding
    repro: ReproView | None = None
    version: str | None = None  # the runtime's, as the cell or its run recorded it
    history: tuple[Transition, ...] = ()

    @property
    def message(self) -> str | None:
        found = None
        for key in MESSAGE_KEYS:
            if self.cell is not None and self.cell.details.get(key):
                found = self.cell.details[key]
        return found

    @property
    def stack(self) -> str | None:
        details = self.cell.details if self.cell is not None else {}
        stacks = [details[k] for k in STACK_KEYS if details.get(k)]
        return "\n".join(stacks) if stacks else None

    @property
    def more(self) -> dict[str, str]:
        """Any other detail the harness kept (stderr, the second attempt of a blocking cell)."""
        if self.cell is None:
            return {}
        return {k: v for k, v in self.cell.details.items()
                if k not in (*MESSAGE_KEYS, *STACK_KEYS, *HIDDEN_KEYS) and v}


@dataclass(frozen=True, slots=True)
class LineView:
    """One outcome of a table cell, with the Pythons that have it ("" where they all do)."""

    outcome: OutcomeView
    where: str  # "3.12", "aarch64 3.13, 3.14", "4 others"


@dataclass(frozen=True, slots=True)
class CellView:
    """One table cell (a scenario under a runtime on an OS) as it is shown."""

    summary: Summary
    worst: OutcomeView  # the colour of the cell
    lines: tuple[LineView, ...]
    kinds: tuple[KindView, ...]  # each kind of its non-pass Pythons once
    entries: tuple[EntryView, ...]

    @property
    def id(self) -> str:
        """Its fragment: ``sockets.tcp_echo/gevent/linux``."""
        return self.summary.id

    @property
    def runtime(self) -> str:
        return self.summary.column.runtime

    @property
    def os(self) -> str:
        return self.summary.column.os

    @property
    def os_name(self) -> str:
        return self.summary.column.os_name

    @property
    def uniform(self) -> bool:
        return self.summary.uniform

    @property
    def outcomes(self) -> tuple[str, ...]:
        return self.summary.outcomes

    @property
    def score(self) -> str:
        return self.summary.score

    @property
    def platform_kinds(self) -> tuple[str, ...]:
        """The kind of each non-pass Python, in platform order (the filter counts them)."""
        return self.summary.kinds

    @property
    def refuted(self) -> bool:
        return self.summary.refuted

    @property
    def confirmed(self) -> bool:
        return self.summary.confirmed

    @property
    def intermittent(self) -> bool:
        return self.summary.intermittent


@dataclass(frozen=True)
class ScenarioView:
    info: ScenarioInfo
    description: str        # the docstring's prose as plain text
    short_description: str  # without its "Reference semantics:" label
    search_text: str        # what the page's search box matches: id, title and description, lower case

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def title(self) -> str:
        return self.info.title

    @property
    def area(self) -> str:
        return self.info.area

    @property
    def documented_mistake(self) -> str:
        return self.info.documented_mistake


@dataclass(frozen=True)
class DifferingView:
    runtime: str
    os_names: tuple[str, ...]

    @property
    def label(self) -> str:
        """``"trio (Linux, Windows)"``."""
        return f"{self.runtime} ({', '.join(self.os_names)})"


@dataclass(frozen=True)
class AgreementView:
    status: str  # "agrees", "differs" or "no-reference"
    differing: tuple[DifferingView, ...] = ()

    @property
    def text(self) -> str:
        if self.status == "agrees":
            return "same as threads"
        if self.status == "differs":
            return "differs: " + ", ".join(d.label for d in self.differing)
        return "no threads result to compare with"


def agreement_view(agreement: Agreement) -> AgreementView:
    return AgreementView(agreement.status, tuple(DifferingView(d.runtime, tuple(os_name(o) for o in d.oses))
                                                 for d in agreement.differing))


@dataclass(frozen=True)
class RowView:
    scenario: ScenarioView
    cells: tuple[CellView, ...]
    agreement: AgreementView
    uniform: bool  # every runtime has the same outcome on each platform: "differences only" hides it


@dataclass(frozen=True)
class AreaView:
    key: str
    name: str
    rows: tuple[RowView, ...]


# -- columns, scores, coverage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnView:
    """A runtime x OS column with its score and its non-pass counts."""

    column: Column
    score: Score
    deviations: Deviations

    @property
    def runtime(self) -> str:
        return self.column.runtime

    @property
    def os(self) -> str:
        return self.column.os

    @property
    def os_name(self) -> str:
        return self.column.os_name

    @property
    def percent_text(self) -> str:
        value = self.score.percent
        return "n/a" if value is None else f"{value:.0f}%"

    @property
    def formula(self) -> str:
        """``"12 / 15"``: passing scenarios over counted scenarios."""
        return f"{self.score.passed} / {self.score.counted}"

    @property
    def explanation(self) -> str:
        score = self.score
        left_out = ", ".join(_left_out(o, n) for o, n in score.excluded if n)
        text = f"{score.passed} of {score.counted} scenarios pass under {self.runtime} on {self.os_name}"
        if len(self.column.platforms) > 1:
            text += " (on every platform that ran them)"
        return text + (f"; left out: {left_out}" if left_out else "")

    @property
    def kind_counts(self) -> tuple[tuple[KindView, int], ...]:
        return tuple((KINDS[k], n) for k, n in self.deviations.counts)

    @property
    def deviations_explanation(self) -> str:
        deviations = self.deviations
        if not deviations.non_pass:
            return f"no non-pass cell under {self.runtime} on {self.os_name}"
        parts = ", ".join(f"{n} {k}" for k, n in deviations.counts if n)
        return (f"{deviations.non_pass} non-pass cell{'s' * (deviations.non_pass != 1)} under {self.runtime} "
                f"on {self.os_name} (one per Python): {parts}")


def _left_out(key: str, count: int) -> str:
    if key == MISTAKE_KEY:
        return f"{count} documented mistake{'s' * (count != 1)}"
    return f"{count} {key.replace('-', ' ')}"


@dataclass(frozen=True)
class RuntimeGroup:
    """A runtime and how many OS columns it has: the table's first header row."""

    runtime: str
    span: int

    @property
    def reference(self) -> bool:
        return self.runtime == REFERENCE


@dataclass(frozen=True)
class BuildView:
    """The Pythons of one implementation and architecture on an OS: ``CPython 3.12.4, 3.13.1 (x86_64)``."""

    implementation: str
    arch: str
    versions: tuple[str, ...]


@dataclass(frozen=True)
class OsView:
    key: str
    name: str
    platforms: tuple[Platform, ...] = ()

    @property
    def builds(self) -> tuple[BuildView, ...]:
        grouped: dict[tuple[str, str], list[str]] = {}
        for p in self.platforms:
            grouped.setdefault((p.implementation, p.arch), []).append(p.python_version)
        return tuple(BuildView(impl, arch, tuple(versions)) for (impl, arch), versions in grouped.items())


@dataclass(frozen=True)
class CoverageView:
    """What the results cover, and what they do not: never a partial table presented as the truth."""

    oses: tuple[OsView, ...]
    missing_oses: tuple[OsView, ...]
    missing_platforms: tuple[str, ...]
    interrupted: tuple[str, ...]  # platform ids
    problems: tuple[str, ...]     # inputs left out, one line each
    unrun_scenarios: tuple[str, ...]
    hidden: tuple[HiddenColumn, ...]
    predicted_oses: tuple[OsView, ...]  # OSes no input ran that have predictions (listed apart)

    @property
    def incomplete(self) -> bool:
        return bool(self.missing_oses or self.missing_platforms or self.problems)


@dataclass(frozen=True)
class PlatformView:
    """A platform's row of the page's platform table, and its part of the details data."""

    platform: Platform
    os_text: str  # "Linux 6.1.0"
    python: str   # "CPython 3.12.4"
    free_threaded: bool
    build: str
    cpus: str
    runtimes: tuple[tuple[str, str, bool], ...]  # (name, version or "unavailable", available)
    started_at: str
    suite_version: str
    commits: tuple[str, ...]
    ci_job: LinkView | None

    @property
    def id(self) -> str:
        return self.platform.id

    @property
    def interrupted(self) -> bool:
        return bool(self.platform.run_info.get("interrupted"))


@dataclass(frozen=True)
class HeaderView:
    documents: int
    platforms: int
    scenarios: int
    latest: str | None  # the latest run's start
    commits: tuple[str, ...]  # every suite commit the runs came from


# -- predictions and the legend ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewView:
    """A prediction these runs tested: confirmed or refuted, per scenario x runtime x OS."""

    prediction: ObservedPrediction
    where: str  # the Pythons of the OS that tested it: "3.11, 3.12"
    predicted: OutcomeView
    observed: OutcomeView
    link: LinkView

    @property
    def refuted(self) -> bool:
        return self.prediction.kind == "refuted"


@dataclass(frozen=True)
class UnobservedView:
    prediction: UnobservedPrediction
    outcome: OutcomeView
    link: LinkView


@dataclass(frozen=True)
class UnobservedOsView:
    """An OS no input ran, and the predictions that can hold there: predictions, not results."""

    os: OsView
    predictions: tuple[UnobservedView, ...]


@dataclass(frozen=True)
class PredictionsView:
    to_review: tuple[ReviewView, ...] = ()  # refuted first
    unobserved: tuple[UnobservedOsView, ...] = ()


@dataclass(frozen=True)
class LegendView:
    outcomes: tuple[OutcomeView, ...]  # every outcome, the most severe first, "not run" last
    kinds: tuple[KindView, ...]
    mistake_meaning: str = DOCUMENTED_MISTAKE_MEANING
    intermittent_meaning: str = INTERMITTENT_MEANING


LEGEND = LegendView(outcomes=tuple(OUTCOMES[o] for o in SEVERITY),
                    kinds=tuple(KINDS[k] for k in DEVIATION_KINDS))


# -- the whole report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportView:
    """Everything the page and the Markdown show, in the table's order."""

    merged: Merged
    table: Table
    header: HeaderView
    coverage: CoverageView
    columns: tuple[ColumnView, ...]
    runtime_groups: tuple[RuntimeGroup, ...]
    areas: tuple[AreaView, ...]
    scenarios: tuple[ScenarioView, ...]  # every scenario of the inputs (the details' titles)
    platforms: tuple[PlatformView, ...]
    predictions: PredictionsView
    legend: LegendView = LEGEND

    @property
    def rows(self) -> tuple[RowView, ...]:
        return tuple(row for area in self.areas for row in area.rows)

    @property
    def mistakes(self) -> tuple[ScenarioView, ...]:
        """The scenarios that show a documented mistake, in the table's order: shown, not scored."""
        return tuple(row.scenario for row in self.rows if row.scenario.documented_mistake)

    @property
    def outcomes_present(self) -> tuple[OutcomeView, ...]:
        """The outcomes some cell shows, the most severe first: the outcome filter's chips."""
        present = {o for row in self.rows for cell in row.cells for o in cell.outcomes}
        return tuple(OUTCOMES[o] for o in SEVERITY if o in present)

    @property
    def kinds_present(self) -> tuple[KindView, ...]:
        """The kinds some cell's Pythons have: the kind filter's chips."""
        present = {k for row in self.rows for cell in row.cells for k in cell.platform_kinds}
        return tuple(KINDS[k] for k in DEVIATION_KINDS if k in present)


def build_view(merged: Merged, table: Table | None = None, *, predictions: Predictions | None = None,
               history: History | None = None, expectations: Expectations | None = None) -> ReportView:
    """The view of ``merged`` (and of its ``table``, built here if not given). ``expectations``: where the
    reproducers' ids come from (``conformance repro --list`` names them after their entry); without them
    a cell's own ``scenario[runtime]`` is used."""
    table = table if table is not None else build_table(merged)
    predictions = predictions or Predictions()
    ids = repro_ids(expectations)
    scenarios = {s.id: _scenario(s) for s in merged.scenarios}
    areas = tuple(AreaView(area, area_name(area),
                           tuple(_row(scenarios[row.scenario.id], row.summaries, row.agreement, row.uniform,
                                      history, ids) for row in rows))
                  for area, rows in table.areas)
    started = [p.run_info.get("started_at") for p in merged.platforms if p.run_info.get("started_at")]
    header = HeaderView(
        documents=len(merged.sources), platforms=len(merged.platforms), scenarios=len(table.rows),
        latest=max(started, key=time_key) if started else None,
        commits=tuple(sorted({str(c) for p in merged.platforms
                              for c in (p.run_info.get("suite_commits") or [p.run_info.get("suite_commit")])
                              if c})))
    return ReportView(
        merged=merged, table=table, header=header, coverage=_coverage(merged, table, predictions),
        columns=tuple(ColumnView(c, s, d) for c, s, d in zip(table.columns, table.scores, table.deviations,
                                                           strict=True)),
        runtime_groups=_runtime_groups(table.columns), areas=areas, scenarios=tuple(scenarios.values()),
        platforms=tuple(_platform(p) for p in merged.platforms), predictions=_predictions(predictions))


def _scenario(info: ScenarioInfo) -> ScenarioView:
    return ScenarioView(info, plain(info.description), short_description(info.description),
                        f"{info.id} {info.title} {info.description}".lower())


def _row(scenario: ScenarioView, summaries: Sequence[Summary], agreement: Agreement, uniform: bool,
         history: History | None, ids: ReproIds) -> RowView:
    return RowView(scenario, tuple(_cell(s, history, ids) for s in summaries), agreement_view(agreement),
                   uniform)


def _cell(summary: Summary, history: History | None, ids: ReproIds) -> CellView:
    return CellView(summary=summary, worst=OUTCOMES[summary.worst], lines=_lines(summary),
                    kinds=tuple(KINDS[k] for k in summary.kinds_present),
                    entries=tuple(_entry(e.platform, e.cell, summary, history, ids) for e in summary.entries))


def _lines(summary: Summary) -> tuple[LineView, ...]:
    """What the cell shows: each outcome with where, the most severe first.

    Where the platforms of the OS agree, one line and no "where". Otherwise each outcome says which
    platforms have it, except the one most of them have, which says how many ("4 others"): the cell
    says which differ without listing ten Pythons.
    """
    if summary.uniform:
        return (LineView(OUTCOMES[summary.worst], ""),)
    sizes = sorted((len(platforms) for _, platforms in summary.groups), reverse=True)
    majority = sizes[0] > sizes[1] and sizes[0] > 2
    return tuple(LineView(OUTCOMES[o], f"{len(platforms)} others" if majority and len(platforms) == sizes[0]
                          else join_labels(platforms))
                 for o, platforms in summary.groups)


def _entry(platform: Platform, cell: Cell | None, summary: Summary, history: History | None,
           ids: ReproIds) -> EntryView:
    if cell is None:
        return EntryView(platform, None, OUTCOMES[NOT_RUN_KEY])
    runtime = summary.column.runtime
    changes = history.get((summary.scenario.id, runtime, platform.id)) if history else None
    return EntryView(platform, cell, _OF_CELL[cell.outcome], kind=deviation_kind(cell),
                     repro=_repro(cell, ids),
                     version=cell.details.get("runtime_version") or platform.runtime_version(runtime),
                     history=changes or ())


def repro_ids(expectations: Expectations | None) -> dict[tuple[str, str], str]:
    """How ``conformance repro`` names each reproducer of the expectations, per runtime: after the
    entry's scenario, which may be a pattern (``sockets.*[eventlet]``)."""
    from conformance._model.expectations import pattern_filter
    from conformance._runtimes import RUNTIMES

    ids: dict[tuple[str, str], str] = {}
    for entry in expectations.entries if expectations is not None else ():
        repro = entry.expectation.repro
        if repro:
            for runtime in pattern_filter(RUNTIMES, entry.runtime):
                ids.setdefault((repro, runtime), f"{entry.scenario}[{runtime}]")
    return ids


def _repro(cell: Cell, ids: ReproIds) -> ReproView | None:
    expectation = cell.expectation
    if expectation is None or not expectation.repro:
        return None
    repro_id = ids.get((expectation.repro, cell.runtime), f"{cell.scenario}[{cell.runtime}]")
    path = f"scenarios/{expectation.repro}"
    return ReproView(path=path, id=repro_id, command=f"conformance repro {shlex.quote(repro_id)}",
                     script=f"python {shlex.quote(path)} {shlex.quote(cell.runtime)}")


def _runtime_groups(columns: Sequence[Column]) -> tuple[RuntimeGroup, ...]:
    groups: list[RuntimeGroup] = []
    for column in columns:
        if groups and groups[-1].runtime == column.runtime:
            groups[-1] = RuntimeGroup(column.runtime, groups[-1].span + 1)
        else:
            groups.append(RuntimeGroup(column.runtime, 1))
    return tuple(groups)


def _coverage(merged: Merged, table: Table, predictions: Predictions) -> CoverageView:
    return CoverageView(
        oses=tuple(OsView(o, os_name(o), tuple(p for p in merged.platforms if p.sys_platform == o))
                   for o in merged.oses),
        missing_oses=tuple(OsView(o, os_name(o)) for o in merged.missing_oses),
        missing_platforms=merged.missing_platforms,
        interrupted=tuple(p.id for p in merged.platforms if p.run_info.get("interrupted")),
        problems=tuple(str(p) for p in merged.problems), unrun_scenarios=merged.unrun_scenarios,
        hidden=tuple(table.hidden),
        predicted_oses=tuple(OsView(o, os_name(o)) for o, _ in predictions.unobserved_by_os()))


def _platform(p: Platform) -> PlatformView:
    info = p.run_info
    runtimes = info.get("runtimes") or {}
    ci_job = info.get("ci_job_url")
    return PlatformView(
        platform=p, os_text=f"{info.get('os', p.os_name)} {info.get('os_release', '')}",
        python=f"{p.implementation} {p.python_version}".strip(),
        free_threaded=info.get("gil_enabled") is False, build=str(info.get("python_build", "")),
        cpus=str(info.get("cpu_count", "")),
        runtimes=tuple((name, str(found.get("version") or "unavailable"), bool(found.get("available")))
                       for name, found in runtimes.items()),
        started_at=str(info.get("started_at", "")), suite_version=str(info.get("suite_version", "")),
        commits=tuple(str(c) for c in (info.get("suite_commits") or [info.get("suite_commit")]) if c),
        ci_job=LinkView(ci_job) if isinstance(ci_job, str) and ci_job else None)


def _predictions(predictions: Predictions) -> PredictionsView:
    return PredictionsView(
        to_review=tuple(ReviewView(p, join_labels(p.platforms), OUTCOMES[p.predicted], OUTCOMES[p.observed],
                                   LinkView(p.link)) for p in predictions.to_review),
        unobserved=tuple(UnobservedOsView(OsView(o, os_name(o)),
                                          tuple(UnobservedView(u, OUTCOMES[u.outcome], LinkView(u.link))
                                                for u in found))
                         for o, found in predictions.unobserved_by_os()))
