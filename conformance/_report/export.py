"""The merged data for other tools: ``support.json`` (schema-versioned, read back by ``diff``) and
``support.csv`` (one row per cell of one platform).

A cell is written by its own serializer, ``Cell.to_json`` (the run documents' too), without ``samples``.
Schema history: ``conformance-support/2`` added each scenario's ``plots`` (its ``PLOTS``); a
``conformance-support/1`` document (a report published before) is read all the same, its scenarios
with no plots.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from conformance._model.results import Cell, DocumentError
from conformance._model.scenarios import PlottedMeasurement
from conformance._report.history import History
from conformance._report.merge import Merged, Platform, ScenarioInfo, label_platforms
from conformance._report.predictions import Predictions
from conformance._report.table import Agreement, Table, deviation_kind, platform_scores
from conformance._report.view import agreement_view

SUPPORT_SCHEMA = "conformance-support/2"
# Every schema this suite reads back (``conformance diff``, ``--baseline``): the published report may
# be older than the suite that compares with it.
READABLE_SCHEMAS = ("conformance-support/1", SUPPORT_SCHEMA)
CSV_FIELDS = ("scenario", "area", "runtime", "platform", "os", "python_version", "arch", "outcome",
              "expected", "known_deviation", "reason", "duration_s", "max_stall_ms", "runtime_version",
              "measurements", "harness_error", "predicted", "kind", "issue", "fixed_in", "repro",
              "documented_mistake")


def dumps(data: Mapping[str, Any]) -> str:
    """JSON with one top-level field per line and one list item per line: compact, and a change of
    one cell is a change of one line in a version-controlled report."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in value)
            lines.append(f"{json.dumps(key)}: [\n  {items}\n ]")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n " + ",\n ".join(lines) + "\n}\n"


def support_json(merged: Merged, table: Table, history: History | None = None,
                 predictions: Predictions | None = None) -> dict[str, Any]:
    cells = []
    for (scenario, runtime, platform_id), cell in sorted(merged.cells.items()):
        data = {"platform": platform_id, **cell.to_json(samples=False)}
        if history and history.get((scenario, runtime, platform_id)):
            data["history"] = [t.to_json() for t in history[(scenario, runtime, platform_id)]]
        cells.append(data)
    return {
        "schema": SUPPORT_SCHEMA,
        "platforms": [p.to_json() for p in merged.platforms],
        "oses": list(merged.oses),
        "missing_oses": list(merged.missing_oses),
        "expected_platforms": list(merged.expected_platforms),
        "missing_platforms": list(merged.missing_platforms),
        "left_out": [{"source": p.source, "problem": p.message} for p in merged.problems],
        "runtimes": list(merged.runtimes),
        "scenarios": [s.to_json() for s in merged.scenarios],
        "scenarios_not_run": list(merged.unrun_scenarios),
        "scores": [{"runtime": s.column.runtime, "os": s.column.os, "passed": s.passed,
                    "counted": s.counted, "score": round(s.passed / s.counted, 4) if s.counted else None,
                    "left_out": {o: n for o, n in s.excluded if n}} for s in table.scores],
        "platform_scores": platform_scores(merged),
        # Per runtime x OS: how many non-pass cells (one per platform) are bugs, design, unclassified;
        # documented mistakes aside, as in the scores.
        "deviations": [{"runtime": d.column.runtime, "os": d.column.os, "non_pass": d.non_pass,
                        **dict(d.counts)} for d in table.deviations],
        "documented_mistakes": [{"id": s.id, "documented_mistake": s.documented_mistake}
                                for s in table.mistakes],
        "agreement": {row.scenario.id: _agreement(row.agreement) for row in table.rows},
        "cells": cells,
        # Predictions are never cells: those the runs tested (their cells say so too, in
        # ``expectation.predicted``), and those for OSes no run has, under keys of their own.
        "predictions_to_review": [p.to_json() for p in (predictions or Predictions()).to_review],
        "predicted_not_yet_observed": [p.to_json()
                                       for p in (predictions or Predictions()).not_yet_observed],
    }


def _agreement(agreement: Agreement) -> dict[str, Any]:
    # Each differing runtime as the page says it ("trio (Linux, Windows)").
    return {"status": agreement.status, "differing": [d.label for d in agreement_view(agreement).differing]}


def support_csv(merged: Merged) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    mistakes = {s.id for s in merged.scenarios if s.documented_mistake}
    for (scenario, runtime, platform_id), cell in sorted(merged.cells.items()):
        platform = merged.platform(platform_id)
        expectation = cell.expectation
        writer.writerow([
            scenario, scenario.split(".", 1)[0], runtime, platform_id, platform.sys_platform,
            platform.python_version, platform.arch, cell.outcome.value, cell.expected.value,
            "yes" if cell.expectation is not None and cell.outcome is cell.expectation.outcome else "no",
            cell.reason, f"{cell.duration_s:.6g}",
            "" if cell.max_stall_ms is None else f"{cell.max_stall_ms:.6g}",
            cell.details.get("runtime_version") or platform.runtime_version(runtime) or "",
            json.dumps(dict(cell.measurements), sort_keys=True) if cell.measurements else "",
            "yes" if cell.harness_error else "no",
            "yes" if cell.expectation is not None and cell.expectation.predicted else "no",
            deviation_kind(cell) or "",
            (expectation.issue or "") if expectation else "",
            (expectation.fixed_in or "") if expectation else "",
            (expectation.repro or "") if expectation else "",
            "yes" if scenario in mistakes else "no",
        ])
    return out.getvalue()


def merged_from_support(data: Mapping[str, Any]) -> Merged:
    """Read a ``support.json`` back (``conformance diff`` compares it like run documents)."""
    if data.get("schema") not in READABLE_SCHEMAS:
        raise DocumentError(f"unknown schema {data.get('schema')!r}; this suite reads "
                            f"{' and '.join(repr(s) for s in READABLE_SCHEMAS)}")
    try:
        # Labelled as the merge labels them: the file has each label in one string, not its two parts.
        platforms = tuple(label_platforms([
            Platform(id=p["id"], sys_platform=p["os"], arch=p["arch"],
                     implementation=p["python_implementation"], python_version=p["python_version"],
                     run_info=dict(p.get("run_info") or {}), sources=tuple(p.get("sources") or ()))
            for p in data["platforms"]]))
        known = {p.id for p in platforms}
        cells: dict[tuple[str, str, str], Cell] = {}
        for raw in data["cells"]:
            if not isinstance(raw, dict):
                raise DocumentError("a cell must be a JSON object")
            fields = {k: v for k, v in raw.items() if k not in ("platform", "history")}
            platform_id = raw.get("platform")
            if platform_id not in known:
                raise DocumentError(f"a cell names platform {platform_id!r}, which is not in 'platforms'")
            cell = Cell.from_json(fields)
            cells[(cell.scenario, cell.runtime, str(platform_id))] = cell
        scenarios = tuple(ScenarioInfo(id=s["id"], area=s["area"], title=s["title"],
                                       description=s.get("description", ""),
                                       documented_mistake=s.get("documented_mistake") or "",
                                       plots=tuple(PlottedMeasurement(**p) for p in s.get("plots") or ()))
                          for s in data["scenarios"])
        return Merged(scenarios=scenarios, runtimes=tuple(data["runtimes"]), platforms=platforms,
                      cells=cells, expected_platforms=tuple(data.get("expected_platforms") or ()))
    except (KeyError, TypeError) as exc:
        raise DocumentError(f"not a valid {SUPPORT_SCHEMA} document: missing or wrong {exc}") from None
