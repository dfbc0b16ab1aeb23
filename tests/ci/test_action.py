"""The composite action runtime maintainers use in their own CI (.github/actions/runtime-under-test),
played here the way tests/ci/test_ci_run.py plays the workflow: its steps read from its action.yml (never a
copy), every ``run:`` script in bash with the variables GitHub gives it, each ``if:`` evaluated with
GitHub's rules, the upload played as actions/upload-artifact does it. setup-python, the caller's step, is a
fresh virtualenv first on PATH; the action's own checkout is a copy of this repository's source, which the
action installs from, with the test runtime plugin (tests/packaging/planted) as the package under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_ci_run import JobRun, _runner_env, expression_for, needs_bash, play_steps

yaml = pytest.importorskip("yaml", reason="PyYAML reads the action (pip install pyyaml)")

ROOT = Path(__file__).resolve().parents[2]
ACTION = Path(".github") / "actions" / "runtime-under-test"
PLANTED = ROOT / "tests" / "packaging" / "planted"
NOT_SOURCE = (".git", ".venv", ".tox", ".mypy_cache", ".ruff_cache", "__pycache__", "build", "dist",
              "*.egg-info", "reports", "node_modules")


class ActionError(Exception):
    """The action was given inputs GitHub would refuse (a required one missing, an unknown one)."""


@dataclass
class ActionRun(JobRun):
    step_names: dict[str, str] = field(default_factory=dict)


def play_action(action_dir: Path, inputs: Mapping[str, str], workspace: Path,
                path: str) -> ActionRun:
    """Play the composite action at ``action_dir`` with ``inputs`` in ``workspace``; ``path`` is the
    runner's PATH (setup-python's interpreter first)."""
    action: dict[str, Any] = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    declared = action["inputs"]
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ActionError(f"unknown inputs {sorted(unknown)}")
    missing = [n for n, spec in declared.items() if spec.get("required") and n not in inputs]
    if missing:
        raise ActionError(f"required inputs missing: {missing}")
    values = {n: str(inputs.get(n, spec.get("default", ""))) for n, spec in declared.items()}
    steps = action["runs"]["steps"]
    for index, step in enumerate(steps):
        # A composite action's run step names its shell; the only action it uses is the upload.
        assert "uses" in step or step.get("shell") == "bash", f"step {index}"
        assert step.get("uses", "actions/upload-artifact@").split("@")[0] == "actions/upload-artifact"
    run = ActionRun(step_names={step.get("id") or f"step{i}": step.get("name", "")
                                for i, step in enumerate(steps)})
    expression = expression_for({"inputs": values, "github": {"action_path": str(action_dir)},
                                 "runner": {"os": "Linux"}}, run)
    env = {**_runner_env(workspace), "PATH": path, "GITHUB_ACTION_PATH": str(action_dir),
           # Not a runner's: pip byte-compiles the report's dependencies (matplotlib, numpy) on install,
           # more CPU than the rest of the test; modules compile as they are imported.
           "PIP_NO_COMPILE": "1"}
    play_steps(steps, expression, run, workspace, env)
    outputs = action.get("outputs") or {}
    run.job_outputs = {k: expression.substitute(str(v["value"])) for k, v in outputs.items()}
    return run


def test_the_action_declares_what_the_steps_read() -> None:
    action = yaml.safe_load((ROOT / ACTION / "action.yml").read_text(encoding="utf-8"))
    text = (ROOT / ACTION / "action.yml").read_text(encoding="utf-8")
    read = {word.split(".", 1)[1].split()[0].rstrip("}") for word in text.split("inputs")[1:]
            if word.startswith(".")}
    assert read <= set(action["inputs"]), read - set(action["inputs"])
    with pytest.raises(ActionError, match="required inputs missing"):
        play_action(ROOT / ACTION, {"runtime": "planted"}, ROOT, os.environ.get("PATH", ""))


@needs_bash
def test_the_action_runs_a_plugin_runtime_against_asyncio_and_reports_it(tmp_path: Path) -> None:
    # The action's own checkout (what `uses: ...@<sha>` downloads) and the maintainer's package.
    source = tmp_path / "action-checkout"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    package = tmp_path / "planted"
    shutil.copytree(PLANTED, package, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    # setup-python: an interpreter of its own, first on PATH.
    done = subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "python")], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    bin_dir = tmp_path / "python" / ("Scripts" if os.name == "nt" else "bin")
    path = os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"])
    workspace = tmp_path / "workspace"
    workspace.mkdir()

    run = play_action(source / ACTION, {"install": str(package), "runtime": "planted planted-unrecorded",
                                        "against": "asyncio", "select": "udp_roundtrip or tcp_echo"},
                      workspace, path)
    logs = "\n".join(f"--- {step}\n{log}" for step, log in run.logs.items())
    names = {name: run.outcomes[step] for step, name in run.step_names.items()}
    assert names == {
        "Install the suite and the runtime under test": "success",
        "Run the suite on the runtime under test and the reference": "success",
        "Write the comparison and the table to the job summary": "success",
        "Upload the run document and the report": "success",
        "Fail where the runtime under test does worse than the reference, unexplained": "failure",
    }, logs
    # The suite came from the action's own copy, into setup-python's interpreter.
    assert (bin_dir / "conformance").exists()
    assert run.job_outputs == {"run-document": "conformance-results/run.json", "status": "1"}
    assert "planted-unrecorded against asyncio: 2 scenarios compared" in logs
    # The job summary: each comparison, then the table.
    summary = run.summary
    assert summary.index("planted") < summary.index("planted-unrecorded") < summary.rindex("sockets.tcp_echo")
    assert summary.count("`sockets.udp_roundtrip`") >= 2
    # The planted deviation, recorded (a design, with the plugin's link) and not (unclassified).
    assert summary.count("the size of echo 1: expected 8192, got 4096") == 2
    assert "conformance_planted/loop.py#L17-L25" in summary and "unclassified" in summary
    upload = run.upload("actions/upload-artifact")
    assert upload is not None and upload.name == "conformance-results"
    assert {"run.json", "report/index.html", "report/support-table.md", "report/compare-planted-asyncio.md",
            "report/compare-planted-unrecorded-asyncio.md"} <= set(upload.files)
