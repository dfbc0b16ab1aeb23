"""The parent side of a cell: run_child and classify against misbehaving child programs, and CellRunner
end to end on scenario files written for the test.

Everything here is a real process: children that segfault, abort, hang, garble their result, flood
stdout or leave a grandchild behind (``tests/children/``), and real runtimes in the real child.
"""

from __future__ import annotations

import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker

import conformance
from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.scenarios import Scenario, ScenarioError, load_scenario
from conformance._parent.cells import CellRunner
from conformance._parent.child_process import (
    OUTPUT_TAIL_BYTES,
    ChildEnd,
    classify,
    portable_paths,
    run_child,
)
from conformance._runtimes import RUNTIMES, get_runtime

ChildCommand = Callable[[str], list[str]]  # the child_command fixture (conftest.py)
ScenarioFactory = Callable[..., Scenario]  # the write_scenario fixture (conftest.py)

# Windows has no death by signal: a crash there is an exit status (0xC0000005 for an access violation,
# 3 for abort()), and ctypes turns an access violation in a foreign call into OSError.
no_signal_deaths_on_windows = pytest.mark.skipif(
    sys.platform == "win32", reason="Windows has no death by signal (SIGSEGV, SIGABRT): a crash there is "
                                    "an exit status, and ctypes raises OSError for an access violation")

# Generous bounds: they only prove that a call did not hang, on a loaded 2-core machine.
DID_NOT_HANG_S = 10.0
# Runtimes whose platform marker holds here; one that is merely not installed still runs (and fails).
PLATFORM_RUNTIMES = [name for name, runtime in RUNTIMES.items()
                     if runtime.platform_marker is None or Marker(runtime.platform_marker).evaluate()]
# And those whose marker excludes this platform: winloop off Windows, uvloop and rloop on it.
OTHER_PLATFORM_RUNTIMES = [name for name in RUNTIMES if name not in PLATFORM_RUNTIMES]


def _run(command: list[str], folder: Path, job: dict[str, Any] | None = None,
         timeout_s: float = 30.0) -> tuple[ChildEnd, Cell]:
    end = run_child(command, job or {}, folder, timeout_s)
    return end, classify(end, "sockets.fake", "threads", timeout_s)


def _eventually(condition: Callable[[], bool], within_s: float = DID_NOT_HANG_S) -> bool:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _process_is_gone(pid: int) -> bool:
    if sys.platform == "win32":
        return _windows_process_is_gone(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # Killed, but not yet reaped by its new parent (init): a zombie is dead all the same.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return True  # /proc exists and the pid left it: reaped
        # No /proc (macOS): ps shows a zombie's state as Z, and nothing for a reaped pid.
        state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True,
                               text=True, check=False).stdout.strip()
        return not state or state.startswith("Z")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _windows_process_is_gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (Windows), asked of the process object: ``os.kill(pid, 0)``
    cannot ask there, as signal 0 is CTRL_C_EVENT (a Ctrl-C to every process of the console)."""
    if sys.platform != "win32":  # for mypy on other platforms: ctypes.windll exists on Windows only
        raise NotImplementedError
    import ctypes

    process_query_limited_information, still_active = 0x1000, 259
    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return True  # no such process any more
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value != still_active
    finally:
        kernel32.CloseHandle(handle)


def _kill_tree(pid: int) -> None:
    """Kill process ``pid`` and what it started (a test's own clean-up, never the engine's)."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(pid)], capture_output=True, check=False)
    else:
        for kill in (os.killpg, os.kill):  # the children run_child starts lead groups of their own
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass


# -- run_child and classify -----------------------------------------------------------------------


def test_well_behaved_child_passes_and_receives_its_job(child_command: ChildCommand,
                                                         cell_folder: Path) -> None:
    end, cell = _run(child_command("well_behaved"), cell_folder, {"answer": 42}, timeout_s=30.0)
    assert (end.returncode, end.timed_out) == (0, False)
    assert cell.outcome is Outcome.PASS, cell.reason
    assert not cell.harness_error
    # The child echoes the job's own key and the deadline run_child added to it.
    assert cell.measurements == {"answer": 42, "timeout_s": 30.0}


