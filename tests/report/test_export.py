"""The merged data for other tools (conformance._report.export): ``support.json``, schema-versioned and
read back by ``conformance diff``, whose cells are written by ``Cell.to_json``; and ``support.csv``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, DocumentError, RunDocument
from conformance._model.scenarios import PlottedMeasurement
from conformance._report.diff import diff
from conformance._report.export import merged_from_support, support_csv, support_json
from conformance._report.merge import Merged, merge
from conformance._report.samples import LINUX_311, LINUX_312, SMALL_SUITE, catalog, cell, document
from conformance._report.table import build_table


def test_support_json_is_schema_versioned_and_reads_back(mixed: Merged) -> None:
    data = support_json(mixed, build_table(mixed))
    assert data["schema"] == "conformance-support/2"
    assert data["missing_oses"] == ["darwin"]
    assert {"runtime": "gevent", "os": "linux", "passed": 2, "counted": 4, "score": 0.5,
            "left_out": {}} in data["scores"]
    assert data["agreement"]["sockets.tcp_echo"] == {"status": "differs", "differing": ["gevent (Linux)"]}
    again = merged_from_support(json.loads(json.dumps(data)))
    assert again.cells == mixed.cells
    assert [p.id for p in again.platforms] == [p.id for p in mixed.platforms]
    assert [p.label for p in again.platforms] == [p.label for p in mixed.platforms]
    assert diff(mixed, again).empty


def test_a_cell_is_written_by_its_own_serializer_without_samples() -> None:
    measured = Cell("sockets.tcp_echo", "gevent", Outcome.PASS, measurements={"elapsed_ms": 2.0},
                    samples={"elapsed_ms": (1.0, 2.0, 3.0)}, details={"runtime_version": "24.2"})
    merged, problems = merge([("a", document(LINUX_311, [measured, cell("dns.slow_lookup", "gevent")]))],
                             catalog(SMALL_SUITE))
    assert not problems
    written = support_json(merged, build_table(merged))["cells"]
    by_scenario = {c["scenario"]: c for c in written}
    assert by_scenario["sockets.tcp_echo"] == {"platform": LINUX_311, **measured.to_json(samples=False)}
    assert "samples" not in by_scenario["sockets.tcp_echo"]
    # a run document keeps every repeat; the order of the fields is the dataclass's
    assert measured.to_json()["samples"] == {"elapsed_ms": [1.0, 2.0, 3.0]}
    assert list(measured.to_json()) == list(Cell.__dataclass_fields__)
    assert RunDocument.from_json(RunDocument({"x": 1}, (measured,)).to_json()).cells == (measured,)


def test_the_plots_scenarios_declare_travel_in_support_json() -> None:
    plot = PlottedMeasurement("elapsed_ms", "time for all lookups", "ms")
    scenarios = catalog(SMALL_SUITE, plots={"dns.slow_lookup": [plot]})
    merged, problems = merge([("a", document(LINUX_311, [cell("dns.slow_lookup", "gevent")]))], scenarios)
    assert not problems
    data = json.loads(json.dumps(support_json(merged, build_table(merged))))
    assert data["scenarios"] == [{"id": "dns.slow_lookup", "area": "dns", "title": "Slow lookup",
                                  "description": "Reference semantics: what blocking code does in "
                                                 "dns.slow_lookup.", "documented_mistake": None,
                                  "plots": [{"measurement": "elapsed_ms", "what": "time for all lookups",
                                             "unit": "ms", "better": "lower"}]}]
    assert merged_from_support(data).scenarios[0].plots == (plot,)


def test_a_support_json_of_the_previous_schema_reads_back(mixed: Merged) -> None:
    # conformance-support/1: a report published before scenarios declared their plots (a CI baseline)
    data = json.loads(json.dumps(support_json(mixed, build_table(mixed))))
    data["schema"] = "conformance-support/1"
    for scenario in data["scenarios"]:
        del scenario["plots"]
    again = merged_from_support(data)
    assert again.cells == mixed.cells and all(s.plots == () for s in again.scenarios)
    data["schema"] = "conformance-support/9"
    with pytest.raises(DocumentError, match=r"unknown schema 'conformance-support/9'; this suite reads "
                                            r"'conformance-support/1' and 'conformance-support/2'"):
        merged_from_support(data)


def test_support_csv_has_one_row_per_cell_of_one_platform(mixed: Merged) -> None:
    rows = list(csv.DictReader(io.StringIO(support_csv(mixed))))
    assert len(rows) == len(mixed.cells)
    row = next(r for r in rows if r["scenario"] == "sockets.tcp_echo" and r["runtime"] == "gevent"
               and r["platform"] == LINUX_312)
    assert (row["outcome"], row["reason"], row["os"], row["python_version"]) == (
        "fail", "wrong bytes", "linux", "3.12.0")


def test_a_documented_mistake_in_support_json_and_csv(with_a_documented_mistake: Merged) -> None:
    merged = with_a_documented_mistake
    mistake = next(s.documented_mistake for s in merged.scenarios if s.id == "files.naive_read")
    data = support_json(merged, build_table(merged))
    assert data["documented_mistakes"] == [{"id": "files.naive_read", "documented_mistake": mistake}]
    assert {"runtime": "gevent", "os": "linux", "passed": 2, "counted": 3, "score": 0.6667,
            "left_out": {"documented-mistake": 1}} in data["scores"]
    naive = next(s for s in data["scenarios"] if s["id"] == "files.naive_read")
    assert naive["documented_mistake"] == mistake
    again = merged_from_support(json.loads(json.dumps(data)))
    assert next(s for s in again.scenarios if s.id == "files.naive_read").documented_mistake == mistake
    rows = list(csv.DictReader(io.StringIO(support_csv(merged))))
    assert {r["documented_mistake"] for r in rows if r["scenario"] == "files.naive_read"} == {"yes"}
    assert {r["documented_mistake"] for r in rows if r["scenario"] != "files.naive_read"} == {"no"}


def test_bug_or_design_in_support_json_and_csv(with_kinds: Merged) -> None:
    merged = with_kinds
    known = merged.cells[("sockets.tcp_echo", "gevent", LINUX_311)].expectation
    assert known is not None
    issue = known.issue
    data = support_json(merged, build_table(merged))
    assert {"runtime": "gevent", "os": "linux", "non_pass": 8, "bug": 3, "design": 2, "unclassified": 3} \
        in data["deviations"]
    tcp = next(c for c in data["cells"] if c["scenario"] == "sockets.tcp_echo" and c["runtime"] == "gevent")
    assert tcp["expectation"]["kind"] == "bug"
    assert tcp["expectation"]["repro"] == "sockets/repro/peer_reset__gevent.py"
    again = merged_from_support(json.loads(json.dumps(data)))
    assert again.cells == merged.cells
    rows = list(csv.DictReader(io.StringIO(support_csv(merged))))
    row311 = next(r for r in rows if r["scenario"] == "sockets.tcp_echo" and r["runtime"] == "gevent"
                  and r["platform"] == LINUX_311)
    assert (row311["kind"], row311["issue"], row311["fixed_in"], row311["repro"]) == (
        "bug", issue, "25.1", "sockets/repro/peer_reset__gevent.py")
    assert {r["kind"] for r in rows if r["runtime"] == "threads"} == {""}
