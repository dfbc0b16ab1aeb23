"""The table's model (conformance._report.table): columns runtime x OS, a cell per scenario over the
Pythons of an OS, scores, agreement with threads, documented mistakes, bug / design / unclassified.
Where an old test also read how a score or a count is said, it reads it from the view."""

from __future__ import annotations

from collections.abc import Callable

from conformance._report.merge import Merged
from conformance._report.samples import LINUX_311, cell, document
from conformance._report.table import Differing, build_table, platform_scores
from conformance._report.view import build_view

MergedOf = Callable[..., Merged]


def test_unavailable_everywhere_on_an_os_is_a_hidden_column_with_its_reason(mixed: Merged) -> None:
    table = build_table(mixed)
    assert [c.key for c in table.columns] == [
        "threads/linux", "threads/win32", "gevent/linux", "gevent/win32", "uvloop/linux"]
    assert [(h.runtime, h.os, h.reason) for h in table.hidden] == [
        ("uvloop", "win32", "unavailable: uvloop does not run on win32")]


def test_scores_leave_not_applicable_and_unavailable_out_and_say_so(mixed: Merged) -> None:
    table = build_table(mixed)
    scores = {s.column.key: s for s in table.scores}
    # gevent on Linux: tcp_echo fails on 3.12, naive_read blocks: 2 of 4 pass
    assert (scores["gevent/linux"].passed, scores["gevent/linux"].counted) == (2, 4)
    # on Windows naive_read is not applicable: left out of the denominator
    assert (scores["gevent/win32"].passed, scores["gevent/win32"].counted) == (3, 3)
    assert dict(scores["gevent/win32"].excluded)["not-applicable"] == 1
    assert (scores["uvloop/linux"].passed, scores["uvloop/linux"].counted) == (3, 4)
    said = {c.column.key: c for c in build_view(mixed, table).columns}
    assert said["gevent/linux"].formula == "2 / 4"
    assert said["gevent/linux"].percent_text == "50%"
    assert "left out: 1 not applicable" in said["gevent/win32"].explanation


def test_agreement_with_threads_and_rows_where_every_runtime_agrees(mixed: Merged,
                                                                    merged_of: MergedOf) -> None:
    table = build_table(mixed)
    rows = {r.scenario.id: r for r in table.rows}
    assert rows["sockets.tls_echo"].agreement.status == "agrees"
    assert rows["sockets.tls_echo"].uniform
    # the runtime and the OSes where it differs, apart: each rendering says them its own way
    assert rows["sockets.tcp_echo"].agreement.differing == (Differing("gevent", ("linux",)),)
    assert not rows["sockets.tcp_echo"].uniform
    assert rows["files.naive_read"].agreement.differing == (Differing("gevent", ("linux",)),
                                                            Differing("uvloop", ("linux",)))
    no_threads = merged_of(("a", document(LINUX_311, [cell("sockets.tcp_echo", "gevent")])))
    assert build_table(no_threads).rows[0].agreement.status == "no-reference"


def test_a_skipped_cell_observed_nothing_so_it_does_not_differ(merged_of: MergedOf) -> None:
    # a gevent configuration the libraries area leaves out: skipped, which is no behaviour of its own
    merged = merged_of(("a", document(LINUX_311, [
        cell("sockets.tcp_echo", "threads"), cell("sockets.tcp_echo", "gevent", "skipped", "not run"),
        cell("sockets.tcp_echo", "uvloop")])))
    assert build_table(merged).rows[0].agreement.status == "agrees"
    merged = merged_of(("a", document(LINUX_311, [
        cell("sockets.tcp_echo", "threads"), cell("sockets.tcp_echo", "gevent", "skipped", "not run"),
        cell("sockets.tcp_echo", "uvloop", "fail", "wrong bytes")])))
    assert build_table(merged).rows[0].agreement.differing == (Differing("uvloop", ("linux",)),)


def test_a_documented_mistake_is_shown_but_not_scored(with_a_documented_mistake: Merged) -> None:
    merged = with_a_documented_mistake
    table = build_table(merged)
    summaries = {s.id: s for row in table.rows for s in row.summaries}
    naive = summaries["files.naive_read/gevent/linux"]
    assert naive.worst == "blocking" and naive.mistake and naive.score == "excluded"  # shown as it is
    assert summaries["files.naive_read/threads/linux"].score == "excluded"  # a pass is not scored either
    gevent = next(s for s in table.scores if s.column.runtime == "gevent")
    assert (gevent.passed, gevent.counted) == (2, 3)  # tcp_echo fails; naive_read is not counted
    assert ("documented-mistake", 1) in gevent.excluded
    said = next(c for c in build_view(merged, table).columns if c.runtime == "gevent")
    assert said.explanation.endswith("left out: 1 documented mistake")
    assert [m.id for m in table.mistakes] == ["files.naive_read"]
    # nor counted as a bug or design deviation: gevent's one non-pass cell per Python is tcp_echo's
    deviations = next(d for d in table.deviations if d.column.runtime == "gevent")
    assert dict(deviations.counts) == {"bug": 0, "design": 0, "unclassified": 2}
    platform = [p for p in platform_scores(merged) if p["runtime"] == "gevent"]
    assert [(p["passed"], p["counted"], p["left_out"]) for p in platform] == [
        (2, 3, {"documented-mistake": 1}), (2, 3, {"documented-mistake": 1})]


def test_each_non_pass_cell_is_a_bug_a_design_or_unclassified(with_kinds: Merged) -> None:
    table = build_table(with_kinds)
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
    said = next(c for c in build_view(with_kinds, table).columns if c.runtime == "gevent")
    assert said.deviations_explanation == ("8 non-pass cells under gevent on Linux (one per Python): 3 bug, "
                                           "2 design, 3 unclassified")
