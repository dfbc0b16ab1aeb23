"""Processes of the suite: started in groups of their own and killed whole, with room for descriptors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any


def new_group() -> dict[str, Any]:
    """``Popen`` keyword arguments that start the process in a new process group (session on POSIX)."""
    if sys.platform != "win32":
        return {"start_new_session": True}
    return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and every process of its group (grandchildren that outlive it included)."""
    if sys.platform != "win32":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    else:  # Windows: taskkill /T reaches the whole tree of the process
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        process.kill()


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
