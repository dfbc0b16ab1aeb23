"""The bench section of the report: each bench document's figures as a table (median, min-max, ratio to
``threads``, spread of the repeats) and as grouped bar plots, beside the conformance table.

A bench figure is named ``<load>_<metric>`` where a workload has several loads (``1kib_c10_req_per_s``:
1 KiB messages on 10 connections, requests per second) and ``<metric>`` alone otherwise. A plot is drawn
per workload and metric: one group of bars per load, one bar per runtime (and the C limit proxy where it
was measured), whiskers from the slowest to the fastest repeat, a log scale where the bars differ by more
than 20 times.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance._model.bench import higher_is_better, ratio, ratio_range, spread, unit_of
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, RunDocument
from conformance._report.presentation import os_name
from conformance._runtimes import REFERENCE

LIMIT_LABEL = "C epoll (limit)"
_LOAD = re.compile(r"^(?P<load>(?:\d+kib_)?c\d+(?:_r\d+k?)?)_(?P<metric>.+)$")
# Okabe-Ito first (told apart with the common colour-vision deficiencies), then darker tones.
RUNTIME_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                   "#000000", "#8C564B", "#7F7F7F", "#17BECF")
LIMIT_COLOUR = "#BBBBBB"


def split_figure(figure: str) -> tuple[str, str]:
    """``1kib_c10_req_per_s`` -> (``1kib_c10``, ``req_per_s``); ``1kib_c10_r10k_p99_us`` ->
    (``1kib_c10_r10k``, ``p99_us``); ``tasks_per_s`` -> (``""``, it)."""
    match = _LOAD.match(figure)
    return (match["load"], match["metric"]) if match else ("", figure)


@dataclass(frozen=True)
class BenchValue:
    outcome: str
    reason: str = ""
    median: float | None = None
    low: float | None = None
    high: float | None = None
    repeats: int = 0
    # The headline: the median of the round-by-round ratios to threads, and their lowest and highest
    # (None for threads itself, and where the repeats did not run in the same rounds: no range).
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    spread: float | None = None  # (max - min) / median over the repeats
    # Every repeat's figure, in the order of the rounds: a comparison of two runtimes pairs them by round.
    samples: tuple[float, ...] = ()

    @property
    def headline(self) -> str:
        """``x2.40 [2.27-2.78]``, or "" for the baseline itself."""
        return ratio_headline(self.ratio, self.ratio_low, self.ratio_high)


def ratio_headline(ratio: float | None, low: float | None, high: float | None) -> str:
    """A round-paired ratio as every rendering writes it: ``x2.40 [2.27-2.78]``; ``x2.40`` without a
    range; "" without a ratio."""
    if ratio is None:
        return ""
    bounds = "" if low is None or high is None else f" [{low:.2f}-{high:.2f}]"
    return f"x{ratio:.2f}{bounds}"


@dataclass(frozen=True)
class BenchRow:
    scenario: str
    title: str
    figure: str
    load: str
    metric: str
    unit: str
    higher_better: bool
    values: Mapping[str, BenchValue]
    limit: float | None = None

    @property
    def workload(self) -> str:
        """The workload's name, as the page and bench.md show it: the scenario id without its area."""
        return self.scenario.removeprefix("bench.")


@dataclass(frozen=True)
class BenchPlot:
    slug: str
    title: str
    svg: str
    summary: str

    @property
    def inline_svg(self) -> str:
        start = self.svg.find("<svg")
        return self.svg[start:] if start >= 0 else self.svg


@dataclass(frozen=True)
class BenchSection:
    """One bench document (one machine, one Python)."""

    source: str
    platform: str
    heading: str
    run_info: Mapping[str, Any]
    runtimes: tuple[str, ...]
    rows: tuple[BenchRow, ...]
    limits: tuple[Mapping[str, Any], ...]
    plots: tuple[BenchPlot, ...] = field(default=())

    @property
    def quick(self) -> bool:
        return bool((self.run_info.get("bench") or {}).get("quick"))

    @property
    def repeats(self) -> int:
        return int((self.run_info.get("bench") or {}).get("repeats") or 0)

    @property
    def loopback_mib_per_s(self) -> float | None:
        for limit in self.limits:
            figure = (limit.get("figures") or {}).get("loopback")
            if figure:
                value = figure["measurements"].get("mib_per_s")
                return float(value) if value is not None else None
        return None


def _value(cell: Cell | None, figure: str, base: Sequence[float]) -> BenchValue:
    if cell is None:
        return BenchValue("not-run")
    if cell.outcome is not Outcome.PASS:
        return BenchValue(cell.outcome.value, cell.reason)
    median = cell.measurements.get(figure)
    if median is None:
        return BenchValue("pass", "this runtime did not report the figure")
    samples = cell.samples.get(figure) or (median,)
    baseline = cell.runtime == REFERENCE
    bounds = None if baseline else ratio_range(samples, base)
    return BenchValue("pass", median=median, low=min(samples), high=max(samples), repeats=len(samples),
                      ratio=None if baseline else ratio(samples, base),
                      ratio_low=bounds[0] if bounds else None, ratio_high=bounds[1] if bounds else None,
                      spread=spread(samples) if len(samples) > 1 else None, samples=tuple(samples))


