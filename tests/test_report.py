"""The report builder: merging run documents, the table's model, every rendering, diff and history.

Run documents are made with :mod:`conformance._report.samples` (real ``conformance-run/1`` documents
with invented contents) and written to tmp_path where reading them is part of what is tested.
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
from pathlib import Path

import pytest

pytest.importorskip("jinja2", reason="the report builder needs the 'report' extra (jinja2, matplotlib)")
pytest.importorskip("matplotlib", reason="the report builder needs the 'report' extra (jinja2, matplotlib)")

from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation, RunDocument
from conformance._model.scenarios import ScenarioError
from conformance._report import render_markdown
from conformance._report.build import write_report
from conformance._report.diff import classify, diff, load_results
from conformance._report.export import merged_from_support, support_csv, support_json
from conformance._report.history import load_history, transitions
from conformance._report.merge import Merged, catalog_from_suite, load, merge
from conformance._report.plots import PlotSpec, make_plots
from conformance._report.predictions import collect as collect_predictions
from conformance._report.render_html import TEMPLATES, render_html, script_json
from conformance._report.render_markdown import escape, render_diff, render_table
from conformance._report.samples import (
    PLATFORMS_20,
    catalog,
    cell,
    document,
    synthetic_documents,
    synthetic_scenarios,
    write,
)
from conformance._report.table import build_table, platform_scores

SCENARIOS = ["sockets.tcp_echo", "sockets.tls_echo", "dns.slow_lookup", "files.naive_read"]
CATALOG = catalog(SCENARIOS)
LINUX_311 = "linux-x86_64-cpython3.11"
LINUX_312 = "linux-x86_64-cpython3.12"
WIN_312 = "win32-AMD64-cpython3.12"
XSS = "<script>alert(1)</script>"


def merged_of(*docs: tuple[str, RunDocument], expected: tuple[str, ...] = ()) -> Merged:
    result, problems = merge(list(docs), CATALOG, expected_platforms=expected)
    assert not problems, problems
    return result


def everything_passes(platform: str, runtimes: tuple[str, ...] = ("threads", "gevent", "asyncio"),
                      **info: object) -> RunDocument:
    return document(platform, [cell(s, r) for s in SCENARIOS for r in runtimes], runtimes=runtimes, **info)


# --- merging ---------------------------------------------------------------------------------------

def test_merges_platforms_and_the_parts_of_one_platform(tmp_path: Path) -> None:
    # tox writes one document per runtime for one platform: they are parts of one run
    threads_part = write(tmp_path / "py311-threads.json",
                         document(LINUX_311, [cell(s, "threads") for s in SCENARIOS], runtimes=["threads"],
                                  started_at="2026-02-01T10:00:00+00:00"))
    gevent_part = write(tmp_path / "py311-gevent.json",
                        document(LINUX_311, [cell(s, "gevent") for s in SCENARIOS], runtimes=["gevent"],
                                 started_at="2026-02-01T09:00:00+00:00"))
    other = write(tmp_path / "win.json", document(WIN_312, [cell(s, "threads") for s in SCENARIOS],
                                                    runtimes=["threads"]))
    merged, problems = load([threads_part, gevent_part, other], CATALOG)
    assert problems == []
    assert [p.id for p in merged.platforms] == [LINUX_311, WIN_312]
    linux = merged.platform(LINUX_311)
    assert linux.sources == (str(threads_part), str(gevent_part))
    assert set(linux.run_info["runtimes"]) == {"threads", "gevent"}
    assert linux.run_info["started_at"] == "2026-02-01T09:00:00+00:00"  # the earlier part
    assert len(merged.cells) == 3 * len(SCENARIOS)
    assert merged.runtimes == ("threads", "gevent")
    assert merged.missing_oses == ("darwin",)


def test_parts_of_one_platform_from_two_commits_keep_both_commits() -> None:
    merged = merged_of(
        ("sockets.json", document(LINUX_311, [cell("sockets.tcp_echo", "threads")], suite_commit="aaa")),
        ("dns.json", document(LINUX_311, [cell("dns.slow_lookup", "threads")], suite_commit="bbb",
                              interrupted=True)))
    info = merged.platform(LINUX_311).run_info
    assert info["suite_commits"] == ["aaa", "bbb"]
    assert info["interrupted"] is True
    page = render_html(merged, build_table(merged))
    assert "<code>aaa</code>, <code>bbb</code>" in page
    assert "an interrupted run" in page


def test_conflicting_run_info_for_one_platform_names_both_files(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", document(LINUX_311, [cell("sockets.tcp_echo", "threads")],
                                                runtimes=["threads"], python_build="main Jan 1"))
    second = write(tmp_path / "b.json", document(LINUX_311, [cell("sockets.tcp_echo", "gevent")],
                                                 runtimes=["gevent"], python_build="main Feb 2"))
    merged, problems = load([first, second], CATALOG)
    assert len(problems) == 1
    text = str(problems[0])
    assert text.startswith(f"{second}: conflicting run info for platform {LINUX_311} with {first}")
    assert "python_build 'main Jan 1' vs 'main Feb 2'" in text
    assert len(merged.cells) == 1  # the first is kept, the conflicting one left out whole
    assert merged.problems == tuple(problems)


def test_two_runs_of_one_platform_are_a_duplicate_cell_naming_both_files(tmp_path: Path) -> None:
    first = write(tmp_path / "monday.json", everything_passes(LINUX_311))
    second = write(tmp_path / "tuesday.json", everything_passes(LINUX_311))
    _, problems = load([first, second], CATALOG)
    assert [str(p) for p in problems] == [
        f"{second}: a second run for platform {LINUX_311}: duplicate cell sockets.tcp_echo[threads] "
        f"and 11 more, also in {first}"]


def test_every_bad_input_is_reported_and_the_good_ones_are_kept(tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", everything_passes(LINUX_311))
    not_json = tmp_path / "truncated.json"
    not_json.write_text('{"schema": "conformance-run/1", "run_info": {', encoding="utf-8")
    future = write(tmp_path / "future.json", {"schema": "conformance-run/9", "run_info": {}, "cells": []})
    raw = everything_passes(LINUX_312).to_json()
    raw["cells"][0]["outcome"] = "flaky"
    strange_outcome = write(tmp_path / "outcome.json", raw)
    strange_scenario = write(tmp_path / "scenario.json",
                             document(WIN_312, [cell("sockets.tcp_echo", "threads"),
                                                cell("sockets.carrier_pigeon", "threads"),
                                                cell("sockets.carrier_pigeon", "gevent")]))
    strange_runtime = write(tmp_path / "runtime.json",
                            document("darwin-arm64-cpython3.13", [cell("sockets.tcp_echo", "curio")]))
    missing = tmp_path / "absent.json"
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    merged, problems = load([good, not_json, future, strange_outcome, strange_scenario, strange_runtime,
                             missing, binary], CATALOG)
    lines = [str(p) for p in problems]
    assert len(lines) == 7, lines
    expected_starts = [
        f"{not_json}: not JSON: ",
        f"{future}: unknown schema 'conformance-run/9'; this suite reads 'conformance-run/1'",
        f"{strange_outcome}: cell sockets.tcp_echo[threads]: unknown outcome 'flaky'; the outcomes are: ",
        f"{missing}: cannot read: ",
        f"{binary}: ",
        f"{strange_scenario}: unknown scenario 'sockets.carrier_pigeon' (2 cells): the suite has no such",
        f"{strange_runtime}: unknown runtime 'curio' (1 cell); the runtimes are: ",
    ]
    for start in expected_starts:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert all("\n" not in line for line in lines)
    assert [p.id for p in merged.platforms] == [LINUX_311]
    assert len(merged.cells) == 12


def test_expected_platforms_that_are_missing_are_each_a_problem(tmp_path: Path) -> None:
    good = write(tmp_path / "linux.json", everything_passes(LINUX_311))
    merged, problems = load([good], CATALOG,
                            expected_platforms=[LINUX_311, WIN_312, "darwin-arm64-cpython3.13"])
    assert [str(p) for p in problems] == [
        f"expected platform {WIN_312}: no run document for it",
        "expected platform darwin-arm64-cpython3.13: no run document for it",
    ]
    assert merged.missing_platforms == (WIN_312, "darwin-arm64-cpython3.13")


def test_a_folder_is_its_run_documents_and_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write(runs / "a.json", everything_passes(LINUX_311))
    write(runs / "b.json", everything_passes(WIN_312))
    (tmp_path / "empty").mkdir()
    merged, problems = load([runs, tmp_path / "empty"], CATALOG)
    assert [p.id for p in merged.platforms] == [LINUX_311, WIN_312]
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'empty'}: a folder with no run documents (*.json) in it"]


def test_scenarios_of_the_suite_that_no_run_has_are_listed() -> None:
    merged = merged_of(("a", document(LINUX_311, [cell("sockets.tcp_echo", "threads")])))
    assert merged.unrun_scenarios == ("dns.slow_lookup", "files.naive_read", "sockets.tls_echo")
    assert [s.id for s in merged.scenarios] == ["sockets.tcp_echo"]


# --- the table ---------------------------------------------------------------------------------------

def mixed() -> Merged:
    """Two Linux Pythons and one Windows; gevent fails on 3.12 only, uvloop is unavailable on Windows,
    files.naive_read is not applicable on Windows, and threads blocks nowhere."""
    def cells(platform: str) -> list[Cell]:
        out = []
        for s in SCENARIOS:
            for r in ("threads", "gevent", "uvloop"):
                if r == "uvloop" and platform == WIN_312:
                    out.append(cell(s, r, "unavailable", "uvloop does not run on win32"))
                elif s == "files.naive_read" and platform == WIN_312:
                    out.append(cell(s, r, "not-applicable", "no such file API on Windows"))
                elif s == "sockets.tcp_echo" and r == "gevent" and platform == LINUX_312:
                    out.append(cell(s, r, "fail", "wrong bytes"))
                elif s == "files.naive_read" and r != "threads":
                    out.append(cell(s, r, "blocking", "stalled 800 ms", max_stall_ms=800.0))
                else:
                    out.append(cell(s, r, max_stall_ms=2.0))
        return out
    return merged_of(*((p, document(p, cells(p), runtimes=["threads", "gevent", "uvloop"]))
                       for p in (LINUX_311, LINUX_312, WIN_312)))


def test_a_cell_summarises_the_pythons_of_its_os_and_says_which_differ() -> None:
    table = build_table(mixed())
    row = next(r for r in table.rows if r.scenario.id == "sockets.tcp_echo")
    gevent_linux = next(s for s in row.summaries if s.column.key == "gevent/linux")
    assert gevent_linux.id == "sockets.tcp_echo/gevent/linux"
    assert gevent_linux.groups == (("fail", ("3.12",)), ("pass", ("3.11",)))
    assert gevent_linux.lines == (("fail", "3.12"), ("pass", "3.11"))
    assert gevent_linux.worst == "fail"
    threads_linux = next(s for s in row.summaries if s.column.key == "threads/linux")
    assert threads_linux.uniform and threads_linux.lines == (("pass", ""),)


def test_unavailable_everywhere_on_an_os_is_a_hidden_column_with_its_reason() -> None:
    table = build_table(mixed())
    assert [c.key for c in table.columns] == [
        "threads/linux", "threads/win32", "gevent/linux", "gevent/win32", "uvloop/linux"]
    assert [(h.runtime, h.os, h.reason) for h in table.hidden] == [
        ("uvloop", "win32", "unavailable: uvloop does not run on win32")]


def test_scores_leave_not_applicable_and_unavailable_out_and_say_so() -> None:
    table = build_table(mixed())
    scores = {s.column.key: s for s in table.scores}
    # gevent on Linux: tcp_echo fails on 3.12, naive_read blocks: 2 of 4 pass
    assert (scores["gevent/linux"].passed, scores["gevent/linux"].counted) == (2, 4)
    assert scores["gevent/linux"].formula == "2 / 4"
    assert scores["gevent/linux"].percent_text == "50%"
    # on Windows naive_read is not applicable: left out of the denominator
    assert (scores["gevent/win32"].passed, scores["gevent/win32"].counted) == (3, 3)
    assert dict(scores["gevent/win32"].excluded)["not-applicable"] == 1
    assert "left out: 1 not applicable" in scores["gevent/win32"].explanation
    assert (scores["uvloop/linux"].passed, scores["uvloop/linux"].counted) == (3, 4)


def test_agreement_with_threads_and_rows_where_every_runtime_agrees() -> None:
    table = build_table(mixed())
    rows = {r.scenario.id: r for r in table.rows}
    assert rows["sockets.tls_echo"].agreement.status == "agrees"
    assert rows["sockets.tls_echo"].uniform
    assert rows["sockets.tcp_echo"].agreement.differing == ("gevent (Linux)",)
    assert not rows["sockets.tcp_echo"].uniform
    assert rows["files.naive_read"].agreement.differing == ("gevent (Linux)", "uvloop (Linux)")
    no_threads = merged_of(("a", document(LINUX_311, [cell("sockets.tcp_echo", "gevent")])))
    assert build_table(no_threads).rows[0].agreement.status == "no-reference"


def test_a_majority_outcome_says_how_many_others_rather_than_listing_them() -> None:
    docs = []
    for n, version in enumerate(("3.10", "3.11", "3.12", "3.13", "3.14")):
        outcome = "crash" if version == "3.13" else "pass"
        docs.append((version, document(f"linux-x86_64-cpython{version}",
                                       [cell("sockets.tcp_echo", "trio", outcome)], runtimes=["trio"],
                                       started_at=f"2026-01-0{n + 1}T00:00:00+00:00")))
    summary = build_table(merged_of(*docs)).rows[0].summaries[0]
    assert summary.lines == (("crash", "3.13"), ("pass", "4 others"))


# --- Markdown ------------------------------------------------------------------------------------------

def test_markdown_table_has_words_symbols_scores_legend_and_coverage() -> None:
    merged = mixed()
    text = render_table(merged, build_table(merged))
    assert "| Scenario | threads<br>Linux | threads<br>Windows | gevent<br>Linux |" in text
    assert "| **Sockets** |" in text
    assert "❌ fail 3.12<br>✅ pass 3.11" in text
    assert "🟡 blocking" in text
    assert "| **Score** (pass / counted) | 100%<br>4 / 4 | 100%<br>3 / 3 | 50%<br>2 / 4 |" in text
    assert "### Legend" in text and "`not-applicable`" in text
    assert "**No results for:** macOS" in text
    assert "uvloop on Windows (unavailable: uvloop does not run on win32)" in text


def test_markdown_escapes_text_from_results() -> None:
    assert escape(f"a | b {XSS} *x* [l](u)\nnext") == \
        r"a \| b &lt;script&gt;alert(1)&lt;/script&gt; \*x\* \[l\](u) next"


def test_markdown_of_a_large_matrix_stays_under_a_mebibyte(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = synthetic_documents(PLATFORMS_20, scenarios=100)
    merged, problems = merge([(str(i), d) for i, d in enumerate(docs)], catalog(synthetic_scenarios(100)))
    assert not problems
    table = build_table(merged)
    text = render_table(merged, table)
    assert len(text.encode()) < render_markdown.LIMIT_BYTES
    # and where even that would not fit, disagreeing cells shorten to "varies"
    monkeypatch.setattr(render_markdown, "LIMIT_BYTES", len(text.encode()) - 1)
    shorter = render_table(merged, table)
    assert "(varies)" in shorter and len(shorter) < len(text)


# --- HTML ---------------------------------------------------------------------------------------------

class _Scripts(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._current = found
            self.scripts.append((found, ""))
        if found.get("src") or tag == "link" or (tag == "img"):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._current = None


def hostile() -> Merged:
    bad = cell("sockets.tcp_echo", "gevent", "error", XSS,
               details={"exception": f"ValueError: {XSS}", "traceback": "</script><!-- <script>x</script>",
                        "stderr": "\u2028line separator & </SCRIPT>"})
    linked = cell("sockets.tls_echo", "gevent", "fail", "wrong").with_expectation(
        Expectation(Outcome.FAIL, "known", "javascript:alert(1)"))
    return merged_of(("x", document(LINUX_311, [cell("sockets.tcp_echo", "threads"), bad,
                                                cell("sockets.tls_echo", "threads"), linked])))


def test_html_shows_text_from_results_as_text() -> None:
    merged = hostile()
    page = render_html(merged, build_table(merged))
    assert XSS not in page
    parser = _Scripts()
    parser.feed(page)
    assert len(parser.scripts) == 2  # the data and the page's script: nothing closed them early
    data_attrs, data_text = parser.scripts[0]
    assert data_attrs == {"type": "application/json", "id": "report-data"}
    data = json.loads(data_text)
    entry = data["cells"]["sockets.tcp_echo/gevent/linux"][0]
    assert entry["reason"] == XSS
    assert entry["message"] == f"ValueError: {XSS}"
    assert entry["stack"] == "</script><!-- <script>x</script>"
    assert entry["more"]["stderr"] == "\u2028line separator & </SCRIPT>"
    assert parser.external == []


def test_script_json_never_closes_its_script_element() -> None:
    text = str(script_json({"a": "</script><!--", "b": "\u2028&"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!--", "b": "\u2028&"}


def test_html_is_self_contained_and_has_a_fragment_per_cell() -> None:
    merged = mixed()
    page = render_html(merged, build_table(merged))
    assert "<link" not in page and " src=" not in page and "@import" not in page and "url(" not in page
    assert 'href="#cell=sockets.tcp_echo/gevent/linux"' in page
    assert "✗</span> <span class=\"word\">fail</span></span> <span class=\"py\">3.12</span>" in page
    assert "No results for macOS" in page


# --- support.json, support.csv -------------------------------------------------------------------------

def test_support_json_is_schema_versioned_and_reads_back() -> None:
    merged = mixed()
    data = support_json(merged, build_table(merged))
    assert data["schema"] == "conformance-support/1"
    assert data["missing_oses"] == ["darwin"]
    assert {"runtime": "gevent", "os": "linux", "passed": 2, "counted": 4, "score": 0.5,
            "left_out": {}} in data["scores"]
    assert data["agreement"]["sockets.tcp_echo"] == {"status": "differs", "differing": ["gevent (Linux)"]}
    again = merged_from_support(json.loads(json.dumps(data)))
    assert again.cells == merged.cells
    assert [p.id for p in again.platforms] == [p.id for p in merged.platforms]
    assert diff(merged, again).empty


def test_support_csv_has_one_row_per_cell_of_one_platform() -> None:
    merged = mixed()
    rows = list(csv.DictReader(io.StringIO(support_csv(merged))))
    assert len(rows) == len(merged.cells)
    row = next(r for r in rows if r["scenario"] == "sockets.tcp_echo" and r["runtime"] == "gevent"
               and r["platform"] == LINUX_312)
    assert (row["outcome"], row["reason"], row["os"], row["python_version"]) == (
        "fail", "wrong bytes", "linux", "3.12.0")


# --- diff -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "kind"), [
    ("pass", "fail", "regressed"), ("pass", "blocking", "regressed"), ("pass", "crash", "regressed"),
    ("fail", "pass", "fixed"), ("timeout", "pass", "fixed"),
    ("fail", "crash", "changed"), ("pass", "skipped", "changed"), ("unavailable", "pass", "changed"),
    ("pass", "pass", None),
])
def test_classify(old: str, new: str, kind: str | None) -> None:
    assert classify(old, new) == kind


def test_diff_per_runtime_and_platform_with_whole_platforms_and_scenarios_collapsed() -> None:
    old = merged_of(("old", document(LINUX_311, [cell("sockets.tcp_echo", "gevent"),
                                                 cell("sockets.tls_echo", "gevent", "fail"),
                                                 cell("dns.slow_lookup", "gevent"),
                                                 cell("files.naive_read", "gevent")])))
    new = merged_of(("new", document(LINUX_311, [cell("sockets.tcp_echo", "gevent", "blocking", "stalled"),
                                                 cell("sockets.tls_echo", "gevent"),
                                                 cell("dns.slow_lookup", "gevent"),
                                                 cell("sockets.tcp_echo", "trio")])),
                    ("win", document(WIN_312, [cell(s, "gevent") for s in SCENARIOS])))
    change_set = diff(old, new, "old", "new")
    assert [(c.kind, c.scenario, c.runtime, c.old, c.new) for c in change_set.changes] == [
        ("regressed", "sockets.tcp_echo", "gevent", "pass", "blocking"),
        ("fixed", "sockets.tls_echo", "gevent", "fail", "pass"),
        ("disappeared", "files.naive_read", "gevent", "pass", None),
    ]
    assert sorted((g.kind, g.what, g.cells) for g in change_set.groups) == [
        ("new", f"platform {WIN_312}", 4), ("new", f"runtime trio on {LINUX_311}", 1)]
    assert change_set.count("new") == 5
    text = render_diff(change_set)
    assert "1 regressed, 1 fixed, 0 changed, 5 new, 1 disappeared." in text
    assert "### Regressed (1)" in text
    assert f"| gevent | `{LINUX_311}` | `sockets.tcp_echo` | ✅ pass | 🟡 blocking | stalled |" in text
    assert f"- platform {WIN_312} (4 cells)" in text


def test_diff_reads_run_documents_folders_and_support_json(tmp_path: Path) -> None:
    run = write(tmp_path / "runs" / "a.json", everything_passes(LINUX_311))
    merged, _ = load([run], CATALOG)
    support = tmp_path / "support.json"
    support.write_text(json.dumps(support_json(merged, build_table(merged))), encoding="utf-8")
    for path in (run, tmp_path / "runs", support):
        result, problems = load_results(path)
        assert problems == [] and result is not None and result.cells == merged.cells
    foreign = write(tmp_path / "other.json", {"schema": "something-else/2"})
    result, problems = load_results(foreign)
    assert result is None
    assert str(problems[0]).startswith(f"{foreign}: unknown schema 'something-else/2'")


# --- history --------------------------------------------------------------------------------------------

def test_history_lists_transitions_not_every_run(tmp_path: Path) -> None:
    history = tmp_path / "history"
    for day, outcome, version in ((1, "pass", "24.1"), (2, "pass", "24.2"), (3, "blocking", "24.3"),
                                  (4, "blocking", "24.3")):
        write(history / f"day{day}.json", document(
            LINUX_311, [cell("sockets.tcp_echo", "gevent", outcome, details={"runtime_version": version})],
            runtimes=["gevent"], started_at=f"2026-03-0{day}T00:00:00+00:00"))
    current_doc = document(LINUX_311,
                           [cell("sockets.tcp_echo", "gevent", details={"runtime_version": "25.0"})],
                           runtimes=["gevent"], started_at="2026-03-05T00:00:00+00:00")
    write(history / "day5.json", current_doc)  # the current run is in the folder too: counted once
    current = merged_of(("now", current_doc))
    found, problems = load_history(history, current)
    assert problems == []
    changes = found[("sockets.tcp_echo", "gevent", LINUX_311)]
    assert [(t.when[:10], t.version, t.old, t.new) for t in changes] == [
        ("2026-03-01", "24.1", None, "pass"),
        ("2026-03-03", "24.3", "pass", "blocking"),
        ("2026-03-05", "25.0", "blocking", "pass"),
    ]


def test_history_of_a_cell_that_never_changed_is_its_first_run() -> None:
    current = merged_of(("now", everything_passes(LINUX_311, started_at="2026-03-05T00:00:00+00:00")))
    found = transitions(current, [everything_passes(LINUX_311, started_at="2026-03-01T00:00:00+00:00")])
    assert [(t.when[:10], t.old, t.new) for t in found[("sockets.tcp_echo", "threads", LINUX_311)]] == [
        ("2026-03-01", None, "pass")]


def test_bad_history_documents_are_problems(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "bad.json").write_text("nope", encoding="utf-8")
    _, problems = load_history(tmp_path / "h", mixed())
    # ": " ends the file's name (a Windows path has a ":" after its drive letter)
    assert [str(p).split(": ")[0] for p in problems] == [str(tmp_path / "h" / "bad.json")]
    _, problems = load_history(tmp_path / "nowhere", mixed())
    assert "--history needs a folder" in str(problems[0])


# --- plots ----------------------------------------------------------------------------------------------

def with_measurements() -> Merged:
    cells = [cell("sockets.tcp_echo", r, measurements={"elapsed_ms": ms}, max_stall_ms=stall)
             for r, ms, stall in (("threads", 300.0, 2.0), ("gevent", 450.5, 3.0))]
    cells.append(cell("sockets.tcp_echo", "trio", "fail", "wrong"))
    return merged_of(("m", document(LINUX_311, cells)))


SPEC = PlotSpec("sockets.tcp_echo", "elapsed_ms", "time for all clients", "ms")
ABSENT = PlotSpec("dns.slow_lookup", "elapsed_ms", "time for all lookups", "ms")


def test_plots_only_for_measurements_the_inputs_have() -> None:
    nothing = PlotSpec("sockets.tcp_echo", "nothing", "x", "ms")
    plots = make_plots(with_measurements(), [SPEC, ABSENT, nothing])
    assert [p.slug for p in plots] == ["sockets-tcp-echo-elapsed-ms"]
    plot = plots[0]
    assert plot.svg.lstrip().startswith("<?xml") and plot.inline_svg.startswith("<svg")
    assert "450 ms" in plot.svg or "451 ms" in plot.svg
    assert "no measurement (fail)" in plot.svg
    assert "threads on Linux: 300 ms" in plot.summary


def test_plots_are_the_same_for_the_same_data() -> None:
    first = make_plots(with_measurements(), [SPEC])[0].svg
    second = make_plots(with_measurements(), [SPEC])[0].svg
    assert first == second


def test_max_stall_is_plotted_like_a_measurement() -> None:
    plots = make_plots(with_measurements(), [PlotSpec("sockets.tcp_echo", "max_stall_ms", "stall", "ms")])
    assert "3.00 ms" in plots[0].svg


# --- the whole folder -----------------------------------------------------------------------------------

def test_write_report_writes_every_output_and_nothing_stale(tmp_path: Path) -> None:
    out = tmp_path / "report"
    stale = out / "plots" / "gone.svg"
    stale.parent.mkdir(parents=True)
    stale.write_text("<svg/>", encoding="utf-8")
    (out / "diff.md").write_text("old", encoding="utf-8")
    merged = with_measurements()
    written = write_report(merged, out, plot_specs=[SPEC])
    names = sorted(p.relative_to(out).as_posix() for p in written.files)
    assert names == ["index.html", "plots/sockets-tcp-echo-elapsed-ms.svg", "support-table.md", "support.csv",
                     "support.json"]
    assert not stale.exists() and not (out / "diff.md").exists()
    assert (out / "index.html").stat().st_mode & 0o444 == 0o444
    assert json.loads((out / "support.json").read_text(encoding="utf-8"))["schema"] == \
        "conformance-support/1"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="plot-sockets-tcp-echo-elapsed-ms"' in page


# --- predictions ----------------------------------------------------------------------------------------

def _predicted(outcome: str, reason: str = "predicted from upstream",
               link: str = "https://example.org/v1.0/source.py") -> Expectation:
    return Expectation(Outcome.parse(outcome), reason, link, predicted=True)


def merged_with_predictions() -> Merged:
    """Predictions the runs tested: confirmed on both Linux Pythons, refuted on Windows (it passes), and
    one that met a crash (a red cell, not a prediction to review)."""
    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SCENARIOS]
        observed = "pass" if platform == WIN_312 else "blocking"
        out.append(cell("sockets.tcp_echo", "gevent", observed, None if observed == "pass" else "stalled")
                   .with_expectation(_predicted("blocking", f"the hub blocks {XSS}")))
        out.append(cell("sockets.tls_echo", "gevent", "crash", "SIGSEGV")
                   .with_expectation(_predicted("fail")))
        out.append(cell("dns.slow_lookup", "gevent", "fail", "known").with_expectation(
            Expectation(Outcome.FAIL, "observed long ago", "https://example.org/v0.9/dns.py")))
        return out
    return merged_of(*((p, document(p, cells(p), runtimes=["threads", "gevent"]))
                       for p in (LINUX_311, LINUX_312, WIN_312)))


def test_tested_predictions_are_listed_apart_as_confirmed_or_refuted() -> None:
    merged = merged_with_predictions()
    found = collect_predictions(merged, None)
    assert [(p.kind, p.scenario, p.os, p.platforms, p.predicted, p.observed) for p in found.to_review] == [
        ("refuted", "sockets.tcp_echo", "win32", ("3.12",), "blocking", "pass"),
        ("confirmed", "sockets.tcp_echo", "linux", ("3.11", "3.12"), "blocking", "blocking"),
    ]
    assert found.not_yet_observed == ()
    summaries = {s.id: s for row in build_table(merged).rows for s in row.summaries}
    assert summaries["sockets.tcp_echo/gevent/linux"].confirmed
    assert not summaries["sockets.tcp_echo/gevent/linux"].refuted
    assert summaries["sockets.tcp_echo/gevent/win32"].refuted
    assert summaries["sockets.tls_echo/gevent/linux"].unexpected  # the crash: red, whatever was predicted
    assert not summaries["sockets.tls_echo/gevent/linux"].refuted
    assert not summaries["dns.slow_lookup/gevent/linux"].confirmed  # observed entries are not predictions


def test_markdown_and_html_show_predictions_to_review_escaped() -> None:
    merged = merged_with_predictions()
    table = build_table(merged)
    predictions = collect_predictions(merged, None)
    text = render_table(merged, table, predictions=predictions)
    assert "🟡 blocking<br>(predicted)" in text  # the observed outcome, said to have been predicted
    assert "✅ pass<br>⚠️ refuted prediction" in text
    section = text[text.index("### Predictions to review"):text.index("### Legend")]
    assert ("| ⚠️ refuted prediction | `sockets.tcp_echo` | gevent | Windows (3.12) | 🟡 blocking | "
            "✅ pass | the hub blocks &lt;script&gt;alert(1)&lt;/script&gt; | "
            "[https://example.org/v1.0/source.py](https://example.org/v1.0/source.py) |") in section
    assert "| ✔️ confirmed | `sockets.tcp_echo` | gevent | Linux (3.11, 3.12) | 🟡 blocking | 🟡 blocking |" \
        in section
    assert "sockets.tls_echo" not in section and "dns.slow_lookup" not in section
    page = render_html(merged, table, predictions=predictions)
    assert XSS not in page
    assert 'id="predictions-review"' in page and "<h2>Predictions to review</h2>" in page
    assert '<span class="pred refuted"' in page and '<span class="pred"' in page
    assert "the hub blocks &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'id="predicted"' not in page  # every OS ran: nothing is only predicted
    data = support_json(merged, table, predictions=predictions)
    assert [p["kind"] for p in data["predictions_to_review"]] == ["refuted", "confirmed"]
    assert data["predicted_not_yet_observed"] == []
    again = merged_from_support(json.loads(json.dumps(data)))
    tcp = again.cell("sockets.tcp_echo", "gevent", WIN_312)
    assert tcp is not None and tcp.expectation is not None and tcp.expectation.predicted


PREDICTED_TOML = f"""
[[expectation]]
scenario = "sockets.tcp_echo"
runtime = "gevent"
when = "sys_platform == 'darwin'"
predicted = true
outcome = "blocking"
reason = "kqueue {XSS} | *not* a result"
link = "https://example.org/gevent/v24.2.1/kqueue.py?q=<b>"

