"""Two runtimes side by side (conformance/_report/compare.py): the differences, the tallies, the kinds,
the bench's round-paired ratios, and ``conformance report --compare A B``'s compare-A-B.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation, RunDocument
from conformance._parent.cli import main
from conformance._report.bench import bench_sections
from conformance._report.compare import CompareError, Comparison, compare
from conformance._report.merge import merge
from conformance._report.render_markdown import link_md, render_comparison
from conformance._report.samples import LINUX_311, LINUX_312, WIN_312, XSS, catalog, cell, document, run_info
from conformance._report.view import LinkView, build_view

SCENARIOS = ["sockets.tcp_echo", "sockets.peer_reset", "sockets.tls_echo", "dns.slow_lookup",
             "files.naive_read", "subprocess.spawn"]
RUNTIMES = ["threads", "gevent", "asyncio", "uvloop"]
LINK = "https://example.org/gevent/v24.2.1/socket.py#L10-L12"
LONG = "and then " * 20  # a reason of about 230 characters in all: whole at 300, cut at 160


def _cell(scenario: str, runtime: str, platform: str) -> Cell:
    if runtime == "uvloop" and platform == WIN_312:
        return cell(scenario, runtime, "unavailable", "uvloop does not run on win32")
    if scenario == "sockets.peer_reset" and runtime == "gevent":
        # a bug of gevent everywhere, with its reproducer
        return cell(scenario, runtime, "fail", f"a reset reads as EOF {XSS} {LONG}").with_expectation(
            Expectation(Outcome.FAIL, "a reset reads as EOF", LINK, kind="bug",
                        issue="https://github.com/gevent/gevent/issues/1",
                        repro="sockets/repro/peer_reset__gevent.py"))
    if scenario == "sockets.tls_echo" and runtime == "asyncio" and platform == LINUX_312:
        return cell(scenario, runtime, "unsupported", "no start_tls").with_expectation(
            Expectation(Outcome.UNSUPPORTED, "by design", "https://example.org/cpython/v3.12.0/x.py#L1",
                        kind="design"))
    if scenario == "dns.slow_lookup" and runtime == "asyncio":
        return cell(scenario, runtime, "skipped", "no resolver stub here")  # observed nothing
    if scenario == "files.naive_read" and runtime != "threads":
        return cell(scenario, runtime, "blocking" if runtime == "asyncio" else "pass")  # a documented mistake
    if scenario == "subprocess.spawn" and runtime == "gevent" and platform == WIN_312:
        return cell(scenario, runtime, "not-applicable", "no fork on Windows")
    return cell(scenario, runtime)


@pytest.fixture(scope="module")
def report() -> tuple[object, list[object]]:
    docs = [(p, document(p, [_cell(s, r, p) for s in SCENARIOS for r in RUNTIMES], runtimes=RUNTIMES))
            for p in (LINUX_311, LINUX_312, WIN_312)]
    bench = RunDocument({**run_info(LINUX_312, runtimes=RUNTIMES), "kind": "bench",
                         "bench": {"quick": False, "repeats": 3}}, (
        # gevent / asyncio round by round: 2.0, 1.5, 3.0 -> x2.00 [1.50-3.00]; the ratio of the medians
        # would be 200 / 100 = 2.0 too, so the p99 row (below) is the one that tells them apart
        Cell("bench.tcp_echo", "gevent", Outcome.PASS, measurements={"req_per_s": 200.0, "p99_us": 30.0},
             samples={"req_per_s": (200.0, 150.0, 300.0), "p99_us": (10.0, 30.0, 40.0)}),
        Cell("bench.tcp_echo", "asyncio", Outcome.PASS, measurements={"req_per_s": 100.0, "p99_us": 30.0},
             samples={"req_per_s": (100.0, 100.0, 100.0), "p99_us": (40.0, 20.0, 30.0)}),
        Cell("bench.tcp_echo", "threads", Outcome.PASS, measurements={"req_per_s": 90.0, "p99_us": 50.0},
             samples={"req_per_s": (90.0, 90.0, 90.0), "p99_us": (50.0, 50.0, 50.0)}),
        Cell("bench.tcp_echo", "uvloop", Outcome.ERROR, reason="the server fell over"),
    ))
    merged, problems = merge(docs, catalog(SCENARIOS, mistakes={"files.naive_read": "a blocking read"}))
    assert not problems
    return build_view(merged), bench_sections([("bench.json", bench)], {})


def _compare(report: tuple[object, list[object]], a: str, b: str, **kw: object) -> Comparison:
    view, bench = report
    return compare(view, a, b, bench=bench, **kw)  # type: ignore[arg-type]


def test_a_difference_is_a_scenario_on_a_platform_where_both_observed_and_differ(report: object) -> None:
    c = _compare(report, "gevent", "asyncio")  # type: ignore[arg-type]
    found = [(d.scenario.id, d.platform.id, d.a.outcome.key, d.b.outcome.key) for d in c.differences]
    assert found == [
        ("sockets.peer_reset", LINUX_311, "fail", "pass"),
        ("sockets.peer_reset", LINUX_312, "fail", "pass"),
        ("sockets.peer_reset", WIN_312, "fail", "pass"),
        ("sockets.tls_echo", LINUX_312, "pass", "unsupported"),
        ("subprocess.spawn", WIN_312, "not-applicable", "pass"),
        ("files.naive_read", LINUX_311, "pass", "blocking"),
        ("files.naive_read", LINUX_312, "pass", "blocking"),
        ("files.naive_read", WIN_312, "pass", "blocking"),
        # dns.slow_lookup: asyncio skipped it, which observed nothing
    ]
    assert c.differences[0].a_cell == "sockets.peer_reset/gevent/linux"
    assert c.differences[2].b_cell == "sockets.peer_reset/asyncio/win32"


def test_tallies_count_scenarios_a_pass_and_a_finding_documented_mistakes_aside(report: object) -> None:
    c = _compare(report, "gevent", "asyncio")  # type: ignore[arg-type]
    tallies = {t.key: (t.compared, t.only_a, t.only_b) for t in c.areas}
    # sockets: tcp_echo both pass, peer_reset asyncio only, tls_echo gevent only (on 3.12)
    # dns: asyncio skipped everywhere: nothing compared; files: a documented mistake: not counted;
    # subprocess: not-applicable against pass is a difference, not a pass the other lacks
    assert tallies == {"sockets": (3, 1, 1), "subprocess": (1, 0, 0), "files": (0, 0, 0), "dns": (0, 0, 0)}
    assert (c.compared, c.only_a, c.only_b) == (4, 1, 1)
    on_311 = _compare(report, "gevent", "asyncio", platform=LINUX_311)  # type: ignore[arg-type]
    assert {t.key: (t.only_a, t.only_b) for t in on_311.areas}["sockets"] == (0, 1)
    assert [p.id for p in on_311.platforms] == [LINUX_311]


def test_kinds_split_each_runtimes_non_pass_cells(report: object) -> None:
    c = _compare(report, "gevent", "asyncio")  # type: ignore[arg-type]
    # gevent: peer_reset on 3 platforms, a bug; asyncio: tls_echo on 3.12, a design (files.naive_read's
    # blocking cells are a documented mistake, and a skipped cell is no finding)
    assert c.kinds == {"gevent": {"bug": 3, "design": 0, "unclassified": 0},
                       "asyncio": {"bug": 0, "design": 1, "unclassified": 0}}


def test_a_runtime_that_observed_nothing_on_a_platform_says_why(report: object) -> None:
    c = _compare(report, "asyncio", "uvloop")  # type: ignore[arg-type]
    assert [(r, p.id, why) for r, p, why in c.unavailable] == \
        [("uvloop", WIN_312, "unavailable: uvloop does not run on win32")]
    assert all(d.platform.id != WIN_312 for d in c.differences)


def test_bench_ratios_pair_the_rounds_and_say_within_noise(report: object) -> None:
    c = _compare(report, "gevent", "asyncio")  # type: ignore[arg-type]
    (pair,) = c.bench
    rows = {r.figure: r for r in pair.rows}
    req = rows["req_per_s"]
    assert req.headline == "x2.00 [1.50-3.00]" and not req.within_noise and req.better == "a"
    p99 = rows["p99_us"]
    # round by round 10/40, 30/20, 40/30 -> x1.33 [0.25-1.50]: the range includes 1; the ratio of the
    # medians would be 30/30 = 1.00
    assert p99.headline == "x1.33 [0.25-1.50]" and p99.within_noise and p99.better is None
    assert _compare(report, "gevent", "asyncio", platform=LINUX_311).bench == ()  # type: ignore[arg-type]
    uv = _compare(report, "asyncio", "uvloop")  # type: ignore[arg-type]
    assert [r.headline for r in uv.bench[0].rows] == ["", ""] and uv.bench[0].rows[0].b.outcome == "error"


@pytest.mark.parametrize(("a", "b", "platform", "message"), [
    ("gevent", "trio", None, r"no runtime 'trio' in this report; it has: threads, gevent, asyncio, uvloop"),
    ("gevent", "gevent", None, r"two different runtimes, not 'gevent' with itself"),
    ("gevent", "asyncio", "darwin-arm64-cpython3.12", r"no platform 'darwin-arm64-cpython3.12'"),
])
def test_a_comparison_the_report_cannot_make_is_refused(report: object, a: str, b: str, platform: str | None,
                                                        message: str) -> None:
    with pytest.raises(CompareError, match=message):
        _compare(report, a, b, platform=platform)  # type: ignore[arg-type]


def test_the_markdown_has_every_part_and_keeps_results_text_inert(report: object) -> None:
    text = render_comparison(_compare(report, "gevent", "asyncio"))  # type: ignore[arg-type]
    assert text.startswith("# gevent or asyncio?\n")
    assert "| Sockets | 3 | 1 | 1 |" in text and "| **all** | **4** | **1** | **1** |" in text
    assert "| gevent | 3 | 0 | 0 | 3 |" in text and "| asyncio | 0 | 1 | 0 | 1 |" in text
    assert "## Where their outcomes differ (8 cells)" in text
    assert XSS not in text and "&lt;script&gt;" in text  # a reason is text, not markup
    assert link_md(LinkView(LINK)) in text and f"]({LINK})" in text  # the pinned link
    assert "reproducer: `conformance repro 'sockets.peer_reset[gevent]'`" in text
    assert "📝 *documented mistake, not scored*" in text
    assert "| tcp\\_echo | `req_per_s` ↑ | 200 | 100 | x2.00 [1.50-3.00] | gevent |" in text
    assert "| tcp\\_echo | `p99_us` ↓ | 30 | 30 | x1.33 [0.25-1.50] | *within noise* |" in text


def test_report_compare_writes_compare_a_b_md_and_refuses_an_unknown_runtime(
        tmp_path: Path, report: object, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    runs = tmp_path / "runs"
    runs.mkdir()
    for p in (LINUX_311, WIN_312):
        cells = [_cell(s, r, p) for s in ("sockets.tcp_echo", "sockets.peer_reset") for r in RUNTIMES]
        doc = document(p, cells, runtimes=RUNTIMES)
        (runs / f"{p}.json").write_text(json.dumps(doc.to_json()), encoding="utf-8")
    out = tmp_path / "report"
    assert main(["report", str(runs), "-o", str(out), "--compare", "gevent", "asyncio",
                 "--compare", "asyncio", "uvloop"]) == 0
    text = (out / "compare-gevent-asyncio.md").read_text(encoding="utf-8")
    assert "## Where their outcomes differ (2 cells)" in text
    assert (out / "compare-asyncio-uvloop.md").is_file()
    # a later build without that pair leaves no stale comparison behind
    assert main(["report", str(runs), "-o", str(out), "--compare", "gevent", "asyncio"]) == 0
    assert sorted(p.name for p in out.glob("compare-*.md")) == ["compare-gevent-asyncio.md"]
    capsys.readouterr()
    fresh = tmp_path / "fresh"
    assert main(["report", str(runs), "-o", str(fresh), "--compare", "gevent", "trio"]) == 2
    err = capsys.readouterr().err
    assert "--compare: no runtime 'trio' in this report; it has: threads, gevent, asyncio, uvloop" in err
    assert "Traceback" not in err and not fresh.exists()  # nothing written


def test_differences_that_say_the_same_on_several_platforms_are_one_group(report: object) -> None:
    c = _compare(report, "gevent", "asyncio")  # type: ignore[arg-type]
    groups = [(g.first.scenario.id, [p.id for p in g.platforms]) for g in c.groups]
    assert groups == [
        ("sockets.peer_reset", [LINUX_311, LINUX_312, WIN_312]),
        ("sockets.tls_echo", [LINUX_312]),
        ("subprocess.spawn", [WIN_312]),
        ("files.naive_read", [LINUX_311, LINUX_312, WIN_312]),
    ]
    text = render_comparison(c)
    assert "## Where their outcomes differ (8 cells)" in text
    assert text.count("`sockets.peer_reset`") == 1 and "| all |" in text
    assert f"| {WIN_312.replace('_', chr(92) + '_')} |" in text  # one platform: named


def test_a_long_comparison_cuts_its_reasons_to_fit_a_github_comment(report: object) -> None:
    from conformance._report import render_markdown

    c = _compare(report, "gevent", "asyncio")  # type: ignore[arg-type]
    whole = render_comparison(c)
    assert "a reset reads as EOF" in whole
    short_limit = len(whole) - 1  # one character too long: the reasons are cut to fit
    original = render_markdown.GITHUB_COMMENT_CHARS
    render_markdown.GITHUB_COMMENT_CHARS = short_limit
    try:
        cut = render_comparison(c)
    finally:
        render_markdown.GITHUB_COMMENT_CHARS = original
    assert len(cut) <= short_limit and "…" in cut and LONG not in cut
    assert LONG.strip() in whole
