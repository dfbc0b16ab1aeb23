"""Plots of the measurements a reader would rather see than read, as static SVG (matplotlib).

Which measurements: those a scenario's module names in ``PLOTS`` (read with the suite's scenarios into
the catalog, :class:`.merge.ScenarioInfo`), so that the scenario that measures a figure says how to show
it. A plot is drawn only where the inputs have the measurement. One horizontal bar per runtime and OS (the
median over that OS's Pythons, each Python as a dot where there are several), the value written at the
end of the bar, and the outcome word where the cell did not pass: a bar is never the only carrier of
what it says.
"""

from __future__ import annotations

import io
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conformance._report.merge import Merged, ScenarioInfo
from conformance._report.presentation import os_name

# Okabe-Ito colours: told apart with the common colour-vision deficiencies.
OS_COLOURS = {"linux": "#0072B2", "darwin": "#E69F00", "win32": "#009E73"}
OTHER_COLOURS = ("#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
# The cell's own fields, plotted like a measurement.
CELL_FIELDS = {"max_stall_ms": "longest scheduler stall", "duration_s": "wall time of the cell"}


@dataclass(frozen=True)
class PlotSpec:
    scenario: str
    measurement: str  # a name in the cell's measurements, or one of CELL_FIELDS
    what: str         # what the value is, for the axis: "total time"
    unit: str
    better: str = "lower"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", f"{self.scenario}-{self.measurement}".lower()).strip("-")


def plot_specs(scenarios: Iterable[ScenarioInfo]) -> tuple[PlotSpec, ...]:
    """The plots the scenarios declare (``PLOTS``), by scenario id, each scenario's in its own order: the
    page shows them in that order."""
    return tuple(PlotSpec(s.id, p.measurement, p.what, p.unit, p.better)
                 for s in sorted(scenarios, key=lambda s: s.id) for p in s.plots)


@dataclass(frozen=True)
class Plot:
    spec: PlotSpec
    title: str
    svg: str           # a whole SVG document
    summary: str       # the same figures as text: the alternative text of the picture

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def inline_svg(self) -> str:
        """The ``<svg>`` element alone, for inlining into HTML (no XML prolog or doctype)."""
        start = self.svg.find("<svg")
        return self.svg[start:] if start >= 0 else self.svg


@dataclass(frozen=True)
class _Bar:
    runtime: str
    os: str
    value: float | None
    values: tuple[float, ...]
    outcome: str  # the worst non-pass outcome among the platforms, or "pass"


def values_of(merged: Merged, spec: PlotSpec) -> list[_Bar]:
    bars: list[_Bar] = []
    for runtime in merged.runtimes:
        for os_ in merged.oses:
            values: list[float] = []
            outcomes: list[str] = []
            for platform in merged.platforms:
                if platform.sys_platform != os_:
                    continue
                cell = merged.cell(spec.scenario, runtime, platform.id)
                if cell is None or cell.outcome.value in ("unavailable", "not-applicable"):
                    continue
                outcomes.append(cell.outcome.value)
                value: float | None
                if spec.measurement == "max_stall_ms":
                    value = cell.max_stall_ms
                elif spec.measurement == "duration_s":
                    value = cell.duration_s
                else:
                    value = cell.measurements.get(spec.measurement)
                if value is not None:
                    values.append(float(value))
            if not outcomes:
                continue
            worst = next((o for o in outcomes if o != "pass"), "pass")
            bars.append(_Bar(runtime, os_, statistics.median(values) if values else None, tuple(values),
                             worst))
    return bars


def make_plots(merged: Merged, specs: Sequence[PlotSpec] | None = None) -> list[Plot]:
    """The plots whose measurement some input has; nothing else (and no matplotlib import) otherwise.
    ``specs``: the plots to try, by default those the scenarios of ``merged`` declare."""
    specs = plot_specs(merged.scenarios) if specs is None else specs
    titles = {s.id: s.title for s in merged.scenarios}
    plots = []
    for spec in specs:
        bars = values_of(merged, spec)
        if not any(bar.value is not None for bar in bars):
            continue
        title = f"{titles.get(spec.scenario, spec.scenario)}: {spec.what}"
        plots.append(Plot(spec, title, _draw(spec, title, bars), _summary(spec, bars)))
    return plots


def _format(value: float, unit: str) -> str:
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}"


