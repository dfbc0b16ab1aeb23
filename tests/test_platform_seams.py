"""The engine's macOS and Windows code paths, run on this machine by faking the platform seam: a low
open-file limit (macOS's 256), a wait without pidfds (macOS), the Windows process-tree kill with its OS
calls faked, a cell without the control pipe (Windows), Windows line endings from a helper process, a
platform without /proc/self/fd, and a page cache that posix_fadvise cannot reach (macOS, Windows).

What only a real macOS or Windows machine can show is listed in docs/ci.md ("Code paths that have run
only through these tests").
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conformance._context import Context
from conformance._heartbeat import StallMeter
from conformance._outcomes import Skipped
from conformance._scenarios import default_scenarios_dir, import_scenario_module

SCENARIOS = default_scenarios_dir()
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX resource limits and process groups")


# Runs one cell and prints its outcome, reason and measurements as JSON.
RUN_ONE_CELL = """
import json, sys
from conformance._runner import CellRunner
from conformance._runtimes import get_runtime
from conformance._scenarios import load_scenario
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
    import subprocess

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
    from conformance._processes import raise_open_file_limit

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
    monkeypatch.setattr(os, "posix_fadvise",
                        lambda fd, offset, length, how: (advice.append(how), real(fd, offset, length, how)))
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
    monkeypatch.setattr(fcntl, "fcntl", lambda fd, cmd, arg=0: events.append(("fcntl", cmd)) or 0,
                        raising=False)
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