def bench_section(source: str, document: RunDocument, titles: Mapping[str, str]) -> BenchSection:
    info = document.run_info
    by_id = {c.id: c for c in document.cells}
    runtimes = tuple(dict.fromkeys(c.runtime for c in document.cells))
    limits = tuple(dict(v) for v in (info.get("limits") or {}).values())
    c_limit = (info.get("limits") or {}).get("c-epoll-echo", {}).get("figures", {})
    rows = []
    seen = set()
    for cell in document.cells:
        for figure in cell.measurements:
            if (cell.scenario, figure) in seen:
                continue
            seen.add((cell.scenario, figure))
            base_cell = by_id.get(f"{cell.scenario}[{REFERENCE}]")
            base: tuple[float, ...] = ()
            if base_cell is not None and base_cell.outcome is Outcome.PASS \
                    and figure in base_cell.measurements:
                base = tuple(base_cell.samples.get(figure) or (base_cell.measurements[figure],))
            load, metric = split_figure(figure)
            limit = c_limit.get(cell.scenario, {}).get("measurements", {}).get(figure)
            rows.append(BenchRow(
                scenario=cell.scenario, title=titles.get(cell.scenario, cell.scenario), figure=figure,
                load=load, metric=metric, unit=unit_of(figure), higher_better=higher_is_better(figure),
                values={r: _value(by_id.get(f"{cell.scenario}[{r}]"), figure, base) for r in runtimes},
                limit=limit))
    rows.sort(key=lambda r: (r.scenario, r.metric, r.load))
    python = f"{info.get('python_implementation', '')} {info.get('python_version', '')}".strip()
    heading = (f"{os_name(str(info.get('sys_platform', '')))} {info.get('arch', '')}, {python}, "
               f"{info.get('cpu_count', '?')} CPUs")
    section = BenchSection(source=source, platform=str(info.get("platform", "")), heading=heading,
                           run_info=info, runtimes=runtimes, rows=tuple(rows), limits=limits)
    return BenchSection(**{**section.__dict__, "plots": tuple(bench_plots(section))})


def bench_sections(documents: Sequence[tuple[str, RunDocument]],
                   titles: Mapping[str, str]) -> list[BenchSection]:
    return [bench_section(source, document, titles) for source, document in documents]


# -- plots ---------------------------------------------------------------------------------------


def format_figure(value: float) -> str:
    """A bench figure as every rendering writes it (the page, bench.md, a plot's text): ``12,345``,
    ``98.7``, ``0.123``."""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def bench_plots(section: BenchSection) -> list[BenchPlot]:
    groups: dict[tuple[str, str], list[BenchRow]] = {}
    for row in section.rows:
        groups.setdefault((row.scenario, row.metric), []).append(row)
    plots = []
    for (scenario, metric), rows in groups.items():
        slug = re.sub(r"[^a-z0-9]+", "-", f"bench-{section.platform}-{scenario}-{metric}".lower()).strip("-")
        better = "higher" if rows[0].higher_better else "lower"
        unit = rows[0].unit
        # A workload that threads cannot run (an asyncio-only library: unsupported there) has nothing to
        # divide by: its plot draws the figures themselves, saying so, rather than no bar at all.
        ratios = any(_baseline(row) is not None for row in rows)
        title = (f"{scenario.removeprefix('bench.')}: {metric} as x {REFERENCE}, round by round "
                 f"({better} is better)" if ratios else
                 f"{scenario.removeprefix('bench.')}: {metric}, median of the repeats "
                 f"({REFERENCE} has no figure to divide by; {better} is better)")
        parts = []
        for row in rows:
            values = "; ".join(f"{r} {v.headline} ({format_figure(v.median)} {unit})".replace("  ", " ")
                               if v.median is not None else f"{r} {v.outcome}"
                               for r, v in row.values.items() if v.outcome != "unavailable")
            limit = f"; {LIMIT_LABEL} {format_figure(row.limit)}" if row.limit is not None else ""
            parts.append(f"{row.load or metric}: {values}{limit}")
        summary = f"{rows[0].title}. {title}, {section.heading}. " + ". ".join(parts)
        plots.append(BenchPlot(slug, title, _draw(slug, title, section.runtimes, rows, ratios), summary))
    return plots


def _baseline(row: BenchRow) -> float | None:
    """threads' median of the row's figure, where it has one."""
    base = row.values.get(REFERENCE)
    return base.median if base is not None and base.median else None


def _draw(slug: str, title: str, runtimes: Sequence[str], rows: Sequence[BenchRow], ratios: bool) -> str:
    from matplotlib import rc_context

    with rc_context({"svg.hashsalt": slug, "svg.fonttype": "none", "font.family": "sans-serif"}):
        return _figure(title, runtimes, rows, ratios)


