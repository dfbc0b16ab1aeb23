"""Runtimes that installed packages add through the ``conformance.runtimes`` entry point, tested as a
user meets them: real distributions (a ``*.dist-info`` folder with entry_points.txt) on PYTHONPATH, and
real ``conformance`` and ``pytest`` processes. A plugin runtime is listed, runs, carries its name and
version, may be named by an expectation; a broken plugin is one clear line naming its distribution and
entry point, never a traceback; the child never reads the installed packages' metadata before its
runtime is set up.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conformance._runtimes import BUILTIN_RUNTIMES

if TYPE_CHECKING:  # pytest puts tests/ on sys.path; mypy names the folder from the project's root
    from tests.sabotage import environment_with, write_distribution
else:
    from sabotage import environment_with, write_distribution

# A runtime from another package: the threads runtime under another name, with a family module of its
# own that records what the child had imported when it set the runtime up (importlib.metadata imports
# zipfile, which imports threading: a monkey-patching runtime must come first).
DEMO = '''
"""The conformance-demo distribution: runtimes for tests/test_plugin_runtimes.py."""

from __future__ import annotations

import sys
from typing import Any

from conformance._runtimes import Runtime, get_runtime

WATCHED = ("importlib.metadata", "zipfile", "threading")
SEEN_BEFORE_SETUP: list[str] = []

RUNTIME = Runtime("demo", "sync", "demo", "threads under another name, from an installed package",
                  requirements=("conformance-demo",), family_module_name="conformance_demo")


def runtimes() -> list[Runtime]:
    """A second entry point: a callable returning runtimes, one whose family reads the metadata and one
    whose family module cannot be imported."""
    return [Runtime("demo-eager", "sync", "demo", "demo, whose family module reads package metadata",
                    requirements=("conformance-demo",), family_module_name="conformance_demo_eager"),
            Runtime("demo-missing", "sync", "demo", "demo, whose family module is not installed",
                    requirements=("conformance-demo",), family_module_name="conformance_demo_missing")]


def setup(runtime: Runtime) -> str:
    SEEN_BEFORE_SETUP[:] = [name for name in WATCHED if name in sys.modules]
    return "1.2.3"


def run(runtime: Runtime, body: Any, ctx: Any) -> None:
    ctx.notes["seen_before_setup"] = ", ".join(SEEN_BEFORE_SETUP) or "none"
    threads = get_runtime("threads")
    threads.family_module().run(threads, body, ctx)
'''
# A family module that reads the installed packages' metadata when it is imported, as the engine must
# not: its cell shows that the check above can see it.
DEMO_EAGER = '''
"""A family module that imports importlib.metadata before its runtime is set up."""

import importlib.metadata

from conformance_demo import run, setup

__all__ = ["importlib", "run", "setup"]
'''
DEMO_ENTRY_POINTS = {"demo": "conformance_demo:RUNTIME", "demo-eager": "conformance_demo:runtimes"}

SCENARIOS = {
    "ok": '''
        """A body that does the right thing."""
        def run_sync(ctx): ctx.measure("answer", 42)
    ''',
    "wrong": '''
        """A body that observes a wrong result."""
        def run_sync(ctx): ctx.expect_equal(1, 2, "the answer")
    ''',
}

# Each broken plugin: the source of conformance_broken.py (its entry point `broken` names
# conformance_broken:RUNTIME), and what the error says is wrong.
RUNTIME_IMPORT = "from conformance._runtimes import Runtime\n"
BROKEN = {
    "import-fails": ("import conformance_missing_library\n",
                     "cannot be loaded: ModuleNotFoundError: No module named 'conformance_missing_library'"),
    "not-a-runtime": ("RUNTIME = {'name': 'broken', 'style': 'sync'}\n",
                      "names {'name': 'broken', 'style': 'sync'}, which is neither a conformance Runtime "
                      "nor a callable returning a list of them"),
    "returns-junk": ("def RUNTIME():\n    return ['broken']\n",
                     "calling it returned ['broken'], not a list of conformance Runtimes"),
    "builtin-name": (RUNTIME_IMPORT + "RUNTIME = Runtime('gevent', 'sync', 'x', 'gevent, again', "
                                      "family_module_name='conformance_broken')\n",
                     "the runtime name 'gevent' is a built-in runtime's; choose another name"),
    "no-family-module": (RUNTIME_IMPORT + "RUNTIME = Runtime('broken', 'sync', 'x', 'no family')\n",
                         "runtime 'broken' names no family_module_name"),
    "unknown-style": (RUNTIME_IMPORT + "RUNTIME = Runtime('broken', 'curio', 'x', 'a style nobody has', "
                                       "family_module_name='conformance_broken')\n",
                      "runtime 'broken' has style 'curio'; the styles are: sync, asyncio, trio, twisted"),
    "bad-name": (RUNTIME_IMPORT + "RUNTIME = Runtime('Broken Runtime', 'sync', 'x', 'a name with a space', "
                                  "family_module_name='conformance_broken')\n",
                 "the runtime name 'Broken Runtime' is not lower case letters"),
    # Two distributions add the same name: conformance-broken (read first: the order is by
    # distribution) and conformance-demo, whose entry point the error names.
    "duplicate": (RUNTIME_IMPORT + "RUNTIME = Runtime('demo', 'sync', 'x', 'demo, again', "
                                   "family_module_name='conformance_broken')\n",
                  "the runtime name 'demo' is already added by the conformance.runtimes entry point "
                  "'broken' (conformance_broken:RUNTIME) of the distribution conformance-broken"),
}


def install_demo(site: Path) -> Path:
    return write_distribution(site, "conformance-demo", "1.2.3", DEMO_ENTRY_POINTS,
                              {"conformance_demo.py": DEMO, "conformance_demo_eager.py": DEMO_EAGER})


def write_scenarios(root: Path, expectations: str = "") -> Path:
    """A scenarios folder with the SCENARIOS, the pytest plugin's conftest and ``expectations``."""
    (root / "sockets").mkdir(parents=True)
    for name, source in SCENARIOS.items():
        (root / "sockets" / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (root / "conftest.py").write_text('pytest_plugins = ["conformance._parent.pytest_plugin"]\n',
                                      encoding="utf-8")
    (root / "test_scenarios.py").write_text("def test_scenario(conformance_cell):\n    conformance_cell()\n",
                                            encoding="utf-8")
    if expectations:
        (root / "expectations.toml").write_text(textwrap.dedent(expectations), encoding="utf-8")
    return root


def run(command: list[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env={**env, "PYTHONIOENCODING": "utf-8"}, capture_output=True,
                          encoding="utf-8", timeout=120, check=False)


def conformance(*args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "conformance", *args], cwd, env)


def pytest_scenarios(*args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pytest", "scenarios", "--scenarios", "scenarios",
                "-p", "no:cacheprovider", "-p", "no:xdist", "-rxXsf", "--run-document", "run.json", *args],
               cwd, env)


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, str]:
    """The environment of a process that has conformance-demo installed."""
    return environment_with(install_demo(tmp_path / "site"))


