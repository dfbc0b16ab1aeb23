"""Reading run documents and merging them per platform (conformance._report.merge), and the suite's
scenario catalog the report reads (titles, documented mistakes, the plots a scenario declares)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance._model.results import RunDocument
from conformance._model.scenarios import PlottedMeasurement, ScenarioError
from conformance._report.merge import Merged, catalog_from_suite, load
from conformance._report.render_html import render_html
from conformance._report.samples import (
    LINUX_311,
    LINUX_312,
    SMALL_SUITE,
    WIN_312,
    catalog,
    cell,
    document,
    write,
)
from conformance._report.view import build_view
from conformance._runtimes import RUNTIMES

CATALOG = catalog(SMALL_SUITE)
Passes = Callable[..., RunDocument]
MergedOf = Callable[..., Merged]


def test_merges_platforms_and_the_parts_of_one_platform(tmp_path: Path) -> None:
    # tox writes one document per runtime for one platform: they are parts of one run
    threads_part = write(tmp_path / "py311-threads.json",
                         document(LINUX_311, [cell(s, "threads") for s in SMALL_SUITE], runtimes=["threads"],
                                  started_at="2026-02-01T10:00:00+00:00"))
    gevent_part = write(tmp_path / "py311-gevent.json",
                        document(LINUX_311, [cell(s, "gevent") for s in SMALL_SUITE], runtimes=["gevent"],
                                 started_at="2026-02-01T09:00:00+00:00"))
    other = write(tmp_path / "win.json", document(WIN_312, [cell(s, "threads") for s in SMALL_SUITE],
                                                    runtimes=["threads"]))
    merged, problems = load([threads_part, gevent_part, other], CATALOG)
    assert problems == []
    assert [p.id for p in merged.platforms] == [LINUX_311, WIN_312]
    linux = merged.platform(LINUX_311)
    assert linux.sources == (str(threads_part), str(gevent_part))
    assert set(linux.run_info["runtimes"]) == {"threads", "gevent"}
    assert linux.run_info["started_at"] == "2026-02-01T09:00:00+00:00"  # the earlier part
    assert len(merged.cells) == 3 * len(SMALL_SUITE)
    assert merged.runtimes == ("threads", "gevent")
    assert merged.missing_oses == ("darwin",)


def test_parts_of_one_platform_from_two_commits_keep_both_commits(merged_of: MergedOf) -> None:
    merged = merged_of(
        ("sockets.json", document(LINUX_311, [cell("sockets.tcp_echo", "threads")], suite_commit="aaa")),
        ("dns.json", document(LINUX_311, [cell("dns.slow_lookup", "threads")], suite_commit="bbb",
                              interrupted=True)))
    info = merged.platform(LINUX_311).run_info
    assert info["suite_commits"] == ["aaa", "bbb"]
    assert info["interrupted"] is True
    page = render_html(build_view(merged))
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


def test_two_runs_of_one_platform_are_a_duplicate_cell_naming_both_files(
        tmp_path: Path, everything_passes: Passes) -> None:
    first = write(tmp_path / "monday.json", everything_passes(LINUX_311))
    second = write(tmp_path / "tuesday.json", everything_passes(LINUX_311))
    _, problems = load([first, second], CATALOG)
    assert [str(p) for p in problems] == [
        f"{second}: a second run for platform {LINUX_311}: duplicate cell sockets.tcp_echo[threads] "
        f"and 11 more, also in {first}"]


def test_every_bad_input_is_reported_and_the_good_ones_are_kept(tmp_path: Path,
                                                                everything_passes: Passes) -> None:
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


def test_a_runtime_an_installed_package_added_is_a_column_where_its_package_is_not_installed(
        tmp_path: Path) -> None:
    """A runtime's maintainer sends back a run document of their runtime (docs/maintainers.md): its run
    info names the distribution that added it, so the report takes it; a name nothing vouches for stays
    an error (a misspelt runtime)."""
    info = document("darwin-arm64-cpython3.13", [cell("sockets.tcp_echo", "myloop")],
                    runtimes=["threads"]).run_info
    external = dict(info, runtimes={**info["runtimes"], "myloop": {
        "available": True, "version": "1.2.0", "reason": "", "provider": "myloop-conformance"}})
    sent = write(tmp_path / "myloop.json", RunDocument(run_info=external,
                                                       cells=(cell("sockets.tcp_echo", "myloop"),)))
    merged, problems = load([sent], CATALOG)
    assert problems == []
    assert merged.runtimes == ("myloop",)
    unvouched = dict(external, runtimes={**external["runtimes"], "myloop": {
        "available": True, "version": "1.2.0", "reason": ""}})
    misspelt = write(tmp_path / "misspelt.json", RunDocument(run_info=unvouched,
                                                             cells=(cell("sockets.tcp_echo", "myloop"),)))
    _, problems = load([misspelt], CATALOG)
    assert [str(p) for p in problems] == [f"{misspelt}: unknown runtime 'myloop' (1 cell); the runtimes are: "
                                          f"{', '.join(sorted(RUNTIMES))}"]


def test_expected_platforms_that_are_missing_are_each_a_problem(tmp_path: Path,
                                                                everything_passes: Passes) -> None:
    good = write(tmp_path / "linux.json", everything_passes(LINUX_311))
    merged, problems = load([good], CATALOG,
                            expected_platforms=[LINUX_311, WIN_312, "darwin-arm64-cpython3.13"])
    assert [str(p) for p in problems] == [
        f"expected platform {WIN_312}: no run document for it",
        "expected platform darwin-arm64-cpython3.13: no run document for it",
    ]
    assert merged.missing_platforms == (WIN_312, "darwin-arm64-cpython3.13")


def test_a_folder_is_its_run_documents_and_an_empty_folder_is_a_problem(
        tmp_path: Path, everything_passes: Passes) -> None:
    runs = tmp_path / "runs"
    write(runs / "a.json", everything_passes(LINUX_311))
    write(runs / "b.json", everything_passes(WIN_312))
    (tmp_path / "empty").mkdir()
    merged, problems = load([runs, tmp_path / "empty"], CATALOG)
    assert [p.id for p in merged.platforms] == [LINUX_311, WIN_312]
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'empty'}: a folder with no run documents (*.json) in it"]


def test_scenarios_of_the_suite_that_no_run_has_are_listed(merged_of: MergedOf) -> None:
    merged = merged_of(("a", document(LINUX_311, [cell("sockets.tcp_echo", "threads")])))
    assert merged.unrun_scenarios == ("dns.slow_lookup", "files.naive_read", "sockets.tls_echo")
    assert [s.id for s in merged.scenarios] == ["sockets.tcp_echo"]


def test_each_platform_is_labelled_in_two_parts_the_architecture_said_where_an_os_has_several(
        merged_of: MergedOf) -> None:
    merged = merged_of(*((p, document(p, [cell("sockets.tcp_echo", "threads")]))
                         for p in ("linux-aarch64-cpython3.13", "linux-x86_64-cpython3.12", WIN_312)))
    labels = {p.id: (p.label_prefix, p.label_name, p.label) for p in merged.platforms}
    assert labels == {"linux-aarch64-cpython3.13": ("aarch64", "3.13", "aarch64 3.13"),
                      "linux-x86_64-cpython3.12": ("x86_64", "3.12", "x86_64 3.12"),
                      WIN_312: ("", "3.12", "3.12")}


# -- the suite's catalog ------------------------------------------------------------------------------

BODY = '"""A read.\n\nReference semantics: it reads.\n"""\n{setting}\ndef run_sync(ctx):\n    pass\n'


def test_the_suite_catalog_reads_documented_mistake(tmp_path: Path) -> None:
    area = tmp_path / "files"
    area.mkdir()
    (area / "naive.py").write_text(BODY.format(setting='DOCUMENTED_MISTAKE = "a  blocking\\n read: offload"'),
                                   encoding="utf-8")
    (area / "plain.py").write_text(BODY.format(setting=""), encoding="utf-8")
    found = catalog_from_suite(tmp_path)
    assert found["files.naive"].documented_mistake == "a blocking read: offload"
    assert found["files.plain"].documented_mistake == ""
    (area / "empty.py").write_text(BODY.format(setting='DOCUMENTED_MISTAKE = " "'), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"empty\.py: DOCUMENTED_MISTAKE is the mistake and its"):
        catalog_from_suite(tmp_path)


def test_the_suite_catalog_reads_the_plots_a_scenario_declares(tmp_path: Path) -> None:
    area = tmp_path / "dns"
    area.mkdir()
    (area / "lookups.py").write_text(BODY.format(setting=(
        'PLOTS = {"elapsed_ms": "time for  all lookups", "max_stall_ms": ("longest stall", "ms"), '
        '"lookups_per_s": "lookups", "pool": ("threads in the pool", "threads", "higher")}')),
        encoding="utf-8")
    (area / "plain.py").write_text(BODY.format(setting=""), encoding="utf-8")
    found = catalog_from_suite(tmp_path)
    assert found["dns.lookups"].plots == (
        PlottedMeasurement("elapsed_ms", "time for all lookups", "ms", "lower"),  # the unit from its suffix
        PlottedMeasurement("max_stall_ms", "longest stall", "ms", "lower"),
        PlottedMeasurement("lookups_per_s", "lookups", "/s", "higher"),  # a rate: higher is better
        PlottedMeasurement("pool", "threads in the pool", "threads", "higher"),
    )
    assert found["dns.plain"].plots == ()


@pytest.mark.parametrize(("setting", "problem"), [
    ('PLOTS = ["elapsed_ms"]', "PLOTS is {measurement: what} or {measurement: (what, unit)} or "
                               "{measurement: (what, unit, 'lower' or 'higher')}, such as {'elapsed_ms': "
                               "'time for all lookups'}; not ['elapsed_ms']"),
    ("PLOTS = {}", "; not {}"),
    ('PLOTS = {"Elapsed ms": "time"}', "PLOTS: 'Elapsed ms' is not a measurement name (lower_snake_case, as "
                                       "the body passes it to ctx.measure)"),
    ('PLOTS = {"elapsed_ms": ""}', "PLOTS['elapsed_ms']: PLOTS is {measurement: what}"),
    ('PLOTS = {"elapsed_ms": ("time", "ms", "lower", "x")}', "each a non-empty string; not ('time', 'ms', "
                                                             "'lower', 'x')"),
    ('PLOTS = {"elapsed_ms": 3}', "each a non-empty string; not 3"),
    ('PLOTS = {"pool": "threads in the pool"}', "PLOTS['pool']: the name has no unit suffix (_per_s, _us, "
                                                "_ms, _kib, _s): give the unit, ('threads in the pool', "
                                                "'unit')"),
    ('PLOTS = {"elapsed_ms": ("time", "ms", "faster")}', "PLOTS['elapsed_ms']: better is 'lower' or "
                                                         "'higher', not 'faster'"),
])
def test_a_wrong_plots_setting_is_a_scenario_error_naming_the_file(tmp_path: Path, setting: str,
                                                                   problem: str) -> None:
    area = tmp_path / "dns"
    area.mkdir()
    (area / "lookups.py").write_text(BODY.format(setting=setting), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        catalog_from_suite(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{area / 'lookups.py'}: ")
    assert problem in message, message