[[expectation]]
scenario = "dns.*"
runtime = "uvloop"
when = "sys_platform == 'darwin' and python_version < '3.11'"
predicted = true
outcome = "fail"
reason = "the resolver differs before 3.11"
link = "https://example.org/uvloop/v0.19.0/dns.pyx"

[[expectation]]
scenario = "sockets.tls_echo"
runtime = "uvloop"
predicted = true
outcome = "unsupported"
reason = "no TLS here"
link = "https://example.org/uvloop/v0.19.0/tls.pyx"

[[expectation]]
scenario = "files.naive_read"
runtime = "gevent"
when = "sys_platform == 'win32'"
predicted = true
outcome = "blocking"
reason = "predicted for Windows only"
link = "https://example.org/gevent/v24.2.1/os.py"

[[expectation]]
scenario = "sockets.tcp_echo"
runtime = "trio"
when = "sys_platform == 'darwin'"
outcome = "fail"
reason = "observed, not predicted"
link = "https://example.org/trio/v0.25.0/x.py"
"""


def test_oses_no_input_ran_get_their_predictions_never_in_the_table(tmp_path: Path) -> None:
    path = tmp_path / "expectations.toml"
    path.write_text(PREDICTED_TOML, encoding="utf-8")
    expectations = Expectations.load(path, SCENARIOS)
    merged = mixed()  # Linux and Windows ran; macOS did not
    found = collect_predictions(merged, expectations)
    assert [(u.os, u.scenario, u.runtime, u.outcome) for u in found.not_yet_observed] == [
        ("darwin", "sockets.tcp_echo", "gevent", "blocking"),
        ("darwin", "dns.*", "uvloop", "fail"),  # can hold: on a macOS Python older than 3.11
        ("darwin", "sockets.tls_echo", "uvloop", "unsupported"),
        # not files.naive_read (Windows ran, and it is for Windows only), not the observed trio entry
    ]
    windows_missing = merged_of(("l", document(LINUX_311, [cell("sockets.tcp_echo", "uvloop")])))
    on_windows = [u for u in collect_predictions(windows_missing, expectations).not_yet_observed
                  if u.os == "win32"]
    # uvloop does not run on Windows: its predictions there cannot hold
    assert [(u.scenario, u.runtime) for u in on_windows] == [("files.naive_read", "gevent")]
    table = build_table(merged)
    assert all(c.os != "darwin" for c in table.columns)  # a prediction never makes a column or a cell
    text = render_table(merged, table, predictions=found)
    assert "**Predicted, not yet observed:** macOS: predictions listed under the table, not results." in text
    section = text[text.index("### Predicted, not yet observed: macOS"):text.index("### Legend")]
    assert "These are **predictions**, not results" in section
    assert ("| `sockets.tcp_echo` | gevent | `sys_platform == 'darwin'` | 🟡 blocking | kqueue "
            "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*not\\* a result | "
            "https://example.org/gevent/v24.2.1/kqueue.py?q=&lt;b&gt; |") in section  # text, not a link
    tls = "https://example.org/uvloop/v0.19.0/tls.pyx"
    assert f"[{tls}]({tls})" in section
    assert "observed, not predicted" not in text
    page = render_html(merged, table, predictions=found)
    assert XSS not in page
    start = page.index('<section class="predictions unobserved" id="predicted"')
    section_html = page[start:page.index("</section>", start)]
    assert "<h3>macOS: predictions, not results</h3>" in section_html
    assert "kqueue &lt;script&gt;alert(1)&lt;/script&gt; | *not* a result" in section_html
    assert "?q=<b>" not in page
    assert 'href="https://example.org/gevent/v24.2.1/kqueue.py?q=&lt;b&gt;"' in section_html
    assert '<a href="https://example.org/uvloop/v0.19.0/tls.pyx" rel="noopener">' in section_html
    assert 'under <a href="#predicted">Predicted, not yet observed</a>' in page
    data = support_json(merged, table, predictions=found)
    assert data["predicted_not_yet_observed"][0] == {
        "os": "darwin", "scenario": "sockets.tcp_echo", "runtime": "gevent",
        "when": "sys_platform == 'darwin'", "predicted": "blocking",
        "reason": f"kqueue {XSS} | *not* a result", "link": "https://example.org/gevent/v24.2.1/kqueue.py?q=<b>"}
    assert all(c["platform"].split("-")[0] != "darwin" for c in data["cells"])


def test_write_report_lists_the_predictions_of_its_expectations(tmp_path: Path) -> None:
    path = tmp_path / "expectations.toml"
    path.write_text(PREDICTED_TOML, encoding="utf-8")
    out = tmp_path / "report"
    write_report(mixed(), out, plot_specs=[], expectations=Expectations.load(path, SCENARIOS))
    data = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert [p["scenario"] for p in data["predicted_not_yet_observed"]] == [
        "sockets.tcp_echo", "dns.*", "sockets.tls_echo"]
    assert "### Predicted, not yet observed: macOS" in (out / "support-table.md").read_text(encoding="utf-8")
    write_report(mixed(), out, plot_specs=[])  # without expectations: nothing predicted is said
    assert json.loads((out / "support.json").read_text(encoding="utf-8"))["predicted_not_yet_observed"] == []


# --- documented mistakes ---------------------------------------------------------------------------------

MISTAKE = f"reading a file on the event loop's thread blocks every task {XSS}: offload it (to_thread)"


def with_a_documented_mistake() -> Merged:
    """files.naive_read shows a documented mistake: it blocks under gevent (and passes under threads);
    gevent also fails sockets.tcp_echo, which is scored."""
    scenarios = catalog(SCENARIOS, mistakes={"files.naive_read": MISTAKE})
    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SCENARIOS]
        out += [cell("sockets.tcp_echo", "gevent", "fail", "wrong bytes"),
                cell("sockets.tls_echo", "gevent"), cell("dns.slow_lookup", "gevent"),
                cell("files.naive_read", "gevent", "blocking", "stalled 800 ms").with_expectation(
                    Expectation(Outcome.BLOCKING, "a file read blocks the hub", "https://example.org/d",
                                kind="design"))]
        return out
    docs = [(p, document(p, cells(p), runtimes=["threads", "gevent"])) for p in (LINUX_311, LINUX_312)]
    merged, problems = merge(docs, scenarios)
    assert not problems
    return merged


def test_a_documented_mistake_is_shown_but_not_scored() -> None:
    merged = with_a_documented_mistake()
    table = build_table(merged)
    summaries = {s.id: s for row in table.rows for s in row.summaries}
    naive = summaries["files.naive_read/gevent/linux"]
    assert naive.worst == "blocking" and naive.mistake and naive.score == "excluded"  # shown as it is
    assert summaries["files.naive_read/threads/linux"].score == "excluded"  # a pass is not scored either
    gevent = next(s for s in table.scores if s.column.runtime == "gevent")
    assert (gevent.passed, gevent.counted) == (2, 3)  # tcp_echo fails; naive_read is not counted
    assert ("documented-mistake", 1) in gevent.excluded
    assert gevent.explanation.endswith("left out: 1 documented mistake")
    assert [m.id for m in table.mistakes] == ["files.naive_read"]
    # nor counted as a bug or design deviation: gevent's one non-pass cell per Python is tcp_echo's
    deviations = next(d for d in table.deviations if d.column.runtime == "gevent")
    assert dict(deviations.counts) == {"bug": 0, "design": 0, "unclassified": 2}
    platform = [p for p in platform_scores(merged) if p["runtime"] == "gevent"]
    assert [(p["passed"], p["counted"], p["left_out"]) for p in platform] == [
        (2, 3, {"documented-mistake": 1}), (2, 3, {"documented-mistake": 1})]


def test_a_documented_mistake_in_every_rendering_escaped() -> None:
    merged = with_a_documented_mistake()
    table = build_table(merged)
    page = render_html(merged, table)
    assert XSS not in page
    assert '<tr class="row mistake" id="s-files.naive_read"' in page
    assert "<b>documented mistake, not scored:</b> reading a file on the event loop&#39;s thread blocks " \
           "every task &lt;script&gt;" in page
    # the cell as it is (blocking, a design deviation), out of the score
    assert '<td class="cell c-1 o-blocking" data-rt="gevent" data-os="linux" data-out="blocking" ' \
           'data-score="excluded" data-kind="design design">' in page
    assert "Documented mistake, not scored." in page  # the legend
    parser = _Scripts()
    parser.feed(page)
    data = json.loads(parser.scripts[0][1])
    assert data["scenarios"]["files.naive_read"]["documented_mistake"] == MISTAKE
    assert "documented_mistake" not in data["scenarios"]["sockets.tcp_echo"]
    text = render_table(merged, table)
    row = next(line for line in text.splitlines() if "`files.naive_read`" in line and line.startswith("|"))
    assert row.startswith("| Naive read<br>`files.naive_read`<br>📝 *documented mistake, not scored* | "
                          "✅ pass |")
    assert "| **Score** (pass / counted) | 100%<br>3 / 3 | 67%<br>2 / 3 | |" in text
    section = text[text.index("### Documented mistakes (not scored)"):text.index("### Legend")]
    assert "- `files.naive_read`: reading a file on the event loop's thread blocks every task " \
           "&lt;script&gt;alert(1)&lt;/script&gt;: offload it (to\\_thread)" in section
    data = support_json(merged, table)
    assert data["documented_mistakes"] == [{"id": "files.naive_read", "documented_mistake": MISTAKE}]
    assert {"runtime": "gevent", "os": "linux", "passed": 2, "counted": 3, "score": 0.6667,
            "left_out": {"documented-mistake": 1}} in data["scores"]
    naive = next(s for s in data["scenarios"] if s["id"] == "files.naive_read")
    assert naive["documented_mistake"] == MISTAKE
    again = merged_from_support(json.loads(json.dumps(data)))
    assert next(s for s in again.scenarios if s.id == "files.naive_read").documented_mistake == MISTAKE
    rows = list(csv.DictReader(io.StringIO(support_csv(merged))))
    assert {r["documented_mistake"] for r in rows if r["scenario"] == "files.naive_read"} == {"yes"}
    assert {r["documented_mistake"] for r in rows if r["scenario"] != "files.naive_read"} == {"no"}


def test_the_suite_catalog_reads_documented_mistake(tmp_path: Path) -> None:
    area = tmp_path / "files"
    area.mkdir()
    body = '"""A read.\n\nReference semantics: it reads.\n"""\n{setting}\ndef run_sync(ctx):\n    pass\n'
    (area / "naive.py").write_text(body.format(setting='DOCUMENTED_MISTAKE = "a  blocking\\n read: offload"'),
                                   encoding="utf-8")
    (area / "plain.py").write_text(body.format(setting=""), encoding="utf-8")
    found = catalog_from_suite(tmp_path)
    assert found["files.naive"].documented_mistake == "a blocking read: offload"
    assert found["files.plain"].documented_mistake == ""
    (area / "empty.py").write_text(body.format(setting='DOCUMENTED_MISTAKE = " "'), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"empty\.py: DOCUMENTED_MISTAKE is the mistake and its"):
        catalog_from_suite(tmp_path)


# --- bug or design ---------------------------------------------------------------------------------------

ISSUE = "https://github.com/eventlet/eventlet/issues/1"


def with_kinds() -> Merged:
    """gevent: a bug with an issue (fixed in 25.1) and a reproducer on 3.11, the same cell unexpected on
    3.12; a design deviation; a bug nobody reported; a non-pass cell with no kind; and a predicted one."""
    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SCENARIOS]
        bug = Expectation(Outcome.FAIL, "a reset reads as EOF", "https://example.org/v1/base.py#L3",
                          kind="bug", issue=ISSUE, fixed_in="25.1",
                          repro="sockets/repro/peer_reset__gevent.py")
        out.append(cell("sockets.tcp_echo", "gevent", "fail" if platform == LINUX_311 else "error",
                        "wrong").with_expectation(bug))
        out.append(cell("sockets.tls_echo", "gevent", "unsupported", "no TLS").with_expectation(
            Expectation(Outcome.UNSUPPORTED, "documented", "https://example.org/docs", kind="design")))
        out.append(cell("dns.slow_lookup", "gevent", "blocking", "stalled").with_expectation(
            Expectation(Outcome.BLOCKING, "not filed", "https://example.org/v1/resolver.py#L9", kind="bug",
                        issue="not yet reported", repro=f"dns/repro/{XSS}.py")))
        out.append(cell("files.naive_read", "gevent", "fail", "odd"))  # no expectation
        out.append(cell("sockets.tcp_echo", "trio", "fail", "p").with_expectation(
            Expectation(Outcome.FAIL, "predicted", "https://example.org/v", predicted=True)))
        return out
    return merged_of(*((p, document(p, cells(p), runtimes=["threads", "gevent", "trio"]))
                       for p in (LINUX_311, LINUX_312)))


def test_each_non_pass_cell_is_a_bug_a_design_or_unclassified() -> None:
    merged = with_kinds()
    table = build_table(merged)
    summaries = {s.id: s for row in table.rows for s in row.summaries}
    # the expectation covers the fail on 3.11, not the error on 3.12: that one is unclassified
    assert summaries["sockets.tcp_echo/gevent/linux"].kinds == ("bug", "unclassified")
    assert summaries["sockets.tls_echo/gevent/linux"].kinds_present == ("design",)
    assert summaries["dns.slow_lookup/gevent/linux"].kinds_present == ("bug",)
    assert summaries["files.naive_read/gevent/linux"].kinds_present == ("unclassified",)
    assert summaries["sockets.tcp_echo/trio/linux"].kinds_present == ("unclassified",)  # a prediction
    assert summaries["sockets.tcp_echo/threads/linux"].kinds == ()
    counts = {d.column.runtime: dict(d.counts) for d in table.deviations}
    assert counts == {"threads": {"bug": 0, "design": 0, "unclassified": 0},
                      "gevent": {"bug": 3, "design": 2, "unclassified": 3},
                      "trio": {"bug": 0, "design": 0, "unclassified": 2}}
    gevent = next(d for d in table.deviations if d.column.runtime == "gevent")
    assert gevent.non_pass == 8
    assert gevent.explanation == ("8 non-pass cells under gevent on Linux (one per Python): 3 bug, 2 design, "
                                  "3 unclassified")


def test_bug_or_design_on_the_page_in_the_details_and_as_a_filter() -> None:
    merged = with_kinds()
    table = build_table(merged)
    expectations = Expectations.from_data({"expectation": [{
        "scenario": "sockets.*", "runtime": "gevent", "outcome": "fail", "reason": "r",
        "link": "https://example.org/v1/base.py#L3", "kind": "bug", "issue": ISSUE,
        "repro": "sockets/repro/peer_reset__gevent.py"}]})
    page = render_html(merged, table, expectations=expectations)
    assert XSS not in page
    assert 'data-out="error fail" data-score="other" data-kind="bug unclassified">' in page
    assert '<span class="kinds"><span class="kind k-bug">bug</span><span class="kind k-unclassified">' \
           'unclassified</span></span>' in page
    chips = page[page.index('data-filter="kind"'):]
    chips = chips[:chips.index("</div>")]
    assert [value for value in ("bug", "design", "unclassified") if f'data-value="{value}"' in chips] == [
        "bug", "design", "unclassified"]
    assert '<span class="kind-count k-bug" data-kind="bug"><b>3</b> bug</span>' in page
    parser = _Scripts()
    parser.feed(page)
    data = json.loads(parser.scripts[0][1])
    first, second = data["cells"]["sockets.tcp_echo/gevent/linux"]
    assert first["kind"] == "bug" and second["kind"] == "unclassified"
    assert first["expectation"]["issue"] == ISSUE and first["expectation"]["fixed_in"] == "25.1"
    # the id `conformance repro --list` gives it: after its entry's scenario pattern
    assert first["repro"] == {"path": "scenarios/sockets/repro/peer_reset__gevent.py",
                              "id": "sockets.*[gevent]", "command": "conformance repro 'sockets.*[gevent]'",
                              "script": "python scenarios/sockets/repro/peer_reset__gevent.py gevent"}
    unreported = data["cells"]["dns.slow_lookup/gevent/linux"][0]
    assert unreported["expectation"]["issue"] == "not yet reported"
    # no entry names it: the cell's own scenario[runtime]
    assert unreported["repro"]["command"] == "conformance repro 'dns.slow_lookup[gevent]'"
    assert unreported["repro"]["path"] == f"scenarios/dns/repro/{XSS}.py"  # text in JSON, escaped in the page
    assert "kind" not in data["cells"]["sockets.tcp_echo/threads/linux"][0]
    script = TEMPLATES.joinpath("report.js").read_text(encoding="utf-8")
    assert ".innerHTML" not in script  # the details are built with textContent only


def test_bug_or_design_in_markdown_support_json_and_csv() -> None:
    merged = with_kinds()
    table = build_table(merged)
    text = render_table(merged, table)
    row = next(line for line in text.splitlines() if line.startswith("| Tcp echo"))
    assert "❗ error 3.12<br>❌ fail 3.11<br>🐛 bug ❔ unclassified" in row
    assert ("| **Non-pass cells** (🐛 bug · 📘 design · ❔ unclassified) | 🐛 0 · 📘 0 · ❔ 0 | "
            "🐛 3 · 📘 2 · ❔ 3 | 🐛 0 · 📘 0 · ❔ 2 | |") in text
    assert "- 🐛 **bug**: a defect of the runtime" in text
    data = support_json(merged, table)
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
        "bug", ISSUE, "25.1", "sockets/repro/peer_reset__gevent.py")
    assert {r["kind"] for r in rows if r["runtime"] == "threads"} == {""}


def test_an_intermittent_bug_is_marked_on_the_cell_whether_or_not_this_run_lost_the_race() -> None:
    race = Expectation(Outcome.FAIL, "a signal is lost when it lands in a callback",
                       "https://example.org/v1/loop.py#L9", kind="bug", issue="not yet reported",
                       repro="signals/repro/sigint__gevent.py", intermittent=True)

    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SCENARIOS]
        # lost on 3.11, not on 3.12: both are as expected
        out.append(cell("sockets.tcp_echo", "gevent", "fail" if platform == LINUX_311 else "pass",
                        "lost" if platform == LINUX_311 else "").with_expectation(race))
        out.append(cell("sockets.tls_echo", "gevent", "pass"))
        return out
    merged = merged_of(*((p, document(p, cells(p), runtimes=["threads", "gevent"]))
                         for p in (LINUX_311, LINUX_312)))
    table = build_table(merged)
    summaries = {s.id: s for row in table.rows for s in row.summaries}
    assert summaries["sockets.tcp_echo/gevent/linux"].intermittent
    assert not summaries["sockets.tls_echo/gevent/linux"].intermittent
    assert not summaries["sockets.tcp_echo/gevent/linux"].unexpected
    text = render_table(merged, table)
    row = next(line for line in text.splitlines() if line.startswith("| Tcp echo"))
    assert "❌ fail 3.11<br>✅ pass 3.12<br>🎲 intermittent<br>🐛 bug" in row
    assert "🎲 intermittent: a known bug that shows in some runs only" in text
    page = render_html(merged, table)
    assert page.count('<span class="pred intermittent"') == 1
    parser = _Scripts()
    parser.feed(page)
    data = json.loads(parser.scripts[0][1])
    passed = data["cells"]["sockets.tcp_echo/gevent/linux"][1]
    assert passed["outcome"] == "pass" and passed["expectation"]["intermittent"] is True
    assert "intermittent" in TEMPLATES.joinpath("report.js").read_text(encoding="utf-8")
