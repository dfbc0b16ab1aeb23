"""``conformance repro``: the standalone script behind a known deviation, run without the suite.

Every observed entry of the expectations names a reproducer (``repro = "AREA/repro/NAME.py"``, under the
scenarios folder): a script of a few dozen lines that uses the runtime and the standard library only (no
harness), shows the same deviation, and says so. It is how a finding is told from an artefact of the
suite, and what a runtime's maintainer needs to act on a cell.

The script's contract: ``python SCRIPT RUNTIME`` (the runtime's name, so that one script can serve
``twisted`` and ``twisted-asyncio``); it prints what it does and sees, ends with a line that starts
``REPRODUCED:`` or ``NOT REPRODUCED:``, and exits 0 or 1 accordingly (any other status: the script
itself broke). Every wait in it is bounded, and it leaves no process behind. A reproducer of a scenario
that talks to a database server (``SERVERS``) finds the server the suite started for it in variables:
``CONFORMANCE_POSTGRESQL_HOST``, ``..._PORT``, ``..._USER``, ``..._DATABASE`` (and so for MARIADB and
REDIS).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from conformance._model.expectations import (
    Entry,
    Expectations,
    ExpectationsError,
    pattern_filter,
    pattern_matches,
)
from conformance._model.scenarios import Scenario
from conformance._runtimes import RUNTIMES, availability, get_runtime

REPRODUCED, NOT_REPRODUCED = "reproduced", "not reproduced"
BROKEN = "broken"
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Reproducer:
    """One reproducer for one runtime: ``sockets.peer_reset[eventlet]``."""

    scenario: str  # the entry's scenario (a pattern where the entry covers several)
    runtime: str
    script: Path
    entry: Entry

    @property
    def id(self) -> str:
        return f"{self.scenario}[{self.runtime}]"

    def how(self, root: Path) -> str:
        """How it is run, as a shell line relative to the scenarios folder ``root``: a configuration of
        a runtime (gevent-ares) runs as that runtime, with its variables set."""
        runtime = get_runtime(self.runtime)
        variables = "".join(f"{name}={value} " for name, value in runtime.environment)
        # An installed package's reproducer is not under the scenarios folder: its whole path.
        script = self.script.relative_to(root) if self.script.is_relative_to(root) else self.script
        return f"{variables}{script.as_posix()} {runtime.repro_name}"

    def applies_here(self, environment: dict[str, str]) -> str | None:
        """Why it cannot run here (the entry's condition, the runtime's availability), or None."""
        if not self.entry.holds(environment):
            return f"its entry holds only where {self.entry.when}"
        found = availability(get_runtime(self.runtime))
        return None if found.available else found.reason


@dataclass(frozen=True)
class Run:
    reproducer: Reproducer
    status: str  # REPRODUCED, NOT_REPRODUCED or BROKEN
    output: str
    seconds: float


def reproducers(expectations: Expectations, scenarios_dir: Path) -> list[Reproducer]:
    """Every (entry with a reproducer, runtime it covers), in the file's order."""
    found = []
    for entry in expectations.entries:
        repro = entry.expectation.repro
        if repro is None:
            continue
        for runtime in pattern_filter(RUNTIMES, entry.runtime):
            found.append(Reproducer(entry.scenario, runtime, (entry.repro_root or scenarios_dir) / repro,
                                    entry))
    return found


def servers_of(reproducer: Reproducer, scenarios: Sequence[Scenario]) -> tuple[str, ...]:
    """The database servers the scenarios of the reproducer's entry talk to."""
    return tuple(sorted({name for s in scenarios if pattern_matches(s.id, reproducer.scenario)
                         for name in s.servers}))


