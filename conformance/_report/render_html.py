"""The support table as one self-contained static page: ``index.html``.

Jinja2 with autoescape renders the table itself (readable without JavaScript); the cells' details go into
one JSON block that the page's script turns into DOM nodes with ``textContent`` only. Every text from a
result (reasons, messages, stacks) is therefore inert, and the JSON block is escaped so that no string in
it can close its ``<script>`` element. CSS, script and plots are inline: the page makes no request.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from conformance import __version__
from conformance._model.looks import LOOKS, NOT_RUN_KEY, SEVERITY, label, look, word
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._report.bench import LIMIT_LABEL, BenchSection
from conformance._report.diff import KINDS, Diff
from conformance._report.history import History
from conformance._report.merge import Merged, time_key
from conformance._report.plots import Plot
from conformance._report.predictions import Predictions
from conformance._report.presentation import (
    DEVIATION_KINDS,
    DOCUMENTED_MISTAKE_MEANING,
    INTERMITTENT_MEANING,
    KIND_MEANINGS,
    area_name,
    os_name,
)
from conformance._report.table import Table, deviation_kind

if TYPE_CHECKING:
    from conformance._model.expectations import Expectations

# (reproducer path, runtime) -> the id ``conformance repro`` knows it by: ``sockets.peer_reset[eventlet]``
ReproIds = Mapping[tuple[str, str], str]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The details a cell shows under their own headings; any other detail is shown under its name.
MESSAGE_KEYS = ("exception",)
STACK_KEYS = ("traceback", "stack")
HIDDEN_KEYS = ("runtime_version",)


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
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(look=look, word=word, label=label, os_name=os_name, area_name=area_name, KINDS=KINDS,
                       web_link=web_link)
    env.filters.update(short_description=short_description, plain=plain)
    return env


def repro_ids(expectations: Expectations | None) -> dict[tuple[str, str], str]:
    """How ``conformance repro`` names each reproducer of the expectations, per runtime: after the
    entry's scenario, which may be a pattern (``sockets.*[eventlet]``)."""
    from conformance._runtimes import RUNTIMES

    ids: dict[tuple[str, str], str] = {}
    for entry in expectations.entries if expectations is not None else ():
        repro = entry.expectation.repro
        if repro:
            for runtime in fnmatch.filter(RUNTIMES, entry.runtime):
                ids.setdefault((repro, runtime), f"{entry.scenario}[{runtime}]")
    return ids


def _repro(cell: Cell, ids: ReproIds) -> dict[str, str] | None:
    """The reproducer of a cell's expectation: its path, and the two commands that run it."""
    expectation = cell.expectation
    if expectation is None or not expectation.repro:
        return None
    repro_id = ids.get((expectation.repro, cell.runtime), f"{cell.scenario}[{cell.runtime}]")
    return {"path": f"scenarios/{expectation.repro}", "id": repro_id,
            "command": f"conformance repro {shlex.quote(repro_id)}",
            "script": f"python {shlex.quote('scenarios/' + expectation.repro)} {shlex.quote(cell.runtime)}"}


def _entry(cell: Cell | None, platform_id: str, merged: Merged, history: History | None,
           scenario: str, runtime: str, ids: ReproIds) -> dict[str, Any]:
    if cell is None:
        return {"platform": platform_id, "outcome": NOT_RUN_KEY}
    platform = merged.platform(platform_id)
    data: dict[str, Any] = {"platform": platform_id, "outcome": cell.outcome.value,
                            "expected": cell.expected.value, "duration_s": round(cell.duration_s, 4)}
    if cell.reason:
        data["reason"] = cell.reason
    if cell.max_stall_ms is not None:
        data["max_stall_ms"] = round(cell.max_stall_ms, 3)
    if cell.measurements:
        data["measurements"] = {k: round(v, 4) for k, v in cell.measurements.items()}
    if cell.expectation is not None:
        data["expectation"] = cell.expectation.to_json()
        repro = _repro(cell, ids)
        if repro:
            data["repro"] = repro
    kind = deviation_kind(cell)
    if kind:
        data["kind"] = kind
    if cell.harness_error:
        data["harness_error"] = True
    version = cell.details.get("runtime_version") or platform.runtime_version(runtime)
    if version:
        data["version"] = version
    for key in MESSAGE_KEYS:
        if cell.details.get(key):
            data["message"] = cell.details[key]
    stacks = [cell.details[k] for k in STACK_KEYS if cell.details.get(k)]
    if stacks:
        data["stack"] = "\n".join(stacks)
    more = {k: v for k, v in cell.details.items()
            if k not in (*MESSAGE_KEYS, *STACK_KEYS, *HIDDEN_KEYS) and v}
    if more:
        data["more"] = more
    if history:
        changes = history.get((scenario, runtime, platform_id))
        if changes:
            data["history"] = [t.to_json() for t in changes]
    return data