def test_list_shows_a_plugin_runtime_with_its_version_and_distribution(tmp_path: Path,
                                                                      demo: dict[str, str]) -> None:
    scenarios = write_scenarios(tmp_path / "scenarios")
    listed = conformance("list", "--scenarios", str(scenarios), cwd=tmp_path, env=demo)
    assert listed.returncode == 0, listed.stderr
    lines = [line for line in listed.stdout.splitlines() if " demo " in line]
    assert len(lines) == 1, listed.stdout
    for word in ("sync", "yes", "1.2.3", "(from conformance-demo)"):
        assert word in lines[0]
    assert "demo-eager" in listed.stdout
    assert f"x {len(BUILTIN_RUNTIMES) + 3} runtimes" in listed.stdout


def test_a_plugin_runtime_runs_and_its_cells_carry_its_name_and_version(tmp_path: Path,
                                                                        demo: dict[str, str]) -> None:
    scenarios = write_scenarios(tmp_path / "scenarios")
    done = conformance("run", "--scenarios", str(scenarios), "-k", "ok", "--runtime", "demo",
                       "--runtime", "demo-eager", "--runtime", "demo-missing", "--jobs", "2", "-o",
                       "run.json", cwd=tmp_path, env=demo)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert document["run_info"]["runtimes"]["demo"] == {"available": True, "version": "1.2.3", "reason": "",
                                                        "provider": "conformance-demo"}
    cells = {cell["runtime"]: cell for cell in document["cells"]}
    assert cells.keys() == {"demo", "demo-eager", "demo-missing"}
    # A family module the child cannot import: the runtime cannot be used here, the cell says why.
    assert cells["demo-missing"]["outcome"] == "unavailable"
    assert cells["demo-missing"]["reason"] == ("the family module of runtime 'demo-missing' cannot be "
                                               "imported: No module named 'conformance_demo_missing'")
    cell = cells["demo"]
    assert (cell["scenario"], cell["outcome"], cell["measurements"]) == ("sockets.ok", "pass", {"answer": 42})
    assert cell["details"]["runtime_version"] == "1.2.3"
    # The child set the plugin's runtime up from the job's description: it had not read any package
    # metadata, and nothing a monkey-patching runtime patches was imported before.
    assert cell["details"]["seen_before_setup"] == "none"
    assert "imported_before_setup" not in cell["details"]
    # ...which the check would have seen: this family module imports importlib.metadata itself.
    eager = cells["demo-eager"]["details"]
    assert eager["seen_before_setup"] == "importlib.metadata, zipfile, threading"
    assert "threading" in eager["imported_before_setup"]


