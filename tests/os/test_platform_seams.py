"""The engine's macOS and Windows code paths, run on this machine by faking the platform seam: a low
open-file limit (macOS's 256), a wait without pidfds (macOS), the Windows process-tree kill with its OS
calls faked, a cell without the control pipe (Windows), Windows line endings from a helper process, a
platform without /proc/self/fd, and a page cache that posix_fadvise cannot reach (macOS, Windows).

What only a real macOS or Windows machine can show is listed in docs/ci.md ("Code paths that have run
only through these tests").
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from conformance._child.context import Context
from conformance._child.heartbeat import StallMeter
from conformance._model.outcomes import Outcome, Skipped
from conformance._model.scenarios import (
    Scenario,
    default_scenarios_dir,
    import_scenario_module,
    module_name,
)
from conformance._runtimes import get_runtime

SCENARIOS = default_scenarios_dir()
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX resource limits and process groups")


# Runs one cell and prints its outcome, reason and measurements as JSON.
RUN_ONE_CELL = """
import json, sys
from conformance._parent.cells import CellRunner
from conformance._runtimes import get_runtime
from conformance._model.scenarios import load_scenario
cell = CellRunner().run(load_scenario(sys.argv[1]), get_runtime(sys.argv[2]))
print(json.dumps([cell.outcome.value, cell.reason, dict(cell.measurements)]))
"""
# macOS's defaults, made in a network namespace of its own (the listen queue is per namespace):
# kern.ipc.somaxconn 128 and a soft limit of 256 open files, under a hard limit a process may raise to.
MACOS_LIMITS = ('ip link set lo up && sysctl -q -w net.core.somaxconn=128 && ulimit -Sn 256 && '
                'exec "$0" "$@"')


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                    reason="a network namespace of its own needs Linux and root (as in CI)")
def test_peers_hold_hundreds_of_connections_under_macos_limits(tmp_path: Path) -> None:
    """macOS starts processes with a soft limit of 256 open files and caps listen queues at 128. The
    cell's child raises its own limit, but the echo peer serves the 500 connections of
    sockets.concurrent_clients too: without raising its limit, its accept() fails with EMFILE, the
    rest wait in a full queue, and every runtime's cell errs after the clients' 20 s wait."""
    import json
    import shutil

    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare (util-linux) and ip (iproute2)")
    scenario = SCENARIOS / "sockets" / "concurrent_clients.py"
    done = subprocess.run(
        ["unshare", "--net", "sh", "-c", MACOS_LIMITS, sys.executable, "-c", RUN_ONE_CELL, str(scenario),
         "threads"], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    outcome, reason, measurements = json.loads(done.stdout.splitlines()[-1])
    assert outcome == "pass", reason
    assert measurements["elapsed_ms"] < 15_000  # well inside the clients' 20 s wait


def test_raise_open_file_limit_never_lowers_and_falls_back_when_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    resource = pytest.importorskip("resource")
    from conformance._os.processes import raise_open_file_limit

    calls: list[tuple[int, int]] = []

    def refuse(which: int, limits: tuple[int, int]) -> None:
        calls.append(limits)
        raise ValueError("not allowed to raise the current limit")  # macOS above kern.maxfilesperproc

    monkeypatch.setattr(resource, "getrlimit", lambda which: (256, resource.RLIM_INFINITY))
    monkeypatch.setattr(resource, "setrlimit", refuse)
    assert raise_open_file_limit(4096) == 256
    assert calls == [(4096, resource.RLIM_INFINITY)]
    monkeypatch.setattr(resource, "getrlimit", lambda which: (8192, 8192))
    assert raise_open_file_limit(4096) == 4096
    assert calls == [(4096, resource.RLIM_INFINITY)]  # already enough: nothing was asked
    monkeypatch.setattr(resource, "getrlimit", lambda which: (256, 1024))
    monkeypatch.setattr(resource, "setrlimit", lambda which, limits: calls.append(limits))
    assert raise_open_file_limit(4096) == 1024  # the hard limit is the ceiling
    assert calls[-1] == (1024, 1024)


# -- helpers of the scenarios, on the other platforms' terms ---------------------------------------


def _context(folder: Path) -> Context:
    return Context(peers={}, tmpdir=folder, stall_meter=StallMeter())


def test_sqlite_lock_holder_that_ends_its_line_as_windows_does(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows the holder's print() ends "locked" with "\\r\\n" (text-mode stdout): both sqlite
    scenarios once took that for a failed lock and were `skipped` for every runtime."""
    import sqlite3

    lock = import_scenario_module(SCENARIOS / "files" / "_sqlite_lock.py")
    # What Windows' text-mode stdout does to every "\n" the holder prints.
    windows_stdout = "import sys; sys.stdout.reconfigure(newline='\\r\\n')\n"
    monkeypatch.setattr(lock, "HOLDER", windows_stdout + lock.HOLDER)
    path, holder = lock.lock_database(_context(tmp_path))
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            lock.query(path)
    finally:
        lock.release(holder)
    assert lock.query(path) == [(1,)]


