"""What the page and the Markdown show (conformance._report.view), built once from the table's model:
a cell's outcome lines and the Pythons that have them, its marks and kinds, each platform's entry,
the agreement with threads, the coverage, the legend and the filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance._model.expectations import Expectations
from conformance._model.looks import LOOKS, NOT_RUN_KEY, SEVERITY, label
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation
from conformance._report.history import transitions
from conformance._report.merge import Merged
from conformance._report.predictions import collect as collect_predictions
from conformance._report.render_html import render_html
from conformance._report.render_markdown import render_table
from conformance._report.samples import LINUX_311, LINUX_312, SMALL_SUITE, WIN_312, XSS, cell, document
from conformance._report.table import build_table
from conformance._report.view import OUTCOMES, build_view, outcome

MergedOf = Callable[..., Merged]


def test_a_cell_summarises_the_pythons_of_its_os_and_says_which_differ(mixed: Merged) -> None:
    table = build_table(mixed)
    row = next(r for r in table.rows if r.scenario.id == "sockets.tcp_echo")
    gevent_linux = next(s for s in row.summaries if s.column.key == "gevent/linux")
    assert gevent_linux.id == "sockets.tcp_echo/gevent/linux"
    assert [(o, [p.label for p in platforms]) for o, platforms in gevent_linux.groups] == [
        ("fail", ["3.12"]), ("pass", ["3.11"])]
    assert gevent_linux.worst == "fail"
    view = build_view(mixed, table)
    cells = {c.id: c for r in view.rows for c in r.cells}
    shown = cells["sockets.tcp_echo/gevent/linux"]
    assert [(line.outcome.key, line.where) for line in shown.lines] == [("fail", "3.12"), ("pass", "3.11")]
    assert shown.worst.key == "fail" and shown.worst.css == "fail"
    threads_linux = cells["sockets.tcp_echo/threads/linux"]
    assert threads_linux.uniform and [(line.outcome.key, line.where) for line in threads_linux.lines] == [
        ("pass", "")]


def test_a_majority_outcome_says_how_many_others_rather_than_listing_them(merged_of: MergedOf) -> None:
    docs = []
    for n, version in enumerate(("3.10", "3.11", "3.12", "3.13", "3.14")):
        outcome_ = "crash" if version == "3.13" else "pass"
        docs.append((version, document(f"linux-x86_64-cpython{version}",
                                       [cell("sockets.tcp_echo", "trio", outcome_)], runtimes=["trio"],
                                       started_at=f"2026-01-0{n + 1}T00:00:00+00:00")))
    shown = build_view(merged_of(*docs)).rows[0].cells[0]
    assert [(line.outcome.key, line.where) for line in shown.lines] == [("crash", "3.13"),
                                                                       ("pass", "4 others")]


def test_pythons_of_several_architectures_say_each_architecture_once(merged_of: MergedOf) -> None:
    platforms = ("linux-aarch64-cpython3.13", "linux-aarch64-cpython3.14", "linux-x86_64-cpython3.12",
                 "linux-x86_64-cpython3.13")
    merged = merged_of(*((p, document(p, [cell("sockets.tcp_echo", "gevent",
                                               "fail" if p.endswith("3.13") else "pass")]))
                         for p in platforms))
    shown = build_view(merged).rows[0].cells[0]
    assert [(line.outcome.key, line.where) for line in shown.lines] == [
        ("fail", "aarch64 3.13; x86_64 3.13"), ("pass", "x86_64 3.12; aarch64 3.14")]  # in platform order


def test_an_intermittent_bug_is_marked_on_the_cell_whether_or_not_this_run_lost_the_race(
        merged_of: MergedOf, page_data: Callable[[str], Any]) -> None:
    race = Expectation(Outcome.FAIL, "a signal is lost when it lands in a callback",
                       "https://example.org/v1/loop.py#L9", kind="bug", issue="not yet reported",
                       repro="signals/repro/sigint__gevent.py", intermittent=True)

    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SMALL_SUITE]
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
    view = build_view(merged, table)
    shown = {c.id: c for row in view.rows for c in row.cells}
    assert shown["sockets.tcp_echo/gevent/linux"].intermittent
    assert not shown["sockets.tls_echo/gevent/linux"].intermittent
    text = render_table(view)
    row = next(line for line in text.splitlines() if line.startswith("| Tcp echo"))
    assert "❌ fail 3.11<br>✅ pass 3.12<br>🎲 intermittent<br>🐛 bug" in row
    assert "🎲 intermittent: a known bug that shows in some runs only" in text
    page = render_html(view)
    assert page.count('<span class="pred intermittent"') == 1
    data = page_data(page)
    passed = data["cells"]["sockets.tcp_echo/gevent/linux"][1]
    assert passed["outcome"] == "pass" and passed["expectation"]["intermittent"] is True


def test_each_platforms_entry_has_its_kind_reproducer_version_and_history(with_kinds: Merged) -> None:
    expectations = Expectations.from_data({"expectation": [{
        "scenario": "sockets.*", "runtime": "gevent", "outcome": "fail", "reason": "r",
        "link": "https://example.org/v1/base.py#L3", "kind": "bug", "issue": "not yet reported",
        "repro": "sockets/repro/peer_reset__gevent.py"}]})
    history = transitions(with_kinds, [document(LINUX_311, [cell("sockets.tcp_echo", "gevent")],
                                                started_at="2025-12-01T00:00:00+00:00")])
    view = build_view(with_kinds, history=history, expectations=expectations)
    cells = {c.id: c for row in view.rows for c in row.cells}
    first, second = cells["sockets.tcp_echo/gevent/linux"].entries
    assert (first.platform.id, first.outcome.key, first.kind) == (LINUX_311, "fail", "bug")
    assert (second.platform.id, second.outcome.key, second.kind) == (LINUX_312, "error", "unclassified")
    # named as `conformance repro --list` names it: after its entry's pattern
    assert first.repro is not None
    assert (first.repro.path, first.repro.id, first.repro.command, first.repro.script) == (
        "scenarios/sockets/repro/peer_reset__gevent.py", "sockets.*[gevent]",
        "conformance repro 'sockets.*[gevent]'",
        "python scenarios/sockets/repro/peer_reset__gevent.py gevent")
    unnamed = cells["dns.slow_lookup/gevent/linux"].entries[0].repro
    assert unnamed is not None and unnamed.command == "conformance repro 'dns.slow_lookup[gevent]'"
    assert first.version is not None  # from the run info: the sample runs record every runtime's
    assert [(t.old, t.new) for t in first.history] == [(None, "pass"), ("pass", "fail")]
    assert cells["sockets.tcp_echo/threads/linux"].entries[0].kind is None
    assert [k.key for k in cells["sockets.tcp_echo/gevent/linux"].kinds] == ["bug", "unclassified"]


def test_an_entry_says_the_message_the_stack_and_every_other_detail_apart(merged_of: MergedOf) -> None:
    broken = cell("sockets.tcp_echo", "gevent", "error", XSS,
                  details={"exception": "ValueError: x", "traceback": "tb", "stack": "st", "stderr": "warn",
                           "runtime_version": "24.2", "empty": ""})
    merged = merged_of(("x", document(LINUX_311, [broken])),
                       ("y", document(LINUX_312, [cell("dns.slow_lookup", "gevent")])))
    shown = {c.id: c for row in build_view(merged).rows for c in row.cells}["sockets.tcp_echo/gevent/linux"]
    entries = {e.platform.id: e for e in shown.entries}
    entry = entries[LINUX_311]
    assert (entry.message, entry.stack, entry.more, entry.version) == ("ValueError: x", "tb\nst",
                                                                     {"stderr": "warn"}, "24.2")
    missing = entries[LINUX_312]  # that platform has no such cell: not run
    assert missing.cell is None and missing.outcome.key == NOT_RUN_KEY and missing.outcome.word == "not run"


def test_the_agreement_says_each_differing_runtime_with_its_oses(mixed: Merged) -> None:
    rows = {row.scenario.id: row for row in build_view(mixed).rows}
    agreement = rows["files.naive_read"].agreement
    assert [(d.runtime, d.os_names, d.label) for d in agreement.differing] == [
        ("gevent", ("Linux",), "gevent (Linux)"), ("uvloop", ("Linux",), "uvloop (Linux)")]
    assert agreement.text == "differs: gevent (Linux), uvloop (Linux)"
    assert rows["sockets.tls_echo"].agreement.text == "same as threads"


def test_every_rendering_reads_one_look_per_outcome() -> None:
    assert set(OUTCOMES) == set(LOOKS)
    for key, look in LOOKS.items():
        shown = outcome(key)
        assert (shown.symbol, shown.emoji, shown.css, shown.meaning) == (look.symbol, look.emoji, look.css,
                                                                         look.meaning)
        assert shown.label == label(key)  # the terminal's "✓ pass"


def test_the_legend_and_the_filters_list_outcomes_most_severe_first(with_kinds: Merged) -> None:
    view = build_view(with_kinds)
    assert [o.key for o in view.legend.outcomes] == list(SEVERITY)
    assert view.legend.outcomes[-1].key == NOT_RUN_KEY
    assert [k.key for k in view.legend.kinds] == ["bug", "design", "unclassified"]
    # trio ran one scenario only: its other cells are "not run"
    assert [o.key for o in view.outcomes_present] == ["error", "fail", "unsupported", "blocking", "pass",
                                                      "not-run"]
    assert [k.key for k in view.kinds_present] == ["bug", "design", "unclassified"]
    assert [(g.runtime, g.span, g.reference) for g in view.runtime_groups] == [
        ("threads", 1, True), ("gevent", 1, False), ("trio", 1, False)]
    assert [(a.key, a.name, len(a.rows)) for a in view.areas] == [
        ("sockets", "Sockets", 2), ("files", "Files", 1), ("dns", "DNS", 1)]


def test_the_coverage_says_what_the_results_cover_and_what_they_do_not(mixed: Merged) -> None:
    expectations = Expectations.from_data({"expectation": [{
        "scenario": "sockets.tcp_echo", "runtime": "gevent", "when": "sys_platform == 'darwin'",
        "predicted": True, "outcome": "blocking", "reason": "kqueue", "link": "https://example.org/k"}]})
    view = build_view(mixed, predictions=collect_predictions(mixed, expectations))
    coverage = view.coverage
    assert [(o.key, o.name, [p.id for p in o.platforms]) for o in coverage.oses] == [
        ("linux", "Linux", [LINUX_311, LINUX_312]), ("win32", "Windows", [WIN_312])]
    assert [(b.implementation, b.arch, b.versions) for b in coverage.oses[0].builds] == [
        ("CPython", "x86_64", ("3.11.0", "3.12.0"))]
    assert [o.name for o in coverage.missing_oses] == ["macOS"]
    assert [o.name for o in coverage.predicted_oses] == ["macOS"]
    assert [(h.runtime, h.os_name, h.reason) for h in coverage.hidden] == [
        ("uvloop", "Windows", "unavailable: uvloop does not run on win32")]
    assert coverage.incomplete
    assert (view.header.documents, view.header.platforms, view.header.scenarios) == (3, 3, 4)