def run(reproducer: Reproducer, timeout_s: float = TIMEOUT_S,
        variables: Mapping[str, str] | None = None) -> Run:
    """Run the script in a process of its own, with this interpreter (where the runtime is installed),
    with ``variables`` added to its environment (the servers' addresses)."""
    started = time.perf_counter()
    runtime = get_runtime(reproducer.runtime)
    env = {**runtime.process_environment(os.environ), "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8",
           **(variables or {})}
    try:
        done = subprocess.run([sys.executable, str(reproducer.script), runtime.repro_name],
                              capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=timeout_s, env=env, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or "") if isinstance(exc.stdout, str) else ""
        return Run(reproducer, BROKEN, output + f"\n(no end after {timeout_s:g} s: every wait of a "
                                                 "reproducer must be bounded)", time.perf_counter() - started)
    output = done.stdout + (f"\n{done.stderr}" if done.stderr.strip() else "")
    last = next((line.strip() for line in reversed(done.stdout.splitlines()) if line.strip()), "")
    if done.returncode == 0 and last.startswith("REPRODUCED:"):
        status = REPRODUCED
    elif done.returncode == 1 and last.startswith("NOT REPRODUCED:"):
        status = NOT_REPRODUCED
    else:
        status = BROKEN
    return Run(reproducer, status, output, time.perf_counter() - started)


def add_repro_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID",
                        help="reproducers to run, as `conformance repro --list` names them "
                             "(sockets.peer_reset[eventlet]); none: --list")
    parser.add_argument("--list", action="store_true", help="list every reproducer and whether it runs here")
    parser.add_argument("--all", action="store_true", help="run every reproducer that applies here")
    parser.add_argument("--scenarios", type=Path, metavar="DIR",
                        help="the scenarios folder (default: the suite's own)")
    parser.add_argument("--expectations", type=Path, metavar="FILE",
                        help="known deviations (default: expectations.toml in the scenarios folder)")


def cmd_repro(args: argparse.Namespace, console: Console) -> int:
    from conformance._model.scenarios import default_scenarios_dir
    from conformance._parent.run_info import marker_environment

    err = Console(stderr=True, highlight=False)
    root = args.scenarios or default_scenarios_dir()
    try:
        expectations = Expectations.of_suite(root, args.expectations, required=True)
    except ExpectationsError as exc:
        err.print(f"conformance: error: {exc}", style="red", soft_wrap=True, markup=False)
        return 2
    every = reproducers(expectations, root)
    environment = marker_environment()
    if args.list or not (args.ids or args.all):
        for reproducer in every:
            why = reproducer.applies_here(environment)
            console.print(f"{reproducer.id}  {reproducer.how(root)}"
                          + (f"  (not here: {why})" if why else ""), soft_wrap=True, markup=False)
        return 0
    by_id = {r.id: r for r in every}
    unknown = [i for i in args.ids if i not in by_id]
    if unknown:
        err.print(f"conformance: error: no reproducer {', '.join(unknown)}; `conformance repro --list` "
                  "names them all", style="red", soft_wrap=True, markup=False)
        return 2
    if args.ids:
        chosen: Sequence[Reproducer] = [by_id[i] for i in args.ids]
        cannot = [f"{r.id} cannot run here: {why}" for r in chosen if (why := r.applies_here(environment))]
        if cannot:
            err.print("conformance: error: " + "; ".join(cannot), style="red", soft_wrap=True, markup=False)
            return 2
    else:
        chosen = [r for r in every if r.applies_here(environment) is None]
    from conformance._model.scenarios import discover
    from conformance._parent.servers import Servers

    scenarios = discover(root)
    statuses = []
    with Servers() as servers:
        for reproducer in chosen:
            variables = servers.environment(servers_of(reproducer, scenarios))
            if isinstance(variables, str):
                console.print(f"{reproducer.id}: cannot run here: {variables}", soft_wrap=True, markup=False)
                statuses.append(NOT_REPRODUCED)
                continue
            statuses.append(_run_and_say(reproducer, variables, bool(args.ids), console))
    if BROKEN in statuses:
        return 2
    return 0 if all(s == REPRODUCED for s in statuses) else 1


def _run_and_say(reproducer: Reproducer, variables: Mapping[str, str], verbose: bool,
                 console: Console) -> str:
    result = run(reproducer, variables=variables)
    if verbose:
        console.print(result.output.rstrip(), soft_wrap=True, markup=False, highlight=False)
    console.print(f"{reproducer.id}: {result.status} ({result.seconds:.1f} s)", soft_wrap=True, markup=False)
    return result.status
