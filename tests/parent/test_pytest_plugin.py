"""The pytest plugin, tested black-box with pytester: ids, selection, verdicts, the run document."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance._runtimes import availability, get_runtime

pytest_plugins = ["pytester"]

SCENARIOS = {
    "ok": '''
        """A body that does the right thing."""
        def run_sync(ctx): ctx.measure("answer", 42)
        async def run_asyncio(ctx): ctx.measure("answer", 42)
        async def run_trio(ctx): ctx.measure("answer", 42)
    ''',
    "missing_api": '''
        """A body whose operation the runtime lacks."""
        def run_sync(ctx): raise NotImplementedError("no such operation here")
        async def run_asyncio(ctx): raise NotImplementedError("no such operation here")
        async def run_trio(ctx): raise NotImplementedError("no such operation here")
    ''',
    "wrong": '''
        """A body that observes a wrong result."""
        def run_sync(ctx): ctx.expect_equal(1, 2, "the answer")
        async def run_asyncio(ctx): ctx.expect_equal(1, 2, "the answer")
        async def run_trio(ctx): ctx.expect_equal(1, 2, "the answer")
    ''',
    "nowhere": '''
        """A feature no platform has."""
        import sys
        NOT_APPLICABLE = {sys.platform: "this platform lacks it for every runtime"}
        def run_sync(ctx): pass
        async def run_asyncio(ctx): pass
        async def run_trio(ctx): pass
    ''',
}

EXPECTATIONS = '''
[[expectation]]
scenario = "sockets.missing_api"
runtime = "*"
outcome = "unsupported"
reason = "the operation is known to be missing"
link = "https://example.org/issue/1"

[[expectation]]
scenario = "sockets.ok"
runtime = "asyncio"
outcome = "fail"
reason = "claims a failure that does not happen"
link = "https://example.org/issue/2"
'''


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    root = pytester.path / "scenarios"
    (root / "sockets").mkdir(parents=True)
    for name, source in SCENARIOS.items():
        (root / "sockets" / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (root / "expectations.toml").write_text(EXPECTATIONS, encoding="utf-8")
    (root / "conftest.py").write_text('pytest_plugins = ["conformance._parent.pytest_plugin"]\n',
                                      encoding="utf-8")
    (root / "test_scenarios.py").write_text(textwrap.dedent('''
        def test_scenario(conformance_cell):
            conformance_cell()
    '''), encoding="utf-8")
    return pytester


def _run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    return suite.runpytest_subprocess(
        "scenarios", "--scenarios", "scenarios", "-p", "no:cacheprovider", "-rxXsf",
        "--run-document", "run.json", *args)


def test_item_ids_are_scenario_and_runtime(suite: pytest.Pytester) -> None:
    result = _run(suite, "--collect-only", "-q", "--runtime", "threads", "--runtime", "gevent")
    result.stdout.fnmatch_lines([
        "*test_scenario[[]sockets.missing_api-threads[]]",
        "*test_scenario[[]sockets.ok-gevent[]]",
    ])
    assert "asyncio" not in result.stdout.str()
    assert result.ret == 0


def test_verdicts(suite: pytest.Pytester) -> None:
    result = _run(suite, "--runtime", "threads", "--runtime", "asyncio")
    outcomes = result.parseoutcomes()
    # ok-threads passes; missing_api is known (xfail) for both; nowhere is skipped for both;
    # wrong fails for both (no expectation); ok-asyncio passes against an expected fail: fails.
    assert outcomes == {"passed": 1, "xfailed": 2, "skipped": 2, "failed": 3}, outcomes
    text = result.stdout.str()
    assert "the operation is known to be missing" in text  # the xfail carries its reason
    assert "https://example.org/issue/1" in text
    result.stdout.fnmatch_lines([
        "*sockets.ok[[]asyncio[]]: expected fail (claims a failure that does not happen), got pass*",
        "*sockets.wrong[[]threads[]]: expected pass, got fail: the answer: expected 2, got 1*",
        "*not-applicable: this platform lacks it for every runtime*",
    ])
    assert result.ret == 1


def test_keyword_and_xdist_write_one_run_document(suite: pytest.Pytester) -> None:
    result = _run(suite, "-n", "2", "-k", "ok or missing_api", "--runtime", "threads",
                  "--runtime", "trio", "--runtime", "uvloop")
    # uvloop does not run on Windows: its two cells are then unavailable, which pytest shows as skips.
    if availability(get_runtime("uvloop")).available:
        assert result.parseoutcomes() == {"passed": 3, "xfailed": 3}
    else:
        assert result.parseoutcomes() == {"passed": 2, "xfailed": 2, "skipped": 2}
    document = json.loads((suite.path / "run.json").read_text(encoding="utf-8"))
    assert document["schema"] == "conformance-run/1"
    cells = {(c["scenario"], c["runtime"]): c for c in document["cells"]}
    assert sorted(cells) == sorted(
        (f"sockets.{s}", r) for s in ("ok", "missing_api") for r in ("threads", "trio", "uvloop"))
    assert cells[("sockets.ok", "trio")]["measurements"] == {"answer": 42}
    assert cells[("sockets.missing_api", "threads")]["outcome"] == "unsupported"
    assert cells[("sockets.missing_api", "threads")]["expected"] == "unsupported"
    assert set(document["run_info"]["runtimes"]) == {"threads", "trio", "uvloop"}


def test_unknown_runtime_is_a_usage_error(suite: pytest.Pytester) -> None:
    result = _run(suite, "--runtime", "twistedd")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown runtime 'twistedd'; the runtimes are: threads, gevent*"])


def test_bad_expectations_are_a_usage_error(suite: pytest.Pytester) -> None:
    (suite.path / "scenarios" / "expectations.toml").write_text(
        EXPECTATIONS.replace('link = "https://example.org/issue/1"', ""), encoding="utf-8")
    result = _run(suite, "--runtime", "threads")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*entry 1: 'link' is required*"])


def test_cli_run_matches_the_plugin(suite: pytest.Pytester, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``conformance run`` gives the same verdicts without pytest, and exits 1 on unexpected cells."""
    # pytester reads the command's output as UTF-8; its table's symbols (✓) are not in Windows' default
    # encoding for a file (cp1252). tox sets the same variable for every env.
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8")
    output = tmp_path / "cli.json"
    command = (sys.executable, "-m", "conformance", "run", "--scenarios", "scenarios",
               "--runtime", "threads", "--output", str(output))
    result = suite.run(*command, "-k", "ok or missing_api", "--jobs", "2")
    assert result.ret == 0, result.stdout.str()
    document = json.loads(output.read_text(encoding="utf-8"))
    assert {c["scenario"]: c["outcome"] for c in document["cells"]} == {
        "sockets.ok": "pass", "sockets.missing_api": "unsupported"}
    result = suite.run(*command, "-k", "wrong")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*unexpected: sockets.wrong[[]threads[]]: expected pass, got fail*"])


