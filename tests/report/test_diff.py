"""What changed between two sets of results (conformance._report.diff), and how ``diff`` reads its
sides: run documents, folders of them, a built report's support.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance._model.results import RunDocument
from conformance._report.diff import classify, diff, load_results
from conformance._report.export import support_json
from conformance._report.merge import Merged, load
from conformance._report.render_markdown import render_diff
from conformance._report.samples import LINUX_311, SMALL_SUITE, WIN_312, catalog, cell, document, write
from conformance._report.table import build_table

MergedOf = Callable[..., Merged]


@pytest.mark.parametrize(("old", "new", "kind"), [
    ("pass", "fail", "regressed"), ("pass", "blocking", "regressed"), ("pass", "crash", "regressed"),
    ("fail", "pass", "fixed"), ("timeout", "pass", "fixed"),
    ("fail", "crash", "changed"), ("pass", "skipped", "changed"), ("unavailable", "pass", "changed"),
    ("pass", "pass", None),
])
def test_classify(old: str, new: str, kind: str | None) -> None:
    assert classify(old, new) == kind


def test_diff_per_runtime_and_platform_with_whole_platforms_and_scenarios_collapsed(
        merged_of: MergedOf) -> None:
    old = merged_of(("old", document(LINUX_311, [cell("sockets.tcp_echo", "gevent"),
                                                 cell("sockets.tls_echo", "gevent", "fail"),
                                                 cell("dns.slow_lookup", "gevent"),
                                                 cell("files.naive_read", "gevent")])))
    new = merged_of(("new", document(LINUX_311, [cell("sockets.tcp_echo", "gevent", "blocking", "stalled"),
                                                 cell("sockets.tls_echo", "gevent"),
                                                 cell("dns.slow_lookup", "gevent"),
                                                 cell("sockets.tcp_echo", "trio")])),
                    ("win", document(WIN_312, [cell(s, "gevent") for s in SMALL_SUITE])))
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


def test_diff_reads_run_documents_folders_and_support_json(
        tmp_path: Path, everything_passes: Callable[..., RunDocument]) -> None:
    run = write(tmp_path / "runs" / "a.json", everything_passes(LINUX_311))
    merged, _ = load([run], catalog(SMALL_SUITE))
    support = tmp_path / "support.json"
    support.write_text(json.dumps(support_json(merged, build_table(merged))), encoding="utf-8")
    for path in (run, tmp_path / "runs", support):
        result, problems = load_results(path)
        assert problems == [] and result is not None and result.cells == merged.cells
    foreign = write(tmp_path / "other.json", {"schema": "something-else/2"})
    result, problems = load_results(foreign)
    assert result is None
    assert str(problems[0]).startswith(f"{foreign}: unknown schema 'something-else/2'")
