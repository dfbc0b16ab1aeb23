"""One child process (conformance._parent.child_process): run_child and classify against misbehaving
child programs (``tests/children/``): children that segfault, abort, hang, garble their result, flood
stdout or leave a grandchild behind. Every one is a real process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._parent.child_process import (
    OUTPUT_TAIL_BYTES,
    ChildEnd,
    classify,
    run_child,
)

ChildCommand = Callable[[str], list[str]]  # the child_command fixture (conftest.py)

# Windows has no death by signal: a crash there is an exit status (0xC0000005 for an access violation,
# 3 for abort()), and ctypes turns an access violation in a foreign call into OSError.
no_signal_deaths_on_windows = pytest.mark.skipif(
    sys.platform == "win32", reason="Windows has no death by signal (SIGSEGV, SIGABRT): a crash there is "
                                    "an exit status, and ctypes raises OSError for an access violation")

# Generous bounds: they only prove that a call did not hang, on a loaded 2-core machine.
DID_NOT_HANG_S = 10.0


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