def test_a_platform_without_a_descriptor_folder_skips_the_count(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    """Windows has handles, but no /proc/self/fd or /dev/fd: the harness cannot count them, which is
    `skipped` with the reason, not `not-applicable` (the platform lacks nothing the scenario is about)."""
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir",
                        lambda p: False if str(p) in ("/proc/self/fd", "/dev/fd") else real_isdir(p))
    monkeypatch.setattr(sys, "platform", "win32")
    with pytest.raises(Skipped, match="cannot count this process's open descriptors on win32"):
        _context(tmp_path).open_fd_count()


@pytest.mark.parametrize(("libc", "skipped"), [("glibc", False), ("musl", True), ("", True)])
def test_resolve_local_judges_numeric_hosts_against_glibc_only(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, libc: str, skipped: bool) -> None:
    """dns.resolve_local's answers for numeric hosts are glibc's; on a Linux with another C library
    (musl fills ai_canonname) the cell is `skipped`, naming the library, before any lookup."""
    import platform

    module = import_scenario_module(SCENARIOS / "dns" / "resolve_local.py")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(platform, "libc_ver", lambda *a, **k: (libc, "1.2.4" if libc else ""))
    if not skipped:
        module._require_reference_libc(_context(tmp_path))
        return
    with pytest.raises(Skipped, match=f"are glibc's, and this C library is {libc or 'not glibc'}$"):
        module._require_reference_libc(_context(tmp_path))


def test_recv_timeout_allows_one_tick_of_a_coarse_clock_as_on_windows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' monotonic clock ticks every 15.625 ms before Python 3.13: a timer may fire that much
    early, so sockets.recv_timeout's floor is one tick (and 2 ms of rounding) under the timeout there,
    and 2 ms under it with a fine clock."""
    import time
    import types

    real = time.get_clock_info
    for resolution, floor in ((0.015625, 200 - 15.625 - 2), (1e-9, 200 - 2)):
        monkeypatch.setattr(time, "get_clock_info", lambda name, r=resolution: types.SimpleNamespace(
            **{**vars(real(name)), "resolution": r}) if name == "monotonic" else real(name))
        path = SCENARIOS / "sockets" / "recv_timeout.py"
        monkeypatch.delitem(sys.modules, module_name(path), raising=False)  # loaded afresh each time
        assert pytest.approx(floor, abs=1e-6) == import_scenario_module(path).FLOOR_MS


@pytest.fixture
def small_big_file(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """scenarios/files/_big_file.py, writing 4 MiB instead of 512."""
    module = import_scenario_module(SCENARIOS / "files" / "_big_file.py")
    monkeypatch.setattr(module, "SIZE_MIB", 4)
    return module


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="the Linux path needs posix_fadvise")
def test_linux_evicts_the_big_file_with_posix_fadvise(small_big_file: ModuleType, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    advice: list[int] = []
    real = os.posix_fadvise

    def fadvise(fd: int, offset: int, length: int, how: int) -> None:
        advice.append(how)
        real(fd, offset, length, how)

    monkeypatch.setattr(os, "posix_fadvise", fadvise)
    ctx = _context(tmp_path)
    path, tail = small_big_file.write_file(ctx)
    assert advice == [os.POSIX_FADV_DONTNEED]
    assert small_big_file.read(path, tail) == (4, None)
    assert ctx.measurements["evicted"] == 1


def test_macos_keeps_the_big_file_out_of_the_cache_with_f_nocache(
        small_big_file: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no posix_fadvise: the writing descriptor gets F_NOCACHE before the first write, and the
    data goes out from page-aligned buffers (xnu bypasses its cache only for aligned writes)."""
    import fcntl
    import mmap

    monkeypatch.delattr(os, "posix_fadvise", raising=False)
    monkeypatch.setattr(sys, "platform", "darwin")
    events: list[tuple[str, int]] = []
    def fake_fcntl(fd: int, cmd: int, arg: int = 0) -> int:
        events.append(("fcntl", cmd))
        return 0

    monkeypatch.setattr(fcntl, "fcntl", fake_fcntl, raising=False)
    monkeypatch.setattr(fcntl, "F_NOCACHE", 48, raising=False)
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        buffer = memoryview(data)
        # the first chunk's slice starts at the mapping, which mmap places on a page boundary
        if not events or events[-1][0] != "write":
            events.append(("write", len(buffer)))
        assert buffer.obj is not None and isinstance(buffer.obj, mmap.mmap)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    ctx = _context(tmp_path)
    path, tail = small_big_file.write_file(ctx)
    assert events[0] == ("fcntl", 48)
    assert events[1] == ("write", small_big_file.MIB)
    assert small_big_file.read(path, tail) == (4, None)
    assert ctx.measurements["evicted"] == 1