def _bar(name: str, row: BenchRow, ratios: bool) -> tuple[float, float, float] | None:
    """One bar of a plot: its height, lowest and highest. With ``ratios``, the headline as in the tables:
    a runtime's round-paired ratio to threads, with the lowest and highest round (threads itself is the
    line at 1); the C limit ran in rounds of its own: the ratio of its median to threads' median, without a
    range. Without, the median figure, from the slowest to the fastest repeat."""
    if name == LIMIT_LABEL:
        base = _baseline(row)
        value = row.limit if not ratios else row.limit / base if row.limit is not None and base else None
        return None if value is None else (value, value, value)
    entry = row.values[name]
    if not ratios:
        return None if entry.median is None or entry.low is None or entry.high is None else \
            (entry.median, entry.low, entry.high)
    if entry.ratio is None:
        return None
    low = entry.ratio_low if entry.ratio_low is not None else entry.ratio
    high = entry.ratio_high if entry.ratio_high is not None else entry.ratio
    return entry.ratio, low, high


def _figure(title: str, runtimes: Sequence[str], rows: Sequence[BenchRow], ratios: bool) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    shown = [r for r in runtimes if (r != REFERENCE or not ratios)
             and any(_bar(r, row, ratios) is not None for row in rows)]
    has_limit = any(_bar(LIMIT_LABEL, row, ratios) is not None for row in rows)
    series = [*shown, LIMIT_LABEL] if has_limit else shown
    width, height = 8.0, 3.6
    figure = Figure(figsize=(width, height), dpi=96)
    figure.subplots_adjust(left=0.9 / width, right=1 - 0.15 / width, top=1 - 0.45 / height,
                           bottom=0.95 / height)
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    band = 0.84 / max(len(series), 1)
    bars = [bar for row in rows for name in series if (bar := _bar(name, row, ratios)) is not None]
    everything = [v for v in [1.0] * ratios + [v for bar in bars for v in bar] if v > 0]
    log = bool(everything) and max(everything) / min(everything) > 20
    for index, name in enumerate(series):
        colour = LIMIT_COLOUR if name == LIMIT_LABEL else RUNTIME_COLOURS[index % len(RUNTIME_COLOURS)]
        xs, heights, lows, highs = [], [], [], []
        for group, row in enumerate(rows):
            found = _bar(name, row, ratios)
            if found is None:
                continue
            value, low, high = found
            xs.append(group - 0.42 + band * (index + 0.5))
            heights.append(value)
            lows.append(value - low)
            highs.append(high - value)
        if xs:
            axes.bar(xs, heights, width=band * 0.9, color=colour, label=name,
                     yerr=[lows, highs], error_kw={"elinewidth": 0.7, "capsize": 1.5, "ecolor": "#333333"})
    if ratios:
        axes.axhline(1.0, color="#333333", linewidth=0.8, linestyle="--", label=REFERENCE)
    axes.set_xticks(range(len(rows)), [row.load or row.metric for row in rows])
    if log:
        axes.set_yscale("log")
    axes.set_ylabel(f"x {REFERENCE} ({rows[0].metric}{', log scale' if log else ''})" if ratios else
                    f"{rows[0].metric} ({rows[0].unit}{', log scale' if log else ''})")
    axes.set_title(title, loc="left", fontsize=10)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                ncol=max(1, min(len(series), 6)))  # no series: threads alone ran, its line at 1
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


# -- Markdown -------------------------------------------------------------------------------------


def render_bench_markdown(sections: Sequence[BenchSection]) -> str:
    """Each bench document as a Markdown table: x ratio to threads [range], median, ±spread; a footnote
    on method and the limits."""
    lines = ["# Bench", ""]
    for section in sections:
        mode = "quick (a smoke test: small loads, one repeat)" if section.quick else \
            f"{section.repeats} repeats, each in a fresh process"
        lines += [f"## {section.heading}", "",
                  f"Source: `{section.source}`; {mode}. Each cell: x ratio to `threads`, the median "
                  "of the round-by-round ratios (over 1 is more of the figure), [its lowest-highest "
                  "round]; then the median and ±spread ((max - min) / median of the repeats).", ""]
        header = ["workload", "figure", *section.runtimes, LIMIT_LABEL]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * 2 + "---:|" * (len(header) - 2))
        for row in section.rows:
            arrow = "↑" if row.higher_better else "↓"
            cells = [row.workload, f"{row.figure} {arrow}"]
            for runtime in section.runtimes:
                value = row.values[runtime]
                if value.median is None:
                    cells.append(value.outcome if value.outcome != "pass" else "-")
                    continue
                text = f"{value.headline} {format_figure(value.median)}".strip()
                if value.spread is not None:
                    text += f" ±{value.spread * 100:.0f}%"
                cells.append(text)
            cells.append(format_figure(row.limit) if row.limit is not None else "-")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        for limit in section.limits:
            if limit.get("available"):
                lines.append(f"- limit `{limit['name']}`: {limit['description']}.")
            else:
                lines.append(f"- limit `{limit['name']}`: not measured: {limit['reason']}.")
        loopback = section.loopback_mib_per_s
        if loopback is not None:
            lines.append(f"- loopback bandwidth (iperf3): {loopback:,.0f} MiB/s.")
        lines.append("")
    return "\n".join(lines)