def details_data(merged: Merged, table: Table, history: History | None,
                 ids: ReproIds | None = None) -> dict[str, Any]:
    """Everything the details panel shows, keyed by the cells' fragment ids."""
    cells: dict[str, list[dict[str, Any]]] = {}
    for row in table.rows:
        for summary in row.summaries:
            cells[summary.id] = [_entry(e.cell, e.platform.id, merged, history, row.scenario.id,
                                        summary.column.runtime, ids or {}) for e in summary.entries]
    platforms = {}
    for p in merged.platforms:
        info = p.run_info
        platforms[p.id] = {"label": p.label, "os": p.sys_platform, "os_name": p.os_name,
                           "python": f"{p.implementation} {p.python_version}".strip(), "arch": p.arch,
                           "started_at": info.get("started_at"), "ci_job_url": info.get("ci_job_url"),
                           "suite_commit": info.get("suite_commit")}
    return {
        "cells": cells,
        "scenarios": {s.id: {"title": s.title, "description": plain(s.description), "area": s.area,
                             **({"documented_mistake": s.documented_mistake} if s.documented_mistake else {})}
                      for s in merged.scenarios},
        "platforms": platforms,
        "looks": {o: {"symbol": LOOKS[o].symbol, "css": LOOKS[o].css, "word": word(o)} for o in LOOKS},
        "agreement": {row.scenario.id: row.agreement.text for row in table.rows},
    }


def web_link(url: str) -> bool:
    """Whether ``url`` may be a link on the page: http(s) only (never ``javascript:``)."""
    return url.startswith(("https://", "http://"))


def render_html(merged: Merged, table: Table, *, plots: Sequence[Plot] = (),
                change_set: Diff | None = None, history: History | None = None,
                bench: Sequence[BenchSection] = (), predictions: Predictions | None = None,
                title: str = "Python concurrency runtimes: what works where",
                expectations: Expectations | None = None) -> str:
    """The page. ``expectations``: where the reproducers' ids come from (``conformance repro --list``
    names them after their entry); without them a cell's own ``scenario[runtime]`` is used."""
    env = _environment()
    template = env.get_template("index.html.j2")
    loader = env.loader
    assert loader is not None
    css = loader.get_source(env, "report.css")[0]
    script = loader.get_source(env, "report.js")[0]
    started = [p.run_info.get("started_at") for p in merged.platforms if p.run_info.get("started_at")]
    latest = max(started, key=time_key) if started else None
    commits = sorted({str(c) for p in merged.platforms
                      for c in (p.run_info.get("suite_commits") or [p.run_info.get("suite_commit")]) if c})
    areas = [area for area, _ in table.areas]
    outcomes_present = {o for row in table.rows for s in row.summaries for o in s.outcomes}
    return template.render(
        title=title, merged=merged, table=table, plots=plots, diff=change_set, history=history,
        bench=bench, limit_label=LIMIT_LABEL,
        css=Markup(css), script=Markup(script),
        data=script_json(details_data(merged, table, history, repro_ids(expectations))),
        areas=areas, severity=[o for o in SEVERITY if o in outcomes_present],
        all_outcomes=[o for o in SEVERITY if o != NOT_RUN_KEY] + [NOT_RUN_KEY], latest=latest,
        commits=commits, version=__version__, outcome_enum=Outcome, runtime_columns=_runtime_groups(table),
        meanings={o: LOOKS[o].meaning for o in LOOKS},
        platforms_by_os=_platforms_by_os(merged), predictions=predictions or Predictions(),
        kinds_present=[k for k in DEVIATION_KINDS
                       if any(k in s.kinds for row in table.rows for s in row.summaries)],
        all_kinds=DEVIATION_KINDS, kind_meanings=KIND_MEANINGS, mistake_meaning=DOCUMENTED_MISTAKE_MEANING,
        intermittent_meaning=INTERMITTENT_MEANING,
    )


def _runtime_groups(table: Table) -> list[tuple[str, int]]:
    """(runtime, number of OS columns) in column order: the first header row."""
    groups: list[tuple[str, int]] = []
    for column in table.columns:
        if groups and groups[-1][0] == column.runtime:
            groups[-1] = (column.runtime, groups[-1][1] + 1)
        else:
            groups.append((column.runtime, 1))
    return groups


def _platforms_by_os(merged: Merged) -> Mapping[str, list[str]]:
    """Per OS, its platforms said briefly: ``CPython 3.12.4, 3.13.1 (x86_64)``."""
    grouped: dict[str, dict[tuple[str, str], list[str]]] = {}
    for p in merged.platforms:
        by_build = grouped.setdefault(p.sys_platform, {})
        by_build.setdefault((p.implementation, p.arch), []).append(p.python_version)
    return {os_: [f"{impl} {', '.join(versions)} ({arch})" for (impl, arch), versions in groups.items()]
            for os_, groups in grouped.items()}