def test_expectations_may_name_a_plugin_runtime(tmp_path: Path, demo: dict[str, str]) -> None:
    scenarios = write_scenarios(tmp_path / "scenarios", '''
        [[expectation]]
        scenario = "sockets.wrong"
        runtime = "demo"
        outcome = "fail"
        reason = "the body observes a wrong answer"
        link = "https://example.org/issue/1"
        kind = "bug"
        issue = "not yet reported"
    ''')
    done = conformance("run", "--scenarios", str(scenarios), "-k", "wrong", "--runtime", "demo", "-o",
                       "run.json", cwd=tmp_path, env=demo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fail (known)" in done.stdout
    # Without the distribution the name is unknown, as any misspelt runtime is.
    unknown = conformance("run", "--scenarios", str(scenarios), "-k", "wrong", "--runtime", "threads",
                          "-o", "run.json", cwd=tmp_path, env=environment_with(tmp_path / "nothing"))
    assert unknown.returncode == 2
    assert "no runtime matches 'demo'" in unknown.stderr


# A plugin package with expectations of its own: conformance_recorded/expectations.toml, named by its
# runtime's ``expectations``; ``{entries}`` is the file's body.
RECORDED_INIT = '''
from conformance._runtimes import Runtime

RUNTIME = Runtime("recorded", "sync", "demo", "threads, with expectations of its own",
                  requirements=("conformance-recorded",), family_module_name="conformance_demo",
                  expectations={spec!r})
'''
RECORDED_ENTRY = '''
[[expectation]]
scenario = "sockets.wrong"
runtime = "{runtime}"
outcome = "fail"
reason = "the body observes a wrong answer"
link = "https://example.org/recorded/1"
kind = "design"
'''


def install_recorded(site: Path, entries: str, spec: str = "conformance_recorded:expectations.toml") -> Path:
    package = site.parent / "recorded-source" / "conformance_recorded"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(RECORDED_INIT.format(spec=spec), encoding="utf-8")
    (package / "expectations.toml").write_text(entries, encoding="utf-8")
    return write_distribution(site, "conformance-recorded", "0.2",
                              {"recorded": "conformance_recorded:RUNTIME"}, packages=(package,))


def test_a_plugin_brings_expectations_of_its_own(tmp_path: Path) -> None:
    site = install_recorded(install_demo(tmp_path / "site"), RECORDED_ENTRY.format(runtime="recorded"))
    scenarios = write_scenarios(tmp_path / "scenarios")  # the suite's folder has no expectations at all
    done = conformance("run", "--scenarios", str(scenarios), "-k", "wrong", "--runtime", "recorded",
                       "--runtime", "demo", "-o", "run.json", cwd=tmp_path, env=environment_with(site))
    assert done.returncode == 1, done.stdout + done.stderr  # demo's cell: no expectation names it
    document = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    cells = {c["runtime"]: c for c in document["cells"]}
    assert cells["recorded"]["expectation"]["link"] == "https://example.org/recorded/1"
    assert cells["demo"].get("expectation") is None
    assert "unexpected: sockets.wrong[demo]" in done.stdout
    assert "unexpected: sockets.wrong[recorded]" not in done.stdout


@pytest.mark.parametrize(("entries", "spec", "problem"), [
    # A plugin's file may name its own runtimes only: not the suite's, not another package's.
    (RECORDED_ENTRY.format(runtime="threads"), None,
     "no runtime matches 'threads'; the runtimes are: recorded"),
    (RECORDED_ENTRY.format(runtime="demo"), None, "no runtime matches 'demo'; the runtimes are: recorded"),
    # The same validation as the suite's own file.
    (RECORDED_ENTRY.format(runtime="recorded").replace('kind = "design"', 'kind = "feature"'), None,
     "'kind' is 'feature'; it is one of: bug, design"),
    ("[[expectation]\n", None, "not valid TOML"),
    ("", "conformance_recorded:missing.toml", "name no file of the package conformance_recorded"),
    ("", "conformance_recorded/expectations.toml", "it is a file inside one of the package's modules, "
                                                    "as 'package:path/in/it.toml'"),
])
def test_a_plugins_bad_expectations_are_one_clear_line(tmp_path: Path, entries: str, spec: str | None,
                                                       problem: str) -> None:
    site = install_demo(tmp_path / "site")
    site = install_recorded(site, entries, *([spec] if spec else []))
    scenarios = write_scenarios(tmp_path / "scenarios")
    done = conformance("run", "--scenarios", str(scenarios), "--runtime", "recorded", "-o", "run.json",
                       cwd=tmp_path, env=environment_with(site))
    assert done.returncode == 2, done.stdout + done.stderr
    assert problem in done.stderr
    assert done.stderr.startswith("conformance: error: ") and "Traceback" not in done.stderr
    assert not (tmp_path / "run.json").exists()


def test_the_pytest_plugin_runs_a_plugin_runtime(tmp_path: Path, demo: dict[str, str]) -> None:
    write_scenarios(tmp_path / "scenarios")
    done = pytest_scenarios("--runtime", "demo", "-v", cwd=tmp_path, env=demo)
    assert done.returncode == 1, done.stdout + done.stderr  # sockets.wrong fails: no expectation names it
    assert "test_scenario[sockets.ok-demo] PASSED" in done.stdout
    assert "test_scenario[sockets.wrong-demo] FAILED" in done.stdout
    document = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert {(c["scenario"], c["runtime"], c["details"].get("runtime_version")) for c in document["cells"]} \
        == {("sockets.ok", "demo", "1.2.3"), ("sockets.wrong", "demo", "1.2.3")}


@pytest.fixture(params=sorted(BROKEN))
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, str], str, str]:
    """The environment of a process that has one broken plugin installed (and, for a duplicate name,
    conformance-demo too), the entry point the error must name, and what it must say is wrong."""
    source, problem = BROKEN[request.param]
    site = write_distribution(tmp_path / "site", "conformance-broken", "0.1",
                              {"broken": "conformance_broken:RUNTIME"}, {"conformance_broken.py": source})
    if request.param == "duplicate":
        install_demo(site)
        where = ("the conformance.runtimes entry point 'demo' (conformance_demo:RUNTIME) of the "
                 "distribution conformance-demo")
    else:
        where = ("the conformance.runtimes entry point 'broken' (conformance_broken:RUNTIME) of the "
                 "distribution conformance-broken")
    return environment_with(site), where, problem


@pytest.mark.parametrize("command", [["list"], ["run", "-o", "run.json"]])
def test_a_broken_plugin_is_one_clear_line(tmp_path: Path, broken: tuple[dict[str, str], str, str],
                                           command: list[str]) -> None:
    env, where, problem = broken
    scenarios = write_scenarios(tmp_path / "scenarios")
    done = conformance(*command, "--scenarios", str(scenarios), cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"conformance: error: {where}"), done.stderr
    assert problem in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "run.json").exists()


def test_a_broken_plugin_is_a_usage_error_of_the_pytest_plugin(
        tmp_path: Path, broken: tuple[dict[str, str], str, str]) -> None:
    env, where, problem = broken
    write_scenarios(tmp_path / "scenarios")
    done = pytest_scenarios(cwd=tmp_path, env=env)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert f"ERROR: {where}" in done.stderr
    assert problem in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