def test_windows_skips_the_big_file_read_it_cannot_keep_out_of_the_cache(
        small_big_file: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "posix_fadvise", raising=False)
    monkeypatch.setattr(sys, "platform", "win32")
    with pytest.raises(Skipped, match="no way to keep the file out of the page cache"):
        small_big_file.write_file(_context(tmp_path))
    assert not (tmp_path / "big.bin").exists()  # nothing was written for a read that cannot count


# -- the parent's process handling, on the other platforms' terms -----------------------------------


@pytest.mark.parametrize("child", ["well_behaved", "hang"])
def test_the_wait_without_pidfds_as_on_macos(child: str, child_command: Callable[[str], list[str]],
                                             cell_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no pidfd_open: the parent waits with Popen.wait(timeout), and must still tell a child
    that exited from one that outlived its deadline."""
    from conformance._parent.child_process import classify, run_child

    monkeypatch.delattr(os, "pidfd_open", raising=False)
    end = run_child(child_command(child), {"answer": 1}, cell_folder, timeout_s=2.0)
    cell = classify(end, "sockets.fake", "threads", 2.0)
    if child == "hang":
        assert end.timed_out and cell.outcome is Outcome.TIMEOUT
        assert 2.0 <= end.elapsed_s < 2.0 + 10.0
    else:
        assert (end.returncode, end.timed_out) == (0, False)
        assert cell.outcome is Outcome.PASS, cell.reason


class FakeKernel32:
    """Records the job-object calls the Windows kill makes; answers as kernel32 does on success."""

    def __init__(self, *, assign_ok: bool = True) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.limit_flags: int | None = None
        self.assign_ok = assign_ok

    def CreateJobObjectW(self, attributes: object, name: object) -> int:
        self.calls.append(("CreateJobObjectW", (attributes, name)))
        return 7

    def SetInformationJobObject(self, job: int, information_class: int, information: object,
                                size: int) -> int:
        self.calls.append(("SetInformationJobObject", (job, information_class, size)))
        self.limit_flags = information._obj.BasicLimitInformation.LimitFlags  # type: ignore[attr-defined]
        return 1

    def AssignProcessToJobObject(self, job: int, process: int) -> int:
        self.calls.append(("AssignProcessToJobObject", (job, process)))
        return int(self.assign_ok)

    def TerminateJobObject(self, job: int, exit_code: int) -> int:
        self.calls.append(("TerminateJobObject", (job, exit_code)))
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.calls.append(("CloseHandle", (handle,)))
        return 1


class FakeWindowsProcess:
    """What kill_group reads of a Popen on Windows: its pid, its handle, whether it still runs."""

    def __init__(self, running: bool) -> None:
        self.pid, self._handle, self.running, self.killed = 4242, 99, running, False

    def poll(self) -> int | None:
        return None if self.running else 0

    def kill(self) -> None:
        self.killed = True


def test_windows_children_are_put_in_a_job_that_kills_what_they_leave_behind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """taskkill /T follows parent links, so once the child has exited (the usual end of a cell) it
    cannot find the grandchildren the child left: the child's job object can."""
    from conformance._os import processes as _processes

    kernel32 = FakeKernel32()
    exited = FakeWindowsProcess(running=False)
    job = _processes.WindowsJob.new(kernel32)  # before the child starts
    assert job is not None
    assert job.adopt(exited)  # type: ignore[arg-type]
    assert [name for name, _ in kernel32.calls] == [
        "CreateJobObjectW", "SetInformationJobObject", "AssignProcessToJobObject"]
    assert kernel32.calls[1][1][1] == _processes.EXTENDED_LIMIT_INFORMATION
    assert kernel32.calls[2][1] == (7, 99)  # the job, the child's process handle
    # if the parent dies, Windows closes its handle, and the job's processes die with it
    assert kernel32.limit_flags == _processes.KILL_ON_JOB_CLOSE

    ran: list[list[str]] = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: ran.append(list(args)))
    monkeypatch.setitem(_processes._JOBS, exited.pid, job)
    _processes.kill_group(exited)  # type: ignore[arg-type]
    assert kernel32.calls[-2:] == [("TerminateJobObject", (7, 1)), ("CloseHandle", (7,))]
    assert ran == []  # the job did it: no taskkill of a tree that is gone
    assert not exited.killed and exited.pid not in _processes._JOBS


