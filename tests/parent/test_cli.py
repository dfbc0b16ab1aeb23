"""The ``conformance`` command, run as a user runs it: list, run, bad input, an interrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from packaging.markers import Marker

from conformance._runtimes import RUNTIMES

SLOW = '''
"""A body that takes half a second."""
import time
def run_sync(ctx): time.sleep(0.5)
async def run_asyncio(ctx):
    import asyncio
    await asyncio.sleep(0.5)
async def run_trio(ctx):
    import trio
    await trio.sleep(0.5)
'''


def conformance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True,
                          encoding="utf-8", env=utf8_output(), timeout=120, check=False)


def utf8_output() -> dict[str, str]:
    """The environment of a ``conformance`` command whose output the test reads as UTF-8. Its tables
    print symbols (✓, box lines) that Windows' default encoding for a pipe (cp1252) cannot encode;
    tox sets the same variable for every env."""
    return {**os.environ, "PYTHONIOENCODING": "utf-8"}


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    root = tmp_path / "scenarios"
    (root / "sockets").mkdir(parents=True)
    for n in range(4):
        (root / "sockets" / f"slow_{n}.py").write_text(textwrap.dedent(SLOW), encoding="utf-8")
    return root


def test_list_shows_runtimes_and_scenarios(scenarios: Path) -> None:
    result = conformance("list", "--scenarios", str(scenarios), cwd=scenarios.parent)
    assert result.returncode == 0, result.stderr
    for word in ("threads", "gevent", "uvloop", "trio", "sockets.slow_0",
                 f"4 x {len(RUNTIMES)} runtimes = {4 * len(RUNTIMES)} cells"):
        assert word in result.stdout
    # The runtimes of other platforms are listed with the reason: winloop off Windows, uvloop and rloop
    # on it.
    elsewhere = [r for r in RUNTIMES.values()
                 if r.platform_marker and not Marker(r.platform_marker).evaluate()]
    assert elsewhere
    for runtime in elsewhere:
        assert f"{runtime.name} does not run on {sys.platform}" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--runtime", "gevnet"], "unknown runtime 'gevnet'; the runtimes are: threads, gevent"),
    (["run", "-k", "slow and"], "bad -k expression 'slow and'"),
    (["run", "-k", "nothing_like_this"], "scenario matches -k 'nothing_like_this'"),
    (["run", "--jobs", "0"], "--jobs must be 1 or more"),
    (["run", "--expectations", "missing.toml"], "missing.toml: cannot read"),
])
def test_bad_input_is_one_clear_line(scenarios: Path, args: list[str], message: str) -> None:
    result = conformance(*args, "--scenarios", str(scenarios), cwd=scenarios.parent)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_scenarios_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = conformance("list", "--scenarios", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 2
    assert "no scenarios folder at" in result.stderr


@pytest.mark.skipif(sys.platform == "win32",
                    reason="Windows cannot send one process a Ctrl-C (SIGINT): CTRL_C_EVENT reaches every "
                           "process of the console, and there is no preexec_fn to restore its handler")
def test_interrupted_run_keeps_every_finished_cell(scenarios: Path) -> None:
    output = scenarios.parent / "run.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "run", "--scenarios", str(scenarios), "--runtime",
         "threads", "--runtime", "asyncio", "--jobs", "1", "--output", str(output)],
        cwd=scenarios.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
        env=utf8_output(),
        # A test session started in the background inherits SIGINT ignored; a user's shell does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until two cells are on disk
        if output.exists() and len(json.loads(output.read_text(encoding="utf-8"))["cells"]) >= 2:
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("the run wrote no cells within 60 s")
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130, stdout
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["run_info"]["interrupted"] is True
    assert 2 <= len(document["cells"]) < 8  # what finished is kept; the rest was not started
    assert all(c["outcome"] == "pass" for c in document["cells"])
    assert f"the {len(document['cells'])} cells already finished are kept" in stdout


def test_ambiguous_expectations_stop_the_run_and_keep_its_cells(scenarios: Path) -> None:
    entry = '''
[[expectation]]
scenario = "sockets.slow_{n}"
runtime = "{runtime}"
outcome = "blocking"
reason = "a reason"
link = "https://example.org/{n}"
'''
    (scenarios / "expectations.toml").write_text(
        entry.format(n="0", runtime="threads") + entry.format(n="*", runtime="thr*"), encoding="utf-8")
    output = scenarios.parent / "run.json"
    result = conformance("run", "--scenarios", str(scenarios), "--runtime", "threads", "-k", "slow_0",
                         "--output", str(output), cwd=scenarios.parent)
    assert result.returncode == 2
    assert "sockets.slow_0[threads] matches more than one expectation" in result.stderr
    assert "entry 1; " in result.stderr and "entry 2" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(output.read_text(encoding="utf-8"))["run_info"]["interrupted"] is True


RIGHT = '''
"""A body that does the right thing."""
def run_sync(ctx): pass
'''
WRONG = '''
"""A body that observes a wrong result."""
def run_sync(ctx): ctx.expect_equal(1, 2, "the answer")
'''
PREDICTED = '''
[[expectation]]
scenario = "sockets.wrong"
runtime = "threads"
predicted = true
outcome = "fail"
reason = "the answer is predicted to differ"
link = "https://example.org/upstream/v1.0/answer.py"

[[expectation]]
scenario = "sockets.right"
runtime = "threads"
predicted = true
outcome = "unsupported"
reason = "the operation is predicted to be missing"
link = "https://example.org/upstream/v1.0/missing.py"
'''


def test_run_shows_confirmed_and_refuted_predictions_and_exits_0(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance._parent.cli import main

    root = tmp_path / "scenarios"
    (root / "sockets").mkdir(parents=True)
    (root / "sockets" / "right.py").write_text(textwrap.dedent(RIGHT), encoding="utf-8")
    (root / "sockets" / "wrong.py").write_text(textwrap.dedent(WRONG), encoding="utf-8")
    (root / "expectations.toml").write_text(PREDICTED, encoding="utf-8")
    output = tmp_path / "run.json"
    status = main(["run", "--scenarios", str(root), "--runtime", "threads", "--jobs", "2",
                   "--output", str(output)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "✗ fail (predicted)" in out  # the table: observed, and said to have been predicted
    assert "✓ pass !refuted prediction" in out
    assert ("predictions: 1 confirmed (predicted and now observed; promote it: delete `predicted = true` "
            "from its entry), 1 refuted (not a failure: review them)") in out
    assert "confirmed prediction: sockets.wrong[threads] fail" in out
    assert ("refuted: prediction refuted: sockets.right[threads]: predicted unsupported (the operation is "
            "predicted to be missing <https://example.org/upstream/v1.0/missing.py>), observed pass") in out
    assert "unexpected:" not in out
    # the refuted prediction is listed after the table, for review
    assert out.index("refuted: prediction refuted") > out.index("Outcomes")
    cells = {c["scenario"]: c for c in json.loads(output.read_text(encoding="utf-8"))["cells"]}
    assert cells["sockets.right"]["expectation"]["predicted"] is True


def test_an_unreviewed_candidate_stops_the_run_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance._parent.cli import main

    root = tmp_path / "scenarios"
    (root / "sockets").mkdir(parents=True)
    (root / "sockets" / "wrong.py").write_text(textwrap.dedent(WRONG), encoding="utf-8")
    (root / "expectations.toml").write_text(
        '[[expectation]]\nscenario = "sockets.wrong"\nruntime = "threads"\noutcome = "fail"\n'
        'reason = ""\nlink = ""\n', encoding="utf-8")
    status = main(["run", "--scenarios", str(root), "--runtime", "threads", "--output",
                   str(tmp_path / "run.json")])
    err = capsys.readouterr().err
    assert status == 2
    assert " ".join(err.split()) == (
        f"conformance: error: {root / 'expectations.toml'}, entry 1 (sockets.wrong[threads]): an "
        "unreviewed candidate: its 'reason' and 'link' are empty; write the reason and a link pinned to "
        "the release, or fix the bug")
    assert not (tmp_path / "run.json").exists()
