"""Fixtures of the engine's own tests: the misbehaving child programs, and scenario files in tmp_path."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance._model.scenarios import Scenario, load_scenario

CHILDREN = Path(__file__).resolve().parent / "children"

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
# expectations and runtime availability can be decided for them from this machine.
_WINDOWS = {
    "implementation_name": "cpython",
    "implementation_version": "3.12.4",
    "os_name": "nt",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "platform_release": "11",
    "platform_system": "Windows",
    "platform_version": "10.0.22631",
    "python_full_version": "3.12.4",
    "python_version": "3.12",
    "sys_platform": "win32",
}
_MACOS = {
    "implementation_name": "cpython",
    "implementation_version": "3.13.1",
    "os_name": "posix",
    "platform_machine": "arm64",
    "platform_python_implementation": "CPython",
    "platform_release": "23.5.0",
    "platform_system": "Darwin",
    "platform_version": "Darwin Kernel Version 23.5.0",
    "python_full_version": "3.13.1",
    "python_version": "3.13",
    "sys_platform": "darwin",
}
_LINUX = {
    "implementation_name": "cpython",
    "implementation_version": "3.10.14",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "6.5.0",
    "platform_system": "Linux",
    "platform_version": "#1 SMP",
    "python_full_version": "3.10.14",
    "python_version": "3.10",
    "sys_platform": "linux",
}


@pytest.fixture
def windows_environment() -> dict[str, str]:
    return dict(_WINDOWS)


@pytest.fixture
def macos_environment() -> dict[str, str]:
    return dict(_MACOS)


@pytest.fixture
def linux_environment() -> dict[str, str]:
    return dict(_LINUX)
