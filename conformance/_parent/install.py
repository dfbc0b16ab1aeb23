"""Install a runtime into the running environment, as tox's runtime envs do, and keep pip's reason when
the install fails.

``python -m conformance._parent.install gevent`` runs ``pip install --prefer-binary`` with the runtime's
requirements from the registry (the same strings as its extra in pyproject.toml). A runtime that cannot
be installed on a Python or an OS (no wheel yet, no compiler for a source build) must not fail the env:
the command then exits 0 after writing pip's reason to the file named by ``CONFORMANCE_INSTALL_RECORD``,
so that the run document says the runtime is ``unavailable`` and why, not merely "not installed".
``--prefer-binary``: an older release with a wheel is better than a source build that fails on a CI
leg without a compiler.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance._runtimes import (
    BUILTIN_RUNTIMES,
    INSTALL_RECORD_VARIABLE,
    PluginError,
    Runtime,
    UnknownRuntime,
    get_runtime,
)

# pip's own words for why it failed: its error lines, else the end of its output.
REASON_LINES = 6


def pip_command(runtime: Runtime) -> list[str]:
    return [sys.executable, "-m", "pip", "install", "--prefer-binary", "--quiet", *runtime.requirements]


def pip_reason(output: str) -> str:
    """The lines of pip's output that say why it failed, on one line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    # pip's own error lines; "\u00d7" (the multiplication sign) opens its summary of a failed build
    errors = [line for line in lines if line.lower().startswith(("error:", "\u00d7 "))]
    chosen = (errors or lines)[-REASON_LINES:]
    return " | ".join(chosen) if chosen else "pip printed nothing"


def record_failure(record: Path, runtime: Runtime, status: int, output: str) -> str:
    """Add the failed install of ``runtime`` to ``record`` (a JSON object by runtime); return the reason."""
    return _record(record, runtime.name, runtime.requirements, status, output)


def _record(record: Path, key: str, requirements: Sequence[str], status: int, output: str) -> str:
    reason = (f"`pip install --prefer-binary {' '.join(requirements)}` failed "
              f"(exit status {status}): {pip_reason(output)}")
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
        if not isinstance(recorded, dict):
            recorded = {}
    except (OSError, ValueError):
        recorded = {}
    recorded[key] = {"requirements": list(requirements), "status": status, "reason": reason}
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")
    return reason


def install(runtime: Runtime, record: Path | None, command: Sequence[str] | None = None) -> int:
    """Install ``runtime``; on failure record pip's reason (if ``record``) and return pip's status."""
    if not runtime.requirements:
        print(f"{runtime.name} is part of the standard library: nothing to install")
        return 0
    done = subprocess.run(list(command or pip_command(runtime)), capture_output=True, text=True,
                          check=False)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        reason = (record_failure(record, runtime, done.returncode, done.stdout + done.stderr)
                  if record is not None else pip_reason(done.stdout + done.stderr))
        print(f"conformance: {runtime.name} could not be installed; its cells will be unavailable: "
              f"{reason}", file=sys.stderr)
    return done.returncode


def library_requirements() -> list[str]:
    """The requirements of this package's ``libraries`` extra (the libraries area's drivers and clients),
    from its installed metadata, without their markers."""
    from importlib import metadata

    from packaging.requirements import Requirement

    found = []
    for text in metadata.requires("conformance") or []:
        requirement = Requirement(text)
        if requirement.marker is not None and requirement.marker.evaluate({"extra": "libraries"}) \
                and not requirement.marker.evaluate({"extra": ""}):
            requirement.marker = None
            found.append(str(requirement))
    return found


def install_libraries(record: Path | None) -> int:
    """Install each library of the ``libraries`` extra on its own, so that one that cannot be built here
    (no wheel, no headers) costs its own cells only: they say ``unavailable`` with pip's reason, recorded
    as ``library:<distribution>``. Returns how many failed."""
    from packaging.requirements import Requirement

    failed = 0
    for requirement in library_requirements():
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--prefer-binary", "--quiet",
                               requirement], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            failed += 1
            key = f"library:{Requirement(requirement).name.lower()}"
            reason = (_record(record, key, [requirement], done.returncode, done.stdout + done.stderr)
                      if record is not None else pip_reason(done.stdout + done.stderr))
            print(f"conformance: {requirement} could not be installed; its cells will be unavailable: "
                  f"{reason}", file=sys.stderr)
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance._parent.install", description=__doc__)
    parser.add_argument("runtime", help=f"one of: {', '.join(BUILTIN_RUNTIMES)}, or one an installed "
                                        "package adds")
    parser.add_argument("--libraries", action="store_true",
                        help="also install the libraries area's drivers and clients, one by one")
    args = parser.parse_args(argv)
    try:
        runtime = get_runtime(args.runtime)
    except (UnknownRuntime, PluginError) as exc:
        parser.error(str(exc))
    given = os.environ.get(INSTALL_RECORD_VARIABLE)
    install(runtime, Path(given) if given else None)
    if args.libraries:
        install_libraries(Path(given) if given else None)
    # Tolerated: the env goes on, and every cell of the runtime says `unavailable` with pip's reason.
    return 0


if __name__ == "__main__":
    sys.exit(main())
