"""The suite as a runtime's maintainer installs it: the project built into a wheel, installed with a
runtime plugin (tests/packaging/planted: an asyncio loop with one planted deviation, built into a wheel of
its own) in a fresh virtualenv that holds nothing else of this repository. There, ``conformance list``
sees the plugin's runtimes, ``conformance run --against asyncio`` shows exactly the planted deviation and
fails only where no expectation of the plugin's own explains it, ``conformance report`` writes the
report and the comparison, and ``conformance repro`` finds the plugin's reproducer.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
PLANTED = Path(__file__).resolve().parent / "planted"
# The cells of the run: udp_roundtrip sends datagrams of up to 8 KiB (the planted loop cuts them to 4
# KiB); tcp_echo never touches a datagram endpoint, so the planted runtimes must pass it as asyncio does.
SELECTION = "udp_roundtrip or tcp_echo"
# Folders of a working tree that are not the project's source (what a fresh clone does not have).
NOT_SOURCE = (".git", ".venv", ".tox", ".mypy_cache", ".ruff_cache", "__pycache__", "build", "dist",
              "*.egg-info", "reports", "node_modules")


def _run(command: list[str], cwd: Path, env: Mapping[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=dict(env or os.environ), capture_output=True,
                          encoding="utf-8", timeout=timeout, check=False)


def _build(source: Path, dist: Path) -> Path:
    """A wheel of the project at ``source`` (pip's isolated build, as `pip install` of a source does)."""
    done = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist),
                 str(source)], cwd=source)
    assert done.returncode == 0, done.stdout + done.stderr
    name = source.joinpath("pyproject.toml").read_text(encoding="utf-8")
    project = tomllib.loads(name)["project"]["name"].replace("-", "_")
    (wheel,) = dist.glob(f"{project}-*.whl")
    return wheel


def _shared_folder(name: str, tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, Any]:
    """A folder made once per test session, whichever xdist worker asks first, and the lock that
    serialises its making: building the wheels and the virtualenv costs about 40 s of CPU, and worksteal
    sends this module's tests to several workers. Outside xdist, a folder of this process's own."""
    from filelock import FileLock

    if worker_id == "master":
        return tmp_path_factory.mktemp(name), contextlib.nullcontext()
    # The parent of a worker's base temp is this session's, shared by its workers only.
    root = tmp_path_factory.getbasetemp().parent / name
    return root, FileLock(str(root) + ".lock")


def _make_wheels(root: Path) -> tuple[Path, Path]:
    """The suite's wheel and the planted plugin's, each built from a copy of its source: a build writes
    into the tree it builds (build/, *.egg-info), and a stale build/ would be packaged again."""
    source, plugin = root / "source", root / "planted"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    shutil.copytree(PLANTED, plugin, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    dist = root / "dist"
    return _build(source, dist), _build(plugin, dist)


def _make_venv(home: Path, suite: Path, plugin: Path) -> Path:
    """A fresh virtualenv with both wheels installed, the report's extra included; its bin folder."""
    done = _run([sys.executable, "-m", "venv", str(home / "venv")], cwd=home)
    assert done.returncode == 0, done.stderr
    bin_dir = home / "venv" / ("Scripts" if os.name == "nt" else "bin")
    # pytest and pytest-timeout: the pytest plugin's way of running the installed scenarios.
    # --no-compile: byte-compiling the report's dependencies (matplotlib, numpy) cost more CPU than the
    # whole test otherwise; the few modules the test imports compile as they are imported.
    done = _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-compile", "--find-links",
                 str(suite.parent), f"{suite}[report]", str(plugin), "pytest", "pytest-timeout"], cwd=home)
    assert done.returncode == 0, done.stdout + done.stderr
    return bin_dir


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, Path, Path]:
    """Both wheels and the bin folder of the virtualenv they are installed in, made once per session."""
    root, lock = _shared_folder("packaging", tmp_path_factory, worker_id)
    with lock:
        done = root / "done.json"
        if not done.exists():
            root.mkdir(parents=True, exist_ok=True)
            suite, plugin = _make_wheels(root)
            bin_dir = _make_venv(root, suite, plugin)
            done.write_text(json.dumps([str(suite), str(plugin), str(bin_dir)]), encoding="utf-8")
        suite_text, plugin_text, bin_text = json.loads(done.read_text(encoding="utf-8"))
    return Path(suite_text), Path(plugin_text), Path(bin_text)


@pytest.fixture
def wheels(installed: tuple[Path, Path, Path]) -> tuple[Path, Path]:
    return installed[0], installed[1]


@pytest.fixture
def venv(installed: tuple[Path, Path, Path]) -> dict[str, str]:
    """The environment of a process in the fresh virtualenv: nothing of this repository on any path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("CONFORMANCE_")}
    env["PATH"] = os.pathsep.join([str(installed[2]), env.get("PATH", "")])
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty folder outside the repository: what a maintainer's CI job runs in."""
    assert not tmp_path.resolve().is_relative_to(REPO)
    return tmp_path