@no_signal_deaths_on_windows
@pytest.mark.parametrize(("child", "signal_name"), [("segfault", "SIGSEGV"), ("abort", "SIGABRT")])
def test_child_killed_by_a_signal_is_a_crash_named_after_it(
        child_command: ChildCommand, cell_folder: Path, child: str, signal_name: str) -> None:
    end, cell = _run(child_command(child), cell_folder)
    assert end.returncode == -signal.Signals[signal_name]
    assert cell.outcome is Outcome.CRASH
    assert not cell.harness_error
    assert f"killed by {signal_name} without a result" in cell.reason


@pytest.mark.parametrize(("child", "has_stack"), [("hang", False), ("hang_with_stack", True)])
def test_hanging_child_times_out_at_its_deadline(child_command: ChildCommand, cell_folder: Path,
                                                 child: str, has_stack: bool) -> None:
    started = time.perf_counter()
    end, cell = _run(child_command(child), cell_folder, timeout_s=2.0)
    took = time.perf_counter() - started
    assert took < DID_NOT_HANG_S
    assert end.timed_out
    assert end.returncode is None
    assert end.elapsed_s >= 2.0  # it waited for the deadline, no less
    assert cell.outcome is Outcome.TIMEOUT
    assert cell.reason == "no result after 2 s; the child's process group was killed"
    if has_stack:
        # faulthandler's dump: the function the child was stuck in, in the child's own file.
        assert "wait_forever" in cell.details["stack"]
        assert "hang_with_stack.py" in cell.details["stack"]
    else:
        assert "stack" not in cell.details


def test_exit_zero_without_a_result_is_a_crash(child_command: ChildCommand,
                                               cell_folder: Path) -> None:
    end, cell = _run(child_command("exit_without_result"), cell_folder)
    assert end.returncode == 0
    assert cell.outcome is Outcome.CRASH
    assert not cell.harness_error
    assert "exited with status 0 without writing a result" in cell.reason
    assert "(stderr: nothing to report today)" in cell.reason  # the last line of stderr
    assert "nothing to report today" in cell.details["stderr"]


def test_garbage_result_is_a_harness_error(child_command: ChildCommand, cell_folder: Path) -> None:
    _, cell = _run(child_command("garbage_result"), cell_folder)
    assert cell.outcome is Outcome.ERROR
    assert cell.harness_error
    assert cell.reason.startswith("harness error: malformed result from the child")
    assert cell.details["result"] == "this is not JSON {{{"


@pytest.mark.parametrize(("result", "complaint"), [
    pytest.param([1, 2, 3], "the result is a JSON list, not an object", id="list"),
    pytest.param({"verdict": "pass"}, "unknown fields ['verdict']", id="unknown-field"),
    pytest.param({"outcome": "great", "reason": "x"}, "unknown outcome 'great'",
                 id="unknown-outcome"),
    pytest.param({"reason": "no outcome at all"}, "unknown outcome None", id="no-outcome"),
    pytest.param({"outcome": "fail"}, "outcome 'fail' needs a reason", id="fail-without-reason"),
    pytest.param({"outcome": "pass", "measurements": {"speed": "fast"}},
                 "measurement 'speed' must be a finite number", id="text-measurement"),
    pytest.param({"outcome": "pass", "duration_s": "soon"}, "could not convert", id="text-duration"),
])
def test_wrong_shape_result_is_a_harness_error(child_command: ChildCommand, cell_folder: Path,
                                               result: object, complaint: str) -> None:
    _, cell = _run(child_command("wrong_shape"), cell_folder, {"result": result})
    assert cell.outcome is Outcome.ERROR
    assert cell.harness_error
    assert cell.reason.startswith("harness error")
    assert complaint in cell.reason


