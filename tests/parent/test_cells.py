"""CellRunner end to end (conformance._parent.cells): scenario files written for the test, the real
child, real runtimes.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker

import conformance
from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.scenarios import Scenario, ScenarioError, load_scenario
from conformance._parent.cells import CellRunner
from conformance._parent.child_process import (
    portable_paths,
)
from conformance._runtimes import RUNTIMES, get_runtime

ScenarioFactory = Callable[..., Scenario]  # the write_scenario fixture (conftest.py)

# Windows has no death by signal: a crash there is an exit status (0xC0000005 for an access violation,
# 3 for abort()), and ctypes turns an access violation in a foreign call into OSError.
no_signal_deaths_on_windows = pytest.mark.skipif(
    sys.platform == "win32", reason="Windows has no death by signal (SIGSEGV, SIGABRT): a crash there is "
                                    "an exit status, and ctypes raises OSError for an access violation")

# Generous bounds: they only prove that a call did not hang, on a loaded 2-core machine.
DID_NOT_HANG_S = 10.0
# Runtimes whose platform marker holds here; one that is merely not installed still runs (and fails).
# (gevent-dnspython is not supported by gevent on the Pythons this suite runs: its cells are unavailable,
# which tests/runtimes/test_configurations.py checks.)
PLATFORM_RUNTIMES = [name for name, runtime in RUNTIMES.items()
                     if (runtime.platform_marker is None or Marker(runtime.platform_marker).evaluate())
                     and name != "gevent-dnspython"]
# And those whose marker excludes this platform: winloop off Windows, uvloop and rloop on it.
OTHER_PLATFORM_RUNTIMES = [name for name, runtime in RUNTIMES.items()
                           if runtime.platform_marker and not Marker(runtime.platform_marker).evaluate()]


# -- CellRunner end to end: scenario files under tmp_path, the real child, real runtimes ----------


def _scenario_source(statement: str, header: str = "") -> str:
    """A scenario module whose three bodies all run ``statement``."""
    lines = ['"""A scenario written by the engine\'s tests."""', "", "import sys", "import time", "",
             header, ""]
    for style, define in (("sync", "def"), ("asyncio", "async def"), ("trio", "async def")):
        lines += [f"{define} run_{style}(ctx):", f"    {statement}", ""]
    return "\n".join(lines)


RETURNS = '''"""A body that waits a little, cooperatively, and returns."""
import time

STALL_LIMIT_MS = 1000  # what this scenario tests is the outcome, not the stall limit

def run_sync(ctx):
    time.sleep(0.05)
    ctx.measure("answer", 42)

async def run_asyncio(ctx):
    import asyncio
    await asyncio.sleep(0.05)
    ctx.measure("answer", 42)

async def run_trio(ctx):
    import trio
    await trio.sleep(0.05)
    ctx.measure("answer", 42)

async def run_twisted(ctx):
    from twisted.internet import reactor, task
    await task.deferLater(reactor, 0.05)
    ctx.measure("answer", 42)
'''


@pytest.mark.parametrize("runtime", PLATFORM_RUNTIMES)
def test_body_that_returns_passes(write_scenario: ScenarioFactory, runtime: str) -> None:
    scenario = write_scenario("returns", RETURNS)
    cell = CellRunner().run(scenario, get_runtime(runtime))
    assert cell.outcome is Outcome.PASS, f"{cell.reason}\n{cell.details}"
    assert cell.measurements == {"answer": 42}  # the body ran, in the child
    assert cell.expected is Outcome.PASS
    assert cell.max_stall_ms is not None  # the runtime's own heartbeat ticked while the body waited
    distribution = get_runtime(runtime).distribution
    version = metadata.version(distribution) if distribution else platform.python_version()
    assert cell.details["runtime_version"] == version
    # gevent and eventlet must patch before socket, ssl, threading, select... are imported; the runner
    # names what was imported too early in this detail, only when the list is not empty.
    assert "imported_before_setup" not in cell.details