PREDICTIONS = '''
[[expectation]]
scenario = "sockets.wrong"
runtime = "threads"
predicted = true
outcome = "fail"
reason = "the answer is predicted to differ"
link = "https://example.org/upstream/v1.0/answer.py"

[[expectation]]
scenario = "sockets.ok"
runtime = "threads"
predicted = true
outcome = "blocking"
reason = "the call is predicted to block"
link = "https://example.org/upstream/v1.0/block.py"

[[expectation]]
scenario = "sockets.broken"
runtime = "threads"
predicted = true
outcome = "fail"
reason = "predicted to fail, not to break"
link = "https://example.org/upstream/v1.0/broken.py"
'''

BROKEN = '''
"""A body that raises what no scenario expects."""
def run_sync(ctx): raise RuntimeError("the scenario broke")
'''


def test_predictions_confirmed_and_refuted_do_not_fail_but_a_breakage_does(suite: pytest.Pytester) -> None:
    root = suite.path / "scenarios"
    (root / "expectations.toml").write_text(PREDICTIONS, encoding="utf-8")
    (root / "sockets" / "broken.py").write_text(textwrap.dedent(BROKEN), encoding="utf-8")
    # "ok" is in "broken" too: this selection has all three.
    result = _run(suite, "--runtime", "threads", "-k", "wrong or ok")
    assert result.parseoutcomes() == {"xfailed": 2, "failed": 1, "deselected": 2}, result.stdout.str()
    result.stdout.fnmatch_lines_random([
        "XFAIL*sockets.ok-threads* - prediction refuted: sockets.ok[[]threads[]]: predicted blocking "
        "(the call is predicted to block <https://example.org/upstream/v1.0/block.py>), observed pass*",
        "XFAIL*sockets.wrong-threads* - fail: predicted and now observed: the answer is predicted to differ*"
        "promote it: delete `predicted = true` from its entry*",
        "*sockets.broken[[]threads[]]: predicted fail (predicted to fail, not to break), got error*",
        "*conformance predictions*",
        "1 prediction(s) confirmed: predicted and now observed; promote it: delete `predicted = true`*",
        "  confirmed: sockets.wrong[[]threads[]] fail",
        "1 prediction(s) refuted (not a failure; review the entries):",
        "  prediction refuted: sockets.ok[[]threads[]]*",
    ])
    assert result.ret == 1  # the error, not the refuted prediction
    document = json.loads((suite.path / "run.json").read_text(encoding="utf-8"))
    expectations = {c["scenario"]: c["expectation"] for c in document["cells"]}
    assert expectations["sockets.ok"] == {"outcome": "blocking", "reason": "the call is predicted to block",
                                          "link": "https://example.org/upstream/v1.0/block.py",
                                          "predicted": True}
    # Without the breakage the leg is green, refuted prediction and all.
    result = _run(suite, "--runtime", "threads", "-k", "(wrong or ok) and not broken")
    assert result.parseoutcomes() == {"xfailed": 2, "deselected": 3}
    assert result.ret == 0


