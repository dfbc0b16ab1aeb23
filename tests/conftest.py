"""Fixtures of the engine's own tests: the misbehaving child programs, and scenario files in tmp_path."""

from __future__ import annotations

import os
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance._model.expectations import MARKER_ENVIRONMENTS
from conformance._model.scenarios import Scenario, load_scenario

CHILDREN = Path(__file__).resolve().parent / "children"
# Workers per CPU for `pytest -n auto`: the tests mostly wait on child processes that sleep, time out or
# wait for a peer (on 2 CPUs: 221 s of CPU in 324 s of wall time with 2 workers, 238 s with 4).
WORKERS_PER_CPU = 2


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """pytest-xdist's hook: how many workers ``-n auto`` starts."""
    return WORKERS_PER_CPU * (os.cpu_count() or 1)

ChildCommand = Callable[[str], list[str]]
ScenarioFactory = Callable[..., Scenario]


@pytest.fixture
def child_command() -> ChildCommand:
    """``child_command("segfault")``: the command that runs ``tests/children/segfault.py``, used in place
    of ``python -m conformance._child``."""

    def command(name: str) -> list[str]:
        path = CHILDREN / f"{name}.py"
        assert path.is_file(), f"no child program {path}"
        return [sys.executable, str(path)]

    return command


@pytest.fixture
def cell_folder(tmp_path: Path) -> Path:
    """An empty folder for one run_child call (its result, stack and output files)."""
    folder = tmp_path / "cell"
    folder.mkdir()
    return folder


@pytest.fixture
def write_scenario(tmp_path: Path) -> ScenarioFactory:
    """``write_scenario("hangs", SOURCE)``: write SOURCE (dedented) as a scenario module under
    ``tmp_path/<area>/`` and load it.

    File names get a unique suffix: the engine caches scenario modules by area and file name, so two
    tests writing ``sockets/hangs.py`` in one process would otherwise share a module.
    """

    def write(name: str, source: str, area: str = "sockets") -> Scenario:
        folder = tmp_path / "scenarios" / area
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}_{uuid.uuid4().hex[:12]}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return load_scenario(path)

    return write


# PEP 508 marker environments of other platforms, complete (every variable a marker may name), so that
# expectations and runtime availability can be decided for them from this machine: the engine's own,
# on other Pythons than its 3.12 where a test needs one.
def _on_python(environment: dict[str, str], version: str) -> dict[str, str]:
    return {**environment, "implementation_version": version, "python_full_version": version,
            "python_version": ".".join(version.split(".")[:2])}


_WINDOWS = dict(MARKER_ENVIRONMENTS["win32"])
_MACOS = _on_python(MARKER_ENVIRONMENTS["darwin"], "3.13.1")
_LINUX = _on_python(MARKER_ENVIRONMENTS["linux"], "3.10.14")


@pytest.fixture
def windows_environment() -> dict[str, str]:
    return dict(_WINDOWS)


@pytest.fixture
def macos_environment() -> dict[str, str]:
    return dict(_MACOS)


@pytest.fixture
def linux_environment() -> dict[str, str]:
    return dict(_LINUX)
