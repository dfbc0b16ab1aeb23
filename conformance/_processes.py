"""Process groups: the parent starts children and peers in groups of their own and kills them whole."""

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
