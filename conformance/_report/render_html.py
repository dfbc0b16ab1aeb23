"""The support table as one self-contained static page: ``index.html``.

Jinja2 with autoescape renders the table itself (readable without JavaScript); the cells' details go into
one JSON block that the page's script turns into DOM nodes with ``textContent`` only. Every text from a
result (reasons, messages, stacks) is therefore inert, and the JSON block is escaped so that no string in
it can close its ``<script>`` element. CSS, script and plots are inline: the page makes no request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from conformance import __version__
from conformance._report.bench import LIMIT_LABEL, BenchSection, BenchValue, format_figure
from conformance._report.compare import COMMON_PAIRS
from conformance._report.diff import KINDS, Diff
from conformance._report.plots import Plot
from conformance._report.view import OUTCOMES, EntryView, ReportView, outcome

TEMPLATES = Path(__file__).resolve().parent / "templates"


def script_json(value: object) -> Markup:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    (so no ``</script>`` or ``<!--``), and no U+2028/U+2029, whatever the strings in it say."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.globals.update(outcome=outcome, figure=format_figure, KINDS=KINDS)
    return env


def _entry(entry: EntryView) -> dict[str, Any]:
    """One platform's cell as the details panel reads it (``report.js``)."""
    cell = entry.cell
    if cell is None:
        return {"platform": entry.platform.id, "outcome": entry.outcome.key}
    data: dict[str, Any] = {"platform": entry.platform.id, "outcome": entry.outcome.key,
                            "expected": cell.expected.value, "duration_s": round(cell.duration_s, 4)}
    if cell.reason:
        data["reason"] = cell.reason
    if cell.max_stall_ms is not None:
        data["max_stall_ms"] = round(cell.max_stall_ms, 3)
    if cell.measurements:
        data["measurements"] = {k: round(v, 4) for k, v in cell.measurements.items()}
    if cell.expectation is not None:
        data["expectation"] = cell.expectation.to_json()
    if entry.repro is not None:
        data["repro"] = {"path": entry.repro.path, "id": entry.repro.id, "command": entry.repro.command,
                         "script": entry.repro.script}
    if entry.kind:
        data["kind"] = entry.kind
    if cell.harness_error:
        data["harness_error"] = True
    if entry.version:
        data["version"] = entry.version
    if entry.message:
        data["message"] = entry.message
    if entry.stack:
        data["stack"] = entry.stack
    if entry.more:
        data["more"] = entry.more
    if entry.history:
        data["history"] = [t.to_json() for t in entry.history]
    return data


def _bench_data(bench: Sequence[BenchSection]) -> list[dict[str, Any]]:
    """Each bench document's figures with every repeat, in the order of the rounds: the comparison pairs
    them round by round (``report.js``, as :mod:`.compare` does)."""
    def value(v: BenchValue) -> dict[str, Any]:
        if v.median is None:
            return {"outcome": v.outcome}
        return {"outcome": v.outcome, "text": format_figure(v.median), "samples": list(v.samples)}

    return [{"platform": s.platform, "heading": s.heading, "source": s.source,
             "rows": [{"workload": r.workload, "figure": r.figure, "higher_better": r.higher_better,
                       "values": {rt: value(v) for rt, v in r.values.items()}} for r in s.rows]}
            for s in bench]


def details_data(view: ReportView, bench: Sequence[BenchSection] = ()) -> dict[str, Any]:
    """Everything the details panel and the comparison show: the cells keyed by their fragment ids, the
    scenarios, platforms and areas in the table's order, and the bench figures."""
    return {
        "areas": [{"key": area.key, "name": area.name, "scenarios": [row.scenario.id for row in area.rows]}
                  for area in view.areas],
        "oses": [os_.key for os_ in view.coverage.oses],
        "platform_order": [p.platform.id for p in view.platforms],
        "bench": _bench_data(bench),
        "cells": {cell.id: [_entry(e) for e in cell.entries] for row in view.rows for cell in row.cells},
        "scenarios": {s.id: {"title": s.title, "description": s.description, "area": s.area,
                             **({"documented_mistake": s.documented_mistake} if s.documented_mistake else {})}
                      for s in view.scenarios},
        "platforms": {p.id: {"label": p.platform.label, "os": p.platform.sys_platform,
                             "os_name": p.platform.os_name, "python": p.python, "arch": p.platform.arch,
                             "started_at": p.platform.run_info.get("started_at"),
                             "ci_job_url": p.platform.run_info.get("ci_job_url"),
                             "suite_commit": p.platform.run_info.get("suite_commit"),
                             "unavailable": {name: str(r.get("reason") or "the run says so") for name, r
                                             in (p.platform.run_info.get("runtimes") or {}).items()
                                             if isinstance(r, dict) and r.get("available") is False}}
                      for p in view.platforms},
        "looks": {o.key: {"symbol": o.symbol, "css": o.css, "word": o.word} for o in OUTCOMES.values()},
        "agreement": {row.scenario.id: row.agreement.text for row in view.rows},
    }


def render_html(view: ReportView, *, plots: Sequence[Plot] = (), change_set: Diff | None = None,
                bench: Sequence[BenchSection] = (),
                title: str = "Python concurrency runtimes: what works where") -> str:
    """The page: ``index.html.j2``, which includes a template per section and imports the markup they
    share from ``macros.html.j2``."""
    env = _environment()
    template = env.get_template("index.html.j2")
    loader = env.loader
    assert loader is not None
    css = loader.get_source(env, "report.css")[0]
    script = loader.get_source(env, "report.js")[0]
    runtimes = {group.runtime for group in view.runtime_groups}
    return template.render(
        title=title, view=view, plots=plots, diff=change_set, bench=bench, limit_label=LIMIT_LABEL,
        css=Markup(css), script=Markup(script), data=script_json(details_data(view, bench)),
        version=__version__, compare_pairs=[(a, b) for a, b in COMMON_PAIRS if {a, b} <= runtimes])
