"""Processes of the suite: started in groups of their own and killed whole, with room for descriptors."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


def new_group() -> dict[str, Any]:
    """``Popen`` keyword arguments that start the process in a new process group (session on POSIX)."""
    if sys.platform != "win32":
        return {"start_new_session": True}
    return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}


def start_in_group(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(args, **kwargs)`` in a group of its own, for :func:`kill_group` to kill whole.

    On POSIX the group is a new session. On Windows it is also a job object: ``taskkill /T`` follows
    parent links, so it cannot find the grandchildren of a child that has already exited, while killing
    the job reaches every process ever put in it (a grandchild inherits its parent's job).
    """
    job = WindowsJob.new() if sys.platform == "win32" else None
    process: subprocess.Popen[bytes] = subprocess.Popen(args, **new_group(), **kwargs)
    if job is not None and job.adopt(process):
        _JOBS[process.pid] = job
    return process


def first_line(process: subprocess.Popen[bytes], timeout_s: float) -> bytes:
    """The first line a helper process writes to its stdout pipe (its addresses), or b"" when none comes
    within ``timeout_s`` (the reading thread is left to the pipe's end)."""
    import threading

    assert process.stdout is not None
    stdout = process.stdout
    found: list[bytes] = []
    reader = threading.Thread(target=lambda: found.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    return found[0] if found else b""


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and every process of its group (grandchildren that outlive it included)."""
    if sys.platform != "win32":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    if process.poll() is None:  # its tree while it stands, a process that escaped the job included
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    job = _JOBS.pop(process.pid, None)
    if job is not None:
        job.kill()  # every process of the job, those whose parent has exited included
    if process.poll() is None:
        process.kill()


class Kernel32(Protocol):
    """The Windows calls a job object needs (ctypes' kernel32; a fake in the tests)."""

    def CreateJobObjectW(self, attributes: Any, name: Any) -> int: ...
    def SetInformationJobObject(self, job: int, information_class: int, information: Any,
                                size: int) -> int: ...
    def AssignProcessToJobObject(self, job: int, process: int) -> int: ...
    def TerminateJobObject(self, job: int, exit_code: int) -> int: ...
    def CloseHandle(self, handle: int) -> int: ...


# winnt.h: JobObjectExtendedLimitInformation, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
EXTENDED_LIMIT_INFORMATION = 9
KILL_ON_JOB_CLOSE = 0x2000


class _BasicLimits(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32), ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t), ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount", "ReadTransferCount",
        "WriteTransferCount", "OtherTransferCount")]


class ExtendedLimits(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION."""

    _fields_ = [("BasicLimitInformation", _BasicLimits), ("IoInfo", _IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]


class WindowsJob:
    """A job object holding a child and everything it starts.

    KILL_ON_JOB_CLOSE: if the parent itself dies, Windows closes its handle and kills the job too. The
    job is made before the child starts and the child put in it right after, so that only the few
    microseconds of one call separate the two. A child that starts a process within them leaves it
    outside the job: a Python child reads its job from stdin first, but a virtualenv's python.exe on
    Windows is a launcher that starts the real interpreter at once (docs/ci.md, "Known gaps").
    """

    def __init__(self, kernel32: Kernel32, handle: int) -> None:
        self._kernel32, self.handle = kernel32, handle

    @classmethod
    def new(cls, kernel32: Kernel32 | None = None) -> WindowsJob | None:
        """An empty job, or None where one cannot be made (then taskkill is used)."""
        if kernel32 is None:
            kernel32 = _kernel32()
            if kernel32 is None:
                return None
        handle = kernel32.CreateJobObjectW(None, None)
        if not handle:
            return None
        job = cls(kernel32, handle)
        limits = ExtendedLimits()
        limits.BasicLimitInformation.LimitFlags = KILL_ON_JOB_CLOSE
        if not kernel32.SetInformationJobObject(handle, EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits),
                                                ctypes.sizeof(limits)):
            job.close()
            return None
        return job

    def adopt(self, process: subprocess.Popen[bytes]) -> bool:
        """Put ``process`` in the job; False (and the job closed) where Windows refuses."""
        if self._kernel32.AssignProcessToJobObject(self.handle, int(process._handle)):  # type: ignore[attr-defined]
            return True
        self.close()
        return False

    def kill(self) -> None:
        self._kernel32.TerminateJobObject(self.handle, 1)
        self.close()

    def close(self) -> None:
        if self.handle:
            self._kernel32.CloseHandle(self.handle)
            self.handle = 0


def _kernel32() -> Kernel32 | None:
    """Windows' kernel32 with the argument and result types of the job calls (ctypes would pass and
    return handles as 32-bit ints)."""
    if sys.platform != "win32":
        return None
    dll = ctypes.WinDLL("kernel32", use_last_error=True)
    dll.CreateJobObjectW.restype = ctypes.c_void_p
    dll.CreateJobObjectW.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p]
    dll.SetInformationJobObject.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ExtendedLimits),
                                            ctypes.c_uint32]
    dll.AssignProcessToJobObject.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    dll.TerminateJobObject.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    dll.CloseHandle.argtypes = [ctypes.c_void_p]
    kernel32: Kernel32 = dll
    return kernel32


# The job of each child started by start_in_group, until kill_group kills it (Windows only).
_JOBS: dict[int, WindowsJob] = {}


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files to ``wanted`` (at most the hard limit); return the
    soft limit now in force (``wanted`` where the platform has no such limit).

    macOS starts processes with a soft limit of 256, Linux with 1024: a server holding hundreds of
    connections, or a client opening them, needs more. The hard limit is the ceiling an unprivileged
    process may raise to; on macOS a soft limit above ``kern.maxfilesperproc`` is refused even under
    an unlimited hard limit, so a refusal falls back to what is in force.
    """
    if sys.platform == "win32":  # no such limit on sockets
        return wanted
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def pin_tree(root: int, cpus: Sequence[int]) -> int:
    """Run the process ``root`` and every process below it (a server's helper: the server and its
    children, which may be sessions of their own, as PostgreSQL's are), every thread of each, on
    ``cpus``; returns how many processes. Processes and threads started later inherit their parent's
    CPUs (a PostgreSQL backend per connection, a MariaDB thread per connection). Linux only (``/proc``
    and ``sched_setaffinity``); elsewhere 0."""
    setaffinity = getattr(os, "sched_setaffinity", None)
    proc = Path("/proc")
    if setaffinity is None or not proc.is_dir():
        return 0
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
            except OSError:  # ended meanwhile
                continue
            # After the command's name, which may hold spaces and parentheses: state ppid ...
            parent = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    pinned, below = 0, [root]
    while below:
        pid = below.pop()
        below.extend(children.get(pid, ()))
        try:
            for task in Path(proc, str(pid), "task").iterdir():
                setaffinity(int(task.name), set(cpus))
        except OSError:  # the process or one of its threads ended meanwhile
            continue
        pinned += 1
    return pinned