def test_the_wheel_ships_the_scenarios_inside_the_package(wheels: tuple[Path, Path]) -> None:
    suite, _ = wheels
    names = zipfile.ZipFile(suite).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"conformance", "conformance-0.1.0.dist-info"}, tops  # no top-level `scenarios`
    scenario_files = {Path(n).relative_to("conformance/_scenarios").as_posix()
                      for n in names if n.startswith("conformance/_scenarios/")}
    tracked = {p.relative_to(REPO / "scenarios").as_posix() for p in (REPO / "scenarios").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert scenario_files == tracked
    for data in ("conformance/_helpers/loadgen.c", "conformance/_bench/epoll_echo.c",
                 "conformance/_report/templates/index.html.j2", "conformance/_report/templates/report.js"):
        assert data in names


def test_the_wheel_lists_every_package_of_the_tree() -> None:
    """pyproject.toml lists the packages (the scenarios' mapping needs it): one added to the tree and
    not to the list would be missing from every installed copy."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(REPO).parts)
               for p in (REPO / "conformance").rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"conformance._scenarios"}
    assert config["package-dir"] == {"conformance._scenarios": "scenarios"}


def test_a_fresh_virtualenv_runs_a_plugin_runtime_against_asyncio(venv: dict[str, str],
                                                                  workdir: Path) -> None:
    # Where the installed suite finds its scenarios: inside the package, in the virtualenv.
    where = _run(["conformance", "list", "--folder"], workdir, venv)
    assert where.returncode == 0, where.stderr
    folder = Path(where.stdout.strip())
    assert folder.parts[-2:] == ("conformance", "_scenarios") and "site-packages" in folder.parts

    listed = _run(["conformance", "list", "-k", "udp_roundtrip", "--runtime", "planted"], workdir, venv)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "0.3.1" in listed.stdout and "from conformance-planted" in listed.stdout

    # Both planted runtimes: one whose deviation the plugin's expectations record, one that no
    # expectation names. Only the second may fail the command.
    done = _run(["conformance", "run", "--runtime", "planted", "--runtime", "planted-unrecorded",
                 "--against", "asyncio", "-k", SELECTION, "--jobs", "2", "-o", "run.json"], workdir, venv)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "Where planted and asyncio differ" in out and "Where planted-unrecorded and asyncio differ" in out
    differences = out[out.index("Where planted and asyncio differ"):]
    rows = [line.split("│")[1].strip() for line in differences.splitlines() if "│ sockets." in line]
    assert rows == ["sockets.udp_roundtrip"] * 2, out  # the planted deviation, and nothing else
    assert ("planted against asyncio: 2 scenarios compared, 1 the same; worse in 1 (1 known: an "
            "expectation of planted's own explains it), better in 0") in out
    assert "planted-unrecorded against asyncio: 2 scenarios compared, 1 the same; worse in 1 (0 known" in out
    assert "not explained: sockets.udp_roundtrip" in out

    document = json.loads((workdir / "run.json").read_text(encoding="utf-8"))
    cells = {(c["scenario"], c["runtime"]): c for c in document["cells"]}
    assert {k: c["outcome"] for k, c in cells.items()} == {
        ("sockets.tcp_echo", "asyncio"): "pass", ("sockets.tcp_echo", "planted"): "pass",
        ("sockets.tcp_echo", "planted-unrecorded"): "pass", ("sockets.udp_roundtrip", "asyncio"): "pass",
        ("sockets.udp_roundtrip", "planted"): "fail", ("sockets.udp_roundtrip", "planted-unrecorded"): "fail"}
    planted = cells["sockets.udp_roundtrip", "planted"]
    assert "the size of echo" in planted["reason"] and "4096" in planted["reason"]
    assert planted["details"]["runtime_version"] == "0.3.1"
    assert planted["expectation"]["reason"].startswith("datagram endpoints hand the protocol at most 4 KiB")
    assert cells["sockets.udp_roundtrip", "planted-unrecorded"].get("expectation") is None
    assert document["run_info"]["runtimes"]["planted"] == {
        "available": True, "version": "0.3.1", "reason": "", "provider": "conformance-planted"}
    assert document["run_info"]["suite_commit"] is None  # an installed copy has a version, no checkout

    # The recorded runtime alone: its one deviation is known, so a maintainer's CI stays green.
    alone = _run(["conformance", "run", "--runtime", "planted", "--against", "asyncio", "-k", "udp_roundtrip",
                  "-o", "alone.json"], workdir, venv)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "worse, known" in alone.stdout

    report = _run(["conformance", "report", "run.json", "-o", "report", "--compare", "planted", "asyncio"],
                  workdir, venv)
    assert report.returncode == 0, report.stdout + report.stderr
    assert (workdir / "report" / "index.html").is_file()
    assert "sockets.udp_roundtrip" in (workdir / "report" / "support-table.md").read_text(encoding="utf-8")
    comparison = (workdir / "report" / "compare-planted-asyncio.md").read_text(encoding="utf-8")
    assert "`sockets.udp_roundtrip`" in comparison and "`sockets.tcp_echo`" not in comparison

    repro = _run(["conformance", "repro", "sockets.udp_roundtrip[planted]"], workdir, venv)
    assert repro.returncode == 0, repro.stdout + repro.stderr
    assert "REPRODUCED: sent 8192 bytes, the protocol received 4096" in repro.stdout


def test_the_pytest_plugin_runs_the_installed_scenarios_under_a_plugin_runtime(venv: dict[str, str],
                                                                              workdir: Path) -> None:
    folder = _run(["conformance", "list", "--folder"], workdir, venv).stdout.strip()
    done = _run(["python", "-m", "pytest", folder, "--runtime", "planted", "-k", SELECTION, "-p",
                 "no:cacheprovider", "-rxXf", "-v", "--run-document", "run.json"], workdir, venv)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_scenario[sockets.tcp_echo-planted] PASSED" in done.stdout
    # The plugin's own expectation: a known deviation, pytest's xfail with its reason.
    assert "test_scenario[sockets.udp_roundtrip-planted] XFAIL" in done.stdout
    assert "datagram endpoints hand the protocol at most 4 KiB" in done.stdout
    cells = json.loads((workdir / "run.json").read_text(encoding="utf-8"))["cells"]
    assert {(c["scenario"], c["runtime"], c["outcome"]) for c in cells} == {
        ("sockets.tcp_echo", "planted", "pass"), ("sockets.udp_roundtrip", "planted", "fail")}