OUTCOME_BODIES = [
    pytest.param('raise AssertionError("the answer is wrong")', Outcome.FAIL,
                 "the answer is wrong", id="assertion-fail"),
    pytest.param('ctx.expect_equal(1, 2, "the answer")', Outcome.FAIL,
                 "the answer: expected 2, got 1", id="expect-fail"),
    pytest.param('raise NotImplementedError("no such operation")', Outcome.UNSUPPORTED,
                 "NotImplementedError: no such operation", id="unsupported"),
    pytest.param('raise ValueError("bad value 17")', Outcome.ERROR,
                 "ValueError: bad value 17", id="error"),
    pytest.param('raise ctx.not_applicable("nothing like it here")', Outcome.NOT_APPLICABLE,
                 "nothing like it here", id="not-applicable"),
    pytest.param('raise ctx.skip("no controllable resolver")', Outcome.SKIPPED,
                 "no controllable resolver", id="skipped"),
]


@pytest.mark.parametrize("runtime", ["threads", "gevent", "asyncio", "trio"])
@pytest.mark.parametrize(("statement", "outcome", "reason"), OUTCOME_BODIES)
def test_body_outcomes(write_scenario: ScenarioFactory, runtime: str, statement: str,
                       outcome: Outcome, reason: str) -> None:
    scenario = write_scenario("outcome", _scenario_source(statement))
    cell = CellRunner().run(scenario, get_runtime(runtime))
    assert cell.outcome is outcome, f"{cell.reason}\n{cell.details}"
    assert cell.reason == reason
    assert not cell.harness_error


