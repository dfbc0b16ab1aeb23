"""The CI configuration, checked without GitHub: the workflows against GitHub's workflow schema and
zizmor's security audits, their action pins, and tox.ini against the matrix, the runtime registry and
the extras of pyproject.toml.

check-jsonschema and zizmor are command-line tools from PyPI; a test that needs one is skipped, with the
reason, where it is not installed.
"""

from __future__ import annotations

import configparser
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance._runtimes import RUNTIMES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
# The composite actions of this repository (runtime maintainers' recipe: docs/maintainers.md).
ACTION_FILES = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))


def _tool(name: str) -> str:
    """The path of a console script: beside this interpreter (a venv's bin/ or Scripts/), else on PATH."""
    here = Path(sys.executable).parent
    found = shutil.which(name, path=os.pathsep.join([str(here), os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip(f"{name} is not installed (pip install {name}); it checks the workflows offline")
    return found


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "NO_COLOR": "1"})


def test_there_are_workflows() -> None:
    assert WORKFLOW_FILES, f"no workflow in {WORKFLOWS}"


@pytest.mark.parametrize("workflow", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_matches_the_github_workflow_schema(workflow: Path) -> None:
    # The schema is vendored in check-jsonschema: nothing is downloaded.
    done = _run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)])
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("action", ACTION_FILES, ids=lambda p: p.parent.name)
def test_action_matches_the_github_action_schema(action: Path) -> None:
    done = _run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(action)])
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing() -> None:
    # --offline: the audits that would ask GitHub's API (impostor commits, tags that moved) are left out,
    # so that the result does not depend on the network or a token.
    done = _run([_tool("zizmor"), "--offline", "--no-progress", str(ROOT / ".github")])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout + done.stderr


# -- the workflows, read as text ------------------------------------------------------------------

_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$", re.MULTILINE)
_PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")
_VERSION_COMMENT = re.compile(r"^\s+#\s+v\d+(\.\d+){0,2}\s*$")


@pytest.mark.parametrize("workflow", WORKFLOW_FILES + ACTION_FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(workflow: Path) -> None:
    text = workflow.read_text(encoding="utf-8")
    uses = list(_USES.finditer(text))
    assert uses, f"{workflow.name} uses no action"
    for use in uses:
        ref, rest = use.group("ref"), use.group("rest")
        if ref.startswith("./"):  # a workflow or action of this repository
            continue
        assert _PINNED.match(ref), f"{workflow.name}: {ref} is not pinned by a full commit SHA"
        assert _VERSION_COMMENT.match(rest), \
            f"{workflow.name}: {ref} needs its release as a comment (`# v1.2.3`), got {rest.strip()!r}"


@pytest.mark.parametrize("workflow", WORKFLOW_FILES, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(workflow: Path) -> None:
    text = workflow.read_text(encoding="utf-8")
    checkouts = text.count("uses: actions/checkout@")
    assert text.count("persist-credentials: false") == checkouts


def _matrix_factors(text: str) -> list[str]:
    return re.findall(r"factor:\s*([\w.]+)", text)


def test_every_matrix_leg_has_tox_envs_for_every_runtime() -> None:
    """A leg runs `tox run-parallel -f FACTOR`: every Python of the matrix must be a factor of tox.ini's
    env list, with an env for each runtime, or the leg would run nothing."""
    text = (WORKFLOWS / "conformance.yml").read_text(encoding="utf-8")
    factors = _matrix_factors(text)
    assert factors, "no `factor:` in the matrix"
    envs = set(_tox_env_list())
    for factor in factors:
        missing = [r for r in RUNTIMES if f"{factor}-{r}" not in envs]
        assert not missing, f"tox.ini has no env {factor}-RUNTIME for {', '.join(missing)}"
    assert 'tox run-parallel -f "$TOX_FACTOR"' in text


# -- tox.ini --------------------------------------------------------------------------------------


def _expand(spec: str) -> list[str]:
    """tox's generative names: ``py3{10,11}-{a,b}`` -> py310-a, py310-b, py311-a, py311-b."""
    parts = re.split(r"(\{[^}]*\})", spec)
    choices = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
    return ["".join(combination) for combination in itertools.product(*choices)]


def _tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    return parser


def _tox_env_list() -> list[str]:
    lines = [line.strip() for line in _tox()["tox"]["env_list"].splitlines()]
    return [env for line in lines if line and not line.startswith("#") for env in _expand(line)]


def test_tox_has_an_env_per_python_and_runtime_with_the_project_envs() -> None:
    envs = _tox_env_list()
    assert len(envs) == len(set(envs))
    for python in ("py310", "py311", "py312", "py313", "py314", "py314t", "pypy311"):
        for runtime in RUNTIMES:
            assert f"{python}-{runtime}" in envs
    assert {"report", "tests", "lint", "type"} <= set(envs)
    # the report merges the documents of every conformance env: it runs after all of them
    depends = [env for line in _tox()["testenv:report"]["depends"].split() for env in _expand(line)]
    assert set(depends) == {e for e in envs if e not in ("report", "tests", "lint", "type")}


def test_each_runtime_factor_selects_its_runtime() -> None:
    set_env = _tox()["testenv"]["set_env"]
    for runtime in RUNTIMES:
        assert f"{runtime}: RUNTIME = {runtime}" in set_env


def test_tox_installs_each_runtime_from_the_registry_as_its_extra_says() -> None:
    """tox.ini installs the env's runtime with `python -m conformance._parent.install` (not `.[extra]`,
    which would build the package again in every env), which takes the registry's requirements: they
    must be the extra's, markers included, and every runtime env must run it (with the libraries area's
    drivers and clients, each installed on its own: `--libraries`)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    for name, runtime in RUNTIMES.items():
        if runtime.requirements:
            assert extras[runtime.extra or name] == list(runtime.requirements), \
                f"the registry and pyproject.toml's extra differ on {name}"
        else:
            assert name not in extras
    assert _tox()["testenv"]["commands_pre"].split() == \
        ["python", "-m", "conformance._parent.install", "{env:RUNTIME}", "--libraries"]
    assert "--prefer-binary" in _tox()["testenv"]["install_command"]


def test_type_env_checks_linux_macos_and_windows() -> None:
    commands = _tox()["testenv:type"]["commands"]
    for platform in ("linux", "darwin", "win32"):
        assert f"mypy --platform {platform}" in commands


def test_the_projects_tests_and_types_run_on_windows_and_macos() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the workflow (pip install pyyaml)")
    jobs = yaml.safe_load((WORKFLOWS / "conformance.yml").read_text(encoding="utf-8"))["jobs"]
    checks = jobs["checks"]
    assert {"windows-latest", "macos-latest"} <= set(checks["strategy"]["matrix"]["os"])
    runs = [step.get("run", "") for step in checks["steps"]]
    assert "tox -e tests" in runs and "tox -e type" in runs
    # mypy checks the scenarios too (most POSIX-only calls live there), as on every platform
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert "scenarios" in mypy["files"]