def test_the_plugin_and_the_commands_read_the_expectations_alike(suite: pytest.Pytester) -> None:
    """One home for reading expectations (Expectations.of_suite): an entry for a scenario of another
    area of the folder (a bench workload) is valid for the plugin as for `conformance run`, and an entry
    naming no scenario of the folder is refused by both, with the same message."""
    root = suite.path / "scenarios"
    (root / "bench").mkdir()
    (root / "bench" / "echo_rate.py").write_text(textwrap.dedent(SCENARIOS["ok"]), encoding="utf-8")
    bench_entry = ('\n[[expectation]]\nscenario = "bench.echo_rate"\nruntime = "gevent"\n'
                   'outcome = "fail"\nreason = "a bench workload\'s entry"\nlink = "https://example.org/3"\n')
    (root / "expectations.toml").write_text(EXPECTATIONS + bench_entry, encoding="utf-8")
    assert _run(suite, "--runtime", "threads", "-k", "ok").ret == pytest.ExitCode.OK
    cli = subprocess.run([sys.executable, "-m", "conformance", "run", "--scenarios", str(root),
                          "--runtime", "threads", "-k", "ok", "--output", str(suite.path / "cli.json")],
                         capture_output=True, text=True, check=False, cwd=suite.path)
    assert cli.returncode == 0, cli.stderr

    gone = bench_entry.replace("bench.echo_rate", "bench.gone")
    (root / "expectations.toml").write_text(EXPECTATIONS + gone, encoding="utf-8")
    plugin = _run(suite, "--runtime", "threads", "-k", "ok")
    assert plugin.ret == pytest.ExitCode.USAGE_ERROR
    cli = subprocess.run([sys.executable, "-m", "conformance", "run", "--scenarios", str(root),
                          "--runtime", "threads", "-k", "ok"], capture_output=True, text=True, check=False,
                         cwd=suite.path)
    assert cli.returncode == 2
    problem = "expectations.toml, entry 3: no scenario matches 'bench.gone'"
    assert problem in cli.stderr and problem in plugin.stderr.str()