def test_huge_stdout_does_not_block_and_is_cut(child_command: ChildCommand,
                                                cell_folder: Path) -> None:
    started = time.perf_counter()
    end, cell = _run(child_command("huge_stdout"), cell_folder, timeout_s=120.0)
    assert time.perf_counter() - started < 60.0  # far below the deadline: it was never blocked
    assert not end.timed_out
    assert cell.outcome is Outcome.PASS, cell.reason
    assert cell.measurements == {"printed_mib": 50}
    stdout = cell.details["stdout"]
    assert stdout.startswith(f"[... {50 * 1024 * 1024 - OUTPUT_TAIL_BYTES} bytes cut]\n")
    assert len(stdout) < OUTPUT_TAIL_BYTES + 100


def test_result_written_before_a_hang_is_kept_with_a_note(child_command: ChildCommand,
                                                          cell_folder: Path) -> None:
    end, cell = _run(child_command("well_behaved"), cell_folder, {"then": "hang"}, timeout_s=1.5)
    assert end.timed_out
    assert cell.outcome is Outcome.PASS
    assert cell.details["note"] == "the child wrote its result but did not exit before the deadline"


# Every platform: on Windows the engine kills the child's job object (conformance._os.processes).
@pytest.mark.parametrize(("then", "outcome", "timeout_s"), [
    ("exit", Outcome.PASS, 30.0),
    ("hang", Outcome.TIMEOUT, 1.5),
])
def test_no_process_is_left_behind(child_command: ChildCommand, cell_folder: Path, tmp_path: Path,
                                   then: str, outcome: Outcome, timeout_s: float) -> None:
    pid_path = tmp_path / "grandchild.pid"
    _, cell = _run(child_command("grandchild"), cell_folder,
                   {"pid_path": str(pid_path), "then": then}, timeout_s=timeout_s)
    assert cell.outcome is outcome, cell.reason
    pid = int(pid_path.read_text(encoding="utf-8"))
    try:
        assert _eventually(lambda: _process_is_gone(pid)), f"grandchild {pid} outlived run_child"
    finally:
        if not _process_is_gone(pid):
            _kill_tree(pid)


def test_deadline_holds_for_a_child_that_never_reads_its_job(child_command: ChildCommand,
                                                             cell_folder: Path) -> None:
    job = {"padding": "x" * (1024 * 1024)}  # larger than any pipe buffer
    ends: list[ChildEnd] = []
    worker = threading.Thread(
        target=lambda: ends.append(run_child(child_command("ignore_stdin"), job, cell_folder, 1.0)),
        daemon=True)
    worker.start()
    worker.join(DID_NOT_HANG_S)
    returned_in_time = not worker.is_alive()
    if not returned_in_time:
        # Unblock the parent by hand: with the child gone its wait returns.
        pid_path = cell_folder / "child.pid"
        assert _eventually(pid_path.exists)
        _kill_tree(int(pid_path.read_text(encoding="utf-8")))
        worker.join(DID_NOT_HANG_S)
    assert returned_in_time, "run_child did not return long after the child's 1 s deadline"
    assert ends[0].timed_out


@pytest.mark.skipif(sys.platform == "win32",
                    reason="POSIX descriptors: Windows has no RLIMIT_NOFILE (resource) and run_child hands "
                           "its child no descriptor (pass_fds) there")
def test_run_child_copes_with_a_parent_that_has_many_files_open(child_command: ChildCommand,
                                                                cell_folder: Path) -> None:
    if sys.platform == "win32":  # skipped there (above); this tells mypy that resource is POSIX's
        raise NotImplementedError
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1300
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"the hard limit on open files is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    held: list[int] = []
    try:
        while not held or held[-1] < 1100:  # every lower number taken: run_child's own are above
            held.append(os.open(os.devnull, os.O_RDONLY))
        end, cell = _run(child_command("well_behaved"), cell_folder, {"answer": 7})
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert not end.timed_out
    assert cell.outcome is Outcome.PASS, cell.reason
    assert cell.measurements["answer"] == 7


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