def test_unexpected_exception_carries_its_traceback(write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("raises", _scenario_source('raise ValueError("bad value 17")'))
    cell = CellRunner().run(scenario, get_runtime("threads"))
    assert cell.outcome is Outcome.ERROR
    assert cell.details["exception"] == "ValueError: bad value 17"
    traceback = cell.details["traceback"]
    assert traceback.startswith("Traceback (most recent call last):")
    # Paths of this machine are replaced by neutral names: run documents are published.
    assert f'"{portable_paths(str(scenario.path))}"' in traceback and "in run_sync" in traceback
    # the path as this OS writes it
    assert f'"<suite>{os.sep}conformance{os.sep}_child{os.sep}cell.py"' in traceback
    assert str(Path(conformance.__file__).resolve().parent) not in traceback
    assert traceback.rstrip().endswith("ValueError: bad value 17")


BUSY_FOR_1_S = "end = time.perf_counter() + 1.0\n    while time.perf_counter() < end: pass"


def _reported_stall_ms(cell: Cell) -> float:
    match = re.fullmatch(r"the scheduler stalled for (\d+) ms \(limit (\d+) ms\)", cell.reason)
    assert match, cell.reason
    return float(match[1])


@pytest.mark.parametrize(("runtime", "outcome"), [
    ("threads", Outcome.PASS),  # the heartbeat is another OS thread: the GIL lets it run
    ("gevent", Outcome.BLOCKING),
    ("eventlet", Outcome.BLOCKING),
    ("asyncio", Outcome.BLOCKING),
    ("trio", Outcome.BLOCKING),
])
def test_body_that_starves_the_scheduler_is_blocking(write_scenario: ScenarioFactory,
                                                     runtime: str, outcome: Outcome) -> None:
    # A CPU loop of 1 s that never yields: a cooperative heartbeat stalls ~1000 ms, a thread's a few ms.
    # The limit sits far from both so that a loaded machine cannot move a cell across it.
    scenario = write_scenario("busy", _scenario_source(BUSY_FOR_1_S, header="STALL_LIMIT_MS = 300"))
    cell = CellRunner().run(scenario, get_runtime(runtime))
    assert cell.outcome is outcome, f"{cell.reason} (max stall {cell.max_stall_ms} ms)"
    assert cell.max_stall_ms is not None
    if outcome is Outcome.BLOCKING:
        assert _reported_stall_ms(cell) > 300
        assert cell.max_stall_ms > 300
        # A blocking cell is run twice; both stalls are shown.
        assert len(cell.details["stall_attempts_ms"].split(", ")) == 2
    else:
        assert cell.max_stall_ms <= 300
        assert "stall_attempts_ms" not in cell.details


# A body that holds asyncio's loop for 1 s of CPU and says the operation took OPERATION_MS.
RELATIVE = '''"""A stall judged against the operation's own duration."""
import time

STALL_LIMIT_MS = {absolute}
RELATIVE_STALL_LIMIT = ("operation_ms", 0.5)

async def run_asyncio(ctx):
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:
        pass
    {measure}
'''


@pytest.mark.parametrize(("absolute", "measure", "outcome", "said"), [
    # 1 s held during an operation of 1 s: 100 % of it, against a limit of 50 %.
    pytest.param(5000, 'ctx.measure("operation_ms", 1000.0)', Outcome.BLOCKING,
                 r"\(\d+% of the operation's 1000 ms \(operation_ms\); limit 50%\)", id="share-too-big"),
    # 1 s held during an operation of 10 s: 10 %, a pass although the absolute limit is 300 ms.
    pytest.param(300, 'ctx.measure("operation_ms", 10000.0)', Outcome.PASS, "", id="share-small"),
    # No such measurement (the body failed before it): the absolute limit judges.
    pytest.param(300, "pass", Outcome.BLOCKING, r"\(limit 300 ms\)", id="no-measurement"),
])
def test_relative_stall_limit_judges_the_share_of_the_operation(
        write_scenario: ScenarioFactory, absolute: int, measure: str, outcome: Outcome, said: str) -> None:
    scenario = write_scenario("relative", RELATIVE.format(absolute=absolute, measure=measure))
    assert scenario.relative_stall_limit == ("operation_ms", 0.5)
    cell = CellRunner().run(scenario, get_runtime("asyncio"))
    assert cell.outcome is outcome, cell.reason
    assert re.search(said, cell.reason), cell.reason


@pytest.mark.parametrize(("setting", "error"), [
    ('RELATIVE_STALL_LIMIT = ("read_ms", 1.5)', "RELATIVE_STALL_LIMIT is (measurement name, fraction"),
    ("RELATIVE_STALL_LIMIT = 0.25", "RELATIVE_STALL_LIMIT is (measurement name, fraction"),
    ('DOCUMENTED_MISTAKE = "  "', "DOCUMENTED_MISTAKE is the mistake and its documented remedy"),
    ("DOCUMENTED_MISTAKE = True", "DOCUMENTED_MISTAKE is the mistake and its documented remedy"),
])
def test_bad_scenario_settings_are_named(write_scenario: ScenarioFactory, setting: str, error: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(error)):
        write_scenario("bad_setting", _scenario_source("pass", header=setting))


def test_documented_mistake_is_read_into_one_line(write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("mistake", _scenario_source(
        "pass", header='DOCUMENTED_MISTAKE = """Reading a file on the loop.\n    Use a thread."""'))
    assert scenario.documented_mistake == "Reading a file on the loop. Use a thread."


def _two_attempts(marker: Path, first: str, second: str) -> str:
    """A scenario whose asyncio body does ``first`` in its first attempt and ``second`` after."""
    return "\n".join([
        '"""Behaves differently in its second attempt."""',
        "import time",
        "from pathlib import Path",
        f"MARKER = Path({str(marker)!r})",
        "STALL_LIMIT_MS = 300",
        "def busy(seconds):",
        "    end = time.perf_counter() + seconds",
        "    while time.perf_counter() < end:",
        "        pass",
        "async def run_asyncio(ctx):",
        "    if not MARKER.exists():",
        '        MARKER.write_text("", encoding="utf-8")',
        f"        {first}",
        "    else:",
        f"        {second}",
        "",
    ])


BUSY_FOR = "busy({})"  # a CPU loop that never yields


@pytest.mark.parametrize(("second", "outcome"), [
    pytest.param("pass", Outcome.PASS, id="second-passes"),
    pytest.param(BUSY_FOR.format(0.5), Outcome.BLOCKING, id="second-stalls-less"),
])
def test_blocking_is_confirmed_and_the_smaller_stall_kept(write_scenario: ScenarioFactory,
                                                          tmp_path: Path, second: str,
                                                          outcome: Outcome) -> None:
    scenario = write_scenario("confirm", _two_attempts(tmp_path / "ran", BUSY_FOR.format(1.5), second))
    cell = CellRunner().run(scenario, get_runtime("asyncio"))
    assert cell.outcome is outcome, cell.reason
    first_ms, second_ms = (float(s) for s in cell.details["stall_attempts_ms"].split(", "))
    assert first_ms > 1000  # the first attempt's stall is shown in the details
    assert second_ms < 1000
    assert cell.max_stall_ms == pytest.approx(second_ms, abs=0.05)  # the smaller one is the cell's


def test_second_attempt_that_errs_keeps_the_first(write_scenario: ScenarioFactory,
                                                  tmp_path: Path) -> None:
    scenario = write_scenario("confirm_err", _two_attempts(
        tmp_path / "ran", BUSY_FOR.format(1.0), 'raise ValueError("not this time")'))
    cell = CellRunner().run(scenario, get_runtime("asyncio"))
    assert cell.outcome is Outcome.BLOCKING
    assert cell.max_stall_ms is not None and cell.max_stall_ms > 300
    assert cell.details["second_attempt"] == "error: ValueError: not this time"


def test_blocking_cell_keeps_a_stall_figure_when_the_heartbeat_never_ticked(
        write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    """Regression: the child omitted max_stall_ms when the heartbeat had not ticked (seen with trio
    under load), and the blocking confirmation counted the missing figure as 0 ms and kept it."""
    # Zeroing the tick count stands in for the heartbeat that never got to run before the body.
    scenario = write_scenario("no_ticks", _two_attempts(
        tmp_path / "ran", BUSY_FOR.format(1.0),
        f"ctx.stall_meter.ticks = 0; {BUSY_FOR.format(1.0)}"))
    cell = CellRunner().run(scenario, get_runtime("asyncio"))
    assert cell.outcome is Outcome.BLOCKING
    assert cell.max_stall_ms is not None, cell.details
    assert cell.max_stall_ms > 300


def test_slow_starting_child_still_leaves_its_stack_at_a_timeout(
        write_scenario: ScenarioFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real slow start: the child's interpreter runs a sitecustomize that takes 1 s.
    site = tmp_path / "slow_site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import time\ntime.sleep(1.0)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(site))
    scenario = write_scenario("hangs", HANGS.replace("TIMEOUT_S = 2", "TIMEOUT_S = 3"))
    cell = CellRunner().run(scenario, get_runtime("threads"))
    assert cell.outcome is Outcome.TIMEOUT
    assert "run_sync" in cell.details.get("stack", ""), "the timeout cell has no stack"


def test_failed_check_in_a_trio_nursery_is_a_fail(write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("nursery", '''
        """A check fails in a child task of the body's nursery."""
        async def run_trio(ctx):
            import trio

            async def check():
                ctx.expect_equal(3, 4, "the count")

            async with trio.open_nursery() as nursery:
                nursery.start_soon(check)
    ''')
    cell = CellRunner().run(scenario, get_runtime("trio"))
    assert cell.outcome is Outcome.FAIL, cell.reason
    assert cell.reason == "the count: expected 4, got 3"


@no_signal_deaths_on_windows
@pytest.mark.parametrize("runtime", ["threads", "asyncio"])
def test_body_that_segfaults_is_a_crash(write_scenario: ScenarioFactory, runtime: str) -> None:
    scenario = write_scenario("segfaults", _scenario_source("import ctypes; ctypes.string_at(0)"))
    cell = CellRunner().run(scenario, get_runtime(runtime))
    assert cell.outcome is Outcome.CRASH
    assert "killed by SIGSEGV" in cell.reason
    assert "Segmentation fault" in cell.details["stderr"]  # the child's faulthandler report


HANGS = '''"""A body that never returns."""
import time

TIMEOUT_S = 2

def run_sync(ctx):
    time.sleep(3600)

async def run_asyncio(ctx):
    import asyncio
    await asyncio.sleep(3600)

async def run_trio(ctx):
    import trio
    await trio.sleep(3600)
'''


@pytest.mark.parametrize("runtime", ["threads", "asyncio"])
def test_body_that_hangs_times_out_with_its_stack(write_scenario: ScenarioFactory,
                                                  runtime: str) -> None:
    scenario = write_scenario("hangs", HANGS)
    assert scenario.timeout_s == 2.0
    started = time.perf_counter()
    cell = CellRunner().run(scenario, get_runtime(runtime))
    assert time.perf_counter() - started < DID_NOT_HANG_S
    assert cell.outcome is Outcome.TIMEOUT
    assert cell.reason.startswith("no result after 2 s")
    assert cell.duration_s >= 2.0
    stack = cell.details["stack"]
    assert "most recent call first" in stack
    if runtime == "threads":  # the body's own frame (a suspended coroutine has none to show)
        assert scenario.path.name in stack and "run_sync" in stack


def test_platform_not_applicable_does_not_spawn(write_scenario: ScenarioFactory,
                                                tmp_path: Path) -> None:
    def scenario_marking(marker: Path, platform_name: str) -> str:
        return _scenario_source(
            "MARKER.write_text('the body ran', encoding='utf-8')",
            header=f"from pathlib import Path\nMARKER = Path({str(marker)!r})\nSTALL_LIMIT_MS = 1000\n"
                   f"NOT_APPLICABLE = {{{platform_name!r}: 'this platform lacks it'}}")

    here, elsewhere = tmp_path / "here.ran", tmp_path / "elsewhere.ran"
    runner = CellRunner()
    cell = runner.run(write_scenario("nowhere", scenario_marking(here, sys.platform)),
                      get_runtime("threads"))
    assert cell.outcome is Outcome.NOT_APPLICABLE
    assert cell.reason == "this platform lacks it"
    assert cell.expected is Outcome.NOT_APPLICABLE  # a fact of the platform, not a deviation
    assert not here.exists()  # no child ran the body
    # The control: not applicable on another platform only, the same body does run here.
    cell = runner.run(write_scenario("elsewhere", scenario_marking(elsewhere, "plan9")),
                      get_runtime("threads"))
    assert cell.outcome is Outcome.PASS, cell.reason
    assert elsewhere.read_text(encoding="utf-8") == "the body ran"


@pytest.mark.parametrize("runtime", OTHER_PLATFORM_RUNTIMES)
def test_runtime_of_another_platform_is_unavailable(write_scenario: ScenarioFactory, runtime: str) -> None:
    scenario = write_scenario("returns", _scenario_source("pass"))
    cell = CellRunner().run(scenario, get_runtime(runtime))
    assert cell.outcome is Outcome.UNAVAILABLE
    assert cell.reason == (f"{runtime} does not run on {sys.platform} "
                           f"(it installs where {get_runtime(runtime).platform_marker})")
    assert cell.expected is Outcome.UNAVAILABLE
    assert cell.duration_s == 0.0


def test_scenario_without_the_runtimes_style_is_a_harness_error(
        write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("sync_only", '"""Sync only."""\ndef run_sync(ctx): pass\n')
    cell = CellRunner().run(scenario, get_runtime("trio"))
    assert cell.outcome is Outcome.ERROR
    assert cell.harness_error
    assert cell.reason == (f"harness error: the scenario has no trio body "
                           f"(run_trio in {scenario.path.name})")


def test_runner_applies_expectations_for_its_environment(
        write_scenario: ScenarioFactory, windows_environment: dict[str, str],
        linux_environment: dict[str, str]) -> None:
    scenario = write_scenario("wrong", _scenario_source('ctx.expect_equal(1, 2, "the answer")'))
    expectations = Expectations.from_data({"expectation": [{
        "scenario": "sockets.wrong_*", "runtime": "threads", "when": "sys_platform == 'win32'",
        "outcome": "fail", "reason": "known to be wrong on Windows",
        "link": "https://example.org/issue/7"}]})
    on_windows = CellRunner(expectations, environment=windows_environment).run(
        scenario, get_runtime("threads"))
    assert on_windows.outcome is Outcome.FAIL
    assert on_windows.expected is Outcome.FAIL
    assert on_windows.expectation is not None
    assert on_windows.expectation.link == "https://example.org/issue/7"
    on_linux = CellRunner(expectations, environment=linux_environment).run(
        scenario, get_runtime("threads"))
    assert on_linux.outcome is Outcome.FAIL
    assert on_linux.expected is Outcome.PASS
    assert on_linux.expectation is None


def test_same_file_name_in_two_scenario_folders_loads_apart(tmp_path: Path) -> None:
    name = f"same_{os.getpid()}_{tmp_path.name.replace('-', '_').lower()}"
    paths = []
    for folder, (title, timeout_s) in {"a": ("First", 5), "b": ("Second", 7)}.items():
        path = tmp_path / folder / "sockets" / f"{name}.py"
        path.parent.mkdir(parents=True)
        path.write_text(f'"""{title}."""\nTIMEOUT_S = {timeout_s}\ndef run_sync(ctx): pass\n',
                        encoding="utf-8")
        paths.append(path)
    first, second = load_scenario(paths[0]), load_scenario(paths[1])
    assert (first.title, first.timeout_s) == ("First", 5.0)
    assert (second.title, second.timeout_s) == ("Second", 7.0)