def _summary(spec: PlotSpec, bars: Sequence[_Bar]) -> str:
    parts = []
    for bar in bars:
        value = "no measurement" if bar.value is None else _format(bar.value, spec.unit)
        note = "" if bar.outcome == "pass" else f" ({bar.outcome})"
        parts.append(f"{bar.runtime} on {os_name(bar.os)}: {value}{note}")
    return f"{spec.what} ({spec.unit}, {spec.better} is better) of {spec.scenario}: " + "; ".join(parts)


def _draw(spec: PlotSpec, title: str, bars: Sequence[_Bar]) -> str:
    from matplotlib import rc_context

    # svg.hashsalt: stable ids, so the same data gives the same file; svg.fonttype none: text stays
    # text (selectable, searchable, small).
    with rc_context({"svg.hashsalt": spec.slug, "svg.fonttype": "none", "font.family": "sans-serif"}):
        return _figure(spec, title, bars)


def _figure(spec: PlotSpec, title: str, bars: Sequence[_Bar]) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    runtimes = list(dict.fromkeys(bar.runtime for bar in bars))
    oses = list(dict.fromkeys(bar.os for bar in bars))
    colours = {o: OS_COLOURS.get(o, OTHER_COLOURS[i % len(OTHER_COLOURS)]) for i, o in enumerate(oses)}
    band = 0.8 / max(len(oses), 1)
    height = 0.9 + 0.32 * len(runtimes) * max(len(oses), 1) + 0.35 * len(runtimes)
    width = 8.0
    figure = Figure(figsize=(width, height), dpi=96)
    # Fixed margins (in inches) rather than a layout engine: constrained layout drew every figure
    # twice more, and the labels here are short and known (runtime names, one title, one axis label).
    figure.subplots_adjust(left=0.85 / width, right=1 - 0.2 / width, top=1 - 0.45 / height,
                           bottom=0.6 / height)
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    measured = [v for bar in bars for v in (bar.values or ()) if v > 0]
    log = bool(measured) and min(measured) > 0 and max(measured) / min(measured) > 50
    top = max((v for bar in bars for v in bar.values), default=1.0) or 1.0
    for bar in bars:
        y = runtimes.index(bar.runtime) - 0.4 + band * (oses.index(bar.os) + 0.5)
        colour = colours[bar.os]
        if bar.value is None:
            axes.text(0.01, y, f"no measurement ({bar.outcome})", transform=axes.get_yaxis_transform(),
                      va="center", fontsize=8, color="#555555")
            continue
        axes.barh(y, bar.value, height=band * 0.85, color=colour,
                  label=os_name(bar.os) if len(oses) > 1 else None)
        if len(bar.values) > 1:
            axes.plot(bar.values, [y] * len(bar.values), "o", color="#222222", markersize=3)
        note = "" if bar.outcome == "pass" else f"  ({bar.outcome})"
        axes.annotate(f"{_format(bar.value, spec.unit)}{note}", (max(bar.values), y), xytext=(5, 0),
                      textcoords="offset points", va="center", fontsize=8, color="#222222")
    axes.set_yticks(range(len(runtimes)), runtimes)
    axes.invert_yaxis()
    axes.set_xlabel(f"{spec.what} ({spec.unit}{', log scale' if log else ''}; {spec.better} is better)")
    if log:
        from matplotlib.ticker import FuncFormatter

        axes.set_xscale("log")
        axes.set_xlim(min(measured) / 2, top * 8)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    else:
        axes.set_xlim(0, top * 1.35)
    axes.set_title(title, loc="left", fontsize=10)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    if len(oses) > 1:
        handles, labels = axes.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        # Above the plot, right of the title: never over a bar or its label.
        axes.legend(unique.values(), unique.keys(), fontsize=8, frameon=False, loc="lower right",
                    bbox_to_anchor=(1.0, 1.0), ncol=len(unique), borderaxespad=0.2)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