def test_windows_kill_of_a_running_child_takes_its_tree_and_its_job(monkeypatch: pytest.MonkeyPatch) -> None:
    # A child still running at the kill (a timeout): taskkill /T takes its tree, a process started
    # before the child was in its job included (a virtualenv's python.exe launcher starts the real
    # interpreter at once), and the job what the tree no longer links.
    from conformance._os import processes as _processes

    kernel32 = FakeKernel32()
    running = FakeWindowsProcess(running=True)
    job = _processes.WindowsJob.new(kernel32)
    assert job is not None and job.adopt(running)  # type: ignore[arg-type]
    ran: list[list[str]] = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: ran.append(list(args)))
    monkeypatch.setitem(_processes._JOBS, running.pid, job)
    _processes.kill_group(running)  # type: ignore[arg-type]
    assert ran == [["taskkill", "/F", "/T", "/PID", "4242"]]
    assert ("TerminateJobObject", (7, 1)) in kernel32.calls
    assert running.killed


def test_windows_kill_falls_back_to_taskkill_without_a_job(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance._os import processes as _processes

    kernel32 = FakeKernel32(assign_ok=False)  # e.g. a job that forbids nested jobs
    running = FakeWindowsProcess(running=True)
    job = _processes.WindowsJob.new(kernel32)
    assert job is not None
    assert not job.adopt(running)  # type: ignore[arg-type]
    assert kernel32.calls[-1] == ("CloseHandle", (7,))  # the job that could not be used is closed
    ran: list[list[str]] = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: ran.append(list(args)))
    _processes.kill_group(running)  # type: ignore[arg-type]
    assert ran == [["taskkill", "/F", "/T", "/PID", "4242"]]
    assert running.killed


def test_a_cell_without_the_control_pipe_as_on_windows_skips_what_needs_signals(
        write_scenario: Callable[..., Scenario], monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no pass_fds, so no control pipe: a body that asks for a signal from outside is
    `skipped` with the reason, never an error."""
    from conformance._parent import child_process
    from conformance._parent.cells import CellRunner

    scenario = write_scenario("asks_for_a_signal", '''
        """Asks the parent for a signal."""
        def run_sync(ctx):
            ctx.send_signal("SIGTERM", delay_s=0.1)
    ''', area="signals")
    monkeypatch.setattr(child_process, "CONTROL_PIPE", False)
    cell = CellRunner().run(scenario, get_runtime("threads"))
    assert cell.outcome is Outcome.SKIPPED, cell.reason
    assert cell.reason == "the suite cannot deliver signals from outside on this platform yet"


def test_a_run_whose_output_cannot_encode_the_symbols_as_on_windows_finishes(tmp_path: Path) -> None:
    """Windows encodes redirected output as cp1252, which has no ✓: the run prints "?" for the symbol
    (the word beside it says the same) instead of dying with a UnicodeEncodeError mid-run."""
    output = tmp_path / "run.json"
    done = subprocess.run([sys.executable, "-m", "conformance", "run", "--runtime", "threads", "-k",
                           "sockets.tcp_echo", "-o", str(output)], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "cp1252"}, check=False)
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    assert b"sockets.tcp_echo[threads] ? pass" in done.stdout
    assert output.is_file()
