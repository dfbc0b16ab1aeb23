"""What a run document says about the platform, the Python and the runtimes it ran on."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance._model.results import platform_id
from conformance._runtimes import RUNTIMES, availability


def marker_environment() -> dict[str, str]:
    """The PEP 508 marker variables of this interpreter: what expectations' conditions are read against."""
    from packaging.markers import default_environment

    return {k: str(v) for k, v in default_environment().items()}


def suite_commit() -> str | None:
    """The git commit of the suite's source, where it runs from a checkout (an installed distribution
    has none: its version says what ran, and the folder above site-packages may be another repository)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "scenarios").is_dir() or not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def ci_job_url(env: Mapping[str, str] = os.environ) -> str | None:
    """The GitHub Actions run attempt that made this document: a re-run of a failed leg is another
    attempt of the same run, and the report must be able to tell which attempt a table came from."""
    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        url = f"{server}/{env.get('GITHUB_REPOSITORY', '')}/actions/runs/{env['GITHUB_RUN_ID']}"
        attempt = env.get("GITHUB_RUN_ATTEMPT")
        return f"{url}/attempts/{attempt}" if attempt else url
    return None


def collect(runtimes: list[str] | None = None) -> dict[str, Any]:
    names = runtimes if runtimes is not None else list(RUNTIMES)
    info: dict[str, Any] = {
        "os": platform.system(),
        "os_release": platform.release(),
        "os_version": platform.version(),
        "sys_platform": sys.platform,
        "arch": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python_implementation": platform.python_implementation(),
        "python_version": platform.python_version(),
        "python_build": " ".join(platform.python_build()),
        "python_compiler": platform.python_compiler(),
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        # The build, not the state: a free-threaded build may turn the GIL on at run time.
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "runtimes": {n: availability(RUNTIMES[n]).to_json() for n in names},
        "suite_version": __version__,
        "suite_commit": suite_commit(),
        "ci_job_url": ci_job_url(),
        "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "markers": marker_environment(),
    }
    info["platform"] = platform_id(info)
    return info
