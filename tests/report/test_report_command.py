"""``conformance report`` and ``conformance diff``, run as a user runs them: real processes, real files,
and one real ``conformance run`` whose document becomes a report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import Expectation
from conformance._report.samples import cell, document, write

pytest.importorskip("jinja2", reason="the report builder needs the 'report' extra (jinja2, matplotlib)")
pytest.importorskip("matplotlib", reason="the report builder needs the 'report' extra (jinja2, matplotlib)")

BODY = '''
"""{title}.

Reference semantics: ``{name}`` does what blocking code does.
"""
def run_sync(ctx): ctx.measure("elapsed_ms", 12.5)
async def run_asyncio(ctx): ctx.measure("elapsed_ms", 10.0)
async def run_trio(ctx): pass
'''
LINUX = "linux-x86_64-cpython3.11"
WINDOWS = "win32-AMD64-cpython3.12"


def conformance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Its output is read as UTF-8 (the diff prints 💥): Windows' default encoding for a pipe (cp1252)
    # has no such symbols. tox sets the same variable for every env.
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True,
                          encoding="utf-8", env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=180,
                          check=False)


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    """A scenarios folder: sockets.echo, sockets.concurrent_clients (which declares the plot of its
    elapsed_ms), dns.lookup."""
    root = tmp_path / "scenarios"
    plots = 'PLOTS = {"elapsed_ms": "time for all clients"}\n'
    files = (("sockets", "echo", "An echo", ""), ("sockets", "concurrent_clients", "Many clients", plots),
             ("dns", "lookup", "A lookup", ""))
    for area, name, title, settings in files:
        (root / area).mkdir(parents=True, exist_ok=True)
        source = textwrap.dedent(BODY.format(title=title, name=name)) + settings
        (root / area / f"{name}.py").write_text(source, encoding="utf-8")
    return root


def runs(folder: Path) -> list[Path]:
    cells = [cell(s, r) for s in ("sockets.echo", "dns.lookup") for r in ("threads", "gevent")]
    failing = [cell("sockets.echo", "threads"), cell("sockets.echo", "gevent", "fail", "<b>wrong</b> bytes"),
               cell("dns.lookup", "threads"), cell("dns.lookup", "gevent")]
    return [write(folder / "linux.json", document(LINUX, cells, runtimes=["threads", "gevent"])),
            write(folder / "windows.json", document(WINDOWS, failing, runtimes=["threads", "gevent"]))]


def test_report_builds_every_output(scenarios: Path, tmp_path: Path) -> None:
    inputs = runs(tmp_path / "runs")
    out = tmp_path / "site"
    result = conformance("report", *map(str, inputs), "-o", str(out), "--scenarios", str(scenarios),
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "report: 2 platform(s), 2 scenarios, 8 cells" in result.stdout
    assert "no results for: darwin" in result.stdout
    for name in ("index.html", "support-table.md", "support.json", "support.csv"):
        assert (out / name).is_file(), name
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "An echo" in page and "does what blocking code does" in page
    assert "<b>wrong</b>" not in page  # in the details data, escaped
    table = (out / "support-table.md").read_text(encoding="utf-8")
    header = "| Scenario | threads<br>Linux | threads<br>Windows | gevent<br>Linux | gevent<br>Windows |"
    assert header in table
    assert "1 scenario of the suite is in no run" in page  # sockets.concurrent_clients


def test_bad_input_is_one_line_per_problem_and_writes_nothing(scenarios: Path, tmp_path: Path) -> None:
    inputs = runs(tmp_path / "runs")
    broken = tmp_path / "runs" / "broken.json"
    broken.write_text("{", encoding="utf-8")
    unknown = write(tmp_path / "runs" / "unknown.json",
                    document("darwin-arm64-cpython3.13", [cell("sockets.nope", "threads")]))
    out = tmp_path / "site"
    result = conformance("report", *map(str, inputs), str(broken), str(unknown),
                         str(tmp_path / "missing.json"), "-o", str(out), "--scenarios", str(scenarios),
                         cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 3, result.stderr
    assert errors[0].startswith(f"conformance: error: {broken}: not JSON:")
    assert errors[1].startswith(f"conformance: error: {tmp_path / 'missing.json'}: cannot read:")
    # a document read from under the current folder is named relative to it, as the report names it
    shown = unknown.relative_to(tmp_path).as_posix()
    assert errors[2].startswith(f"conformance: error: {shown}: unknown scenario 'sockets.nope'")
    assert "Traceback" not in result.stderr
    assert not out.exists()
    # --keep-going builds from the good files and the page says what it left out; the status stays 2
    result = conformance("report", *map(str, inputs), str(broken), "--keep-going", "-o", str(out),
                         "--scenarios", str(scenarios), cwd=tmp_path)
    assert result.returncode == 2
    assert (out / "index.html").is_file()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f"Left out:</b> {broken}: not JSON" in page
    left_out = json.loads((out / "support.json").read_text(encoding="utf-8"))["left_out"]
    assert left_out[0]["source"] == str(broken)


def test_expected_platforms_must_all_be_there(scenarios: Path, tmp_path: Path) -> None:
    inputs = runs(tmp_path / "runs")
    result = conformance("report", *map(str, inputs), "--expect-platform", LINUX, "--expect-platform",
                         "darwin-arm64-cpython3.13", "--expect-platform", "linux-aarch64-cpython3.13",
                         "-o", str(tmp_path / "site"), "--scenarios", str(scenarios), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "conformance: error: expected platform darwin-arm64-cpython3.13: no run document for it",
        "conformance: error: expected platform linux-aarch64-cpython3.13: no run document for it",
    ]


def test_diff_of_two_runs_and_of_a_report(scenarios: Path, tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", document(LINUX, [cell("sockets.echo", "gevent"),
                                                        cell("dns.lookup", "gevent", "fail", "no answer")]))
    new = write(tmp_path / "new.json", document(LINUX, [cell("sockets.echo", "gevent", "crash", "SIGSEGV"),
                                                        cell("dns.lookup", "gevent")]))
    result = conformance("diff", str(old), str(new), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 regressed, 1 fixed, 0 changed, 0 new, 0 disappeared." in result.stdout
    assert "### Regressed (1)" in result.stdout and "💥 crash" in result.stdout
    result = conformance("diff", str(old), str(new), "--fail-on-regression", cwd=tmp_path)
    assert result.returncode == 1
    # a built report's support.json is a side of a diff too
    site = tmp_path / "site"
    assert conformance("report", str(old), "-o", str(site), "--scenarios", str(scenarios),
                       cwd=tmp_path).returncode == 0
    result = conformance("diff", str(site / "support.json"), str(new), "-o", str(tmp_path / "d.md"),
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "### Fixed (1)" in (tmp_path / "d.md").read_text(encoding="utf-8")
    result = conformance("diff", str(tmp_path / "nope.json"), str(new), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"conformance: error: {tmp_path / 'nope.json'}: cannot read")


def test_baseline_and_history_reach_the_page(scenarios: Path, tmp_path: Path) -> None:
    history = tmp_path / "history"
    write(history / "jan.json", document(LINUX, [cell("sockets.echo", "gevent", "fail", "bad",
                                                      details={"runtime_version": "23.9"})],
                                         runtimes=["gevent"], started_at="2026-01-01T00:00:00+00:00"))
    now = document(LINUX, [cell("sockets.echo", "gevent", details={"runtime_version": "24.2"})],
                   runtimes=["gevent"], started_at="2026-02-01T00:00:00+00:00")
    current = write(tmp_path / "now.json", now)
    out = tmp_path / "site"
    result = conformance("report", str(current), "--baseline", str(history / "jan.json"), "--history",
                         str(history), "-o", str(out), "--scenarios", str(scenarios), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Changes since the baseline" in page and "Fixed (1)" in page
    assert "## Fixed (1)" in (out / "diff.md").read_text(encoding="utf-8")
    data = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert data["cells"][0]["history"] == [
        {"when": "2026-01-01T00:00:00+00:00", "version": "23.9", "old": None, "new": "fail"},
        {"when": "2026-02-01T00:00:00+00:00", "version": "24.2", "old": "fail", "new": "pass"},
    ]


def test_a_real_run_becomes_a_report(scenarios: Path, tmp_path: Path) -> None:
    run = tmp_path / "run.json"
    result = conformance("run", "--scenarios", str(scenarios), "--runtime", "threads", "--runtime", "asyncio",
                         "-k", "concurrent_clients or echo", "--jobs", "2", "-o", str(run), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = tmp_path / "site"
    result = conformance("report", str(run), "-o", str(out), "--scenarios", str(scenarios), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert {(c["scenario"], c["runtime"], c["outcome"]) for c in data["cells"]} == {
        ("sockets.concurrent_clients", "threads", "pass"), ("sockets.concurrent_clients", "asyncio", "pass"),
        ("sockets.echo", "threads", "pass"), ("sockets.echo", "asyncio", "pass")}
    # the plot of sockets.concurrent_clients' elapsed_ms: the scenario declares it, and the run measured it
    assert (out / "plots" / "sockets-concurrent-clients-elapsed-ms.svg").is_file()
    assert "Many clients: time for all clients" in (out / "index.html").read_text(encoding="utf-8")


PREDICTION = '''
[[expectation]]
scenario = "sockets.echo"
runtime = "gevent"
when = "sys_platform == 'darwin'"
predicted = true
outcome = "blocking"
reason = "kqueue is predicted to block the hub"
link = "https://example.org/gevent/v24.2.1/kqueue.py"
'''


def test_report_lists_the_predictions_for_the_oses_no_input_ran(scenarios: Path, tmp_path: Path) -> None:
    (scenarios / "expectations.toml").write_text(PREDICTION, encoding="utf-8")
    inputs = runs(tmp_path / "runs")  # Linux and Windows: macOS is missing
    out = tmp_path / "site"
    result = conformance("report", *map(str, inputs), "-o", str(out), "--scenarios", str(scenarios),
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert data["predicted_not_yet_observed"] == [{
        "os": "darwin", "scenario": "sockets.echo", "runtime": "gevent", "when": "sys_platform == 'darwin'",
        "predicted": "blocking", "reason": "kqueue is predicted to block the hub",
        "link": "https://example.org/gevent/v24.2.1/kqueue.py"}]
    assert "### Predicted, not yet observed: macOS" in (out / "support-table.md").read_text(encoding="utf-8")
    assert "macOS: predictions, not results" in (out / "index.html").read_text(encoding="utf-8")
    # --expectations names another file; one that cannot be read is bad input like any other
    result = conformance("report", *map(str, inputs), "-o", str(tmp_path / "other"), "--scenarios",
                         str(scenarios), "--expectations", str(tmp_path / "nowhere.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"conformance: error: {tmp_path / 'nowhere.toml'}: cannot read")
    assert "Traceback" not in result.stderr and not (tmp_path / "other").exists()


def test_a_documented_mistake_and_bug_or_design_reach_every_output(scenarios: Path, tmp_path: Path) -> None:
    # dns.lookup shows a documented mistake (set in its module); gevent's sockets.echo failure is a bug
    # whose entry covers every sockets scenario, so `conformance repro --list` names it sockets.*[gevent]
    mistake = "a blocking lookup on the loop's thread: use the loop's own"
    lookup = scenarios / "dns" / "lookup.py"
    lookup.write_text(lookup.read_text(encoding="utf-8") + f"\nDOCUMENTED_MISTAKE = {mistake!r}\n",
                      encoding="utf-8")
    (scenarios / "expectations.toml").write_text('''
[[expectation]]
scenario = "sockets.*"
runtime = "gevent"
outcome = "fail"
reason = "a reset reads as EOF"
link = "https://example.org/gevent/v24.2.1/socket.py#L10-L12"
kind = "bug"
issue = "not yet reported"
repro = "sockets/repro/echo__gevent.py"
''', encoding="utf-8")
    bug = cell("sockets.echo", "gevent", "fail", "wrong").with_expectation(Expectation(
        Outcome.FAIL, "a reset reads as EOF", "https://example.org/gevent/v24.2.1/socket.py#L10-L12",
        kind="bug", issue="not yet reported", repro="sockets/repro/echo__gevent.py"))
    run = write(tmp_path / "linux.json", document(LINUX, [
        cell("sockets.echo", "threads"), bug, cell("dns.lookup", "threads"),
        cell("dns.lookup", "gevent", "blocking", "stalled 900 ms")], runtimes=["threads", "gevent"]))
    out = tmp_path / "site"
    result = conformance("report", str(run), "-o", str(out), "--scenarios", str(scenarios), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    support = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert support["documented_mistakes"] == [{"id": "dns.lookup", "documented_mistake": mistake}]
    assert {"runtime": "gevent", "os": "linux", "passed": 0, "counted": 1, "score": 0.0,
            "left_out": {"documented-mistake": 1}} in support["scores"]
    assert {"runtime": "gevent", "os": "linux", "non_pass": 1, "bug": 1, "design": 0, "unclassified": 0} \
        in support["deviations"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "conformance repro &#39;sockets.*[gevent]&#39;" not in page  # JSON, not markup
    assert "conformance repro 'sockets.*[gevent]'" in page
    assert "documented mistake, not scored:</b> a blocking lookup" in page
    table = (out / "support-table.md").read_text(encoding="utf-8")
    assert ("| **Non-pass cells** (🐛 bug · 📘 design · ❔ unclassified) | 🐛 0 · 📘 0 · ❔ 0 | "
            "🐛 1 · 📘 0 · ❔ 0 | |") in table
    assert "- `dns.lookup`: a blocking lookup on the loop's thread: use the loop's own" in table


def test_a_wrong_plots_setting_is_bad_input_naming_the_file(scenarios: Path, tmp_path: Path) -> None:
    clients = scenarios / "sockets" / "concurrent_clients.py"
    clients.write_text(clients.read_text(encoding="utf-8") + 'PLOTS = {"clients": "how many"}\n',
                       encoding="utf-8")
    out = tmp_path / "site"
    result = conformance("report", *map(str, runs(tmp_path / "runs")), "-o", str(out), "--scenarios",
                         str(scenarios), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"conformance: error: {clients.resolve()}: PLOTS['clients']: the name has no unit suffix (_per_s, "
        "_us, _ms, _kib, _s): give the unit, ('how many', 'unit')"]
    assert not out.exists()
