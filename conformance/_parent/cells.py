"""The parent side of a cell: start its peers, give its child a resolver, run the child, apply the
expectations; and many cells at once.

The parent never sets up a runtime. Each cell gets a child process of its own (runtimes are
process-global, and a crash or a hang must cost one cell only), started in a new process group so that
the child and everything it spawned can be killed together (``conformance._parent.child_process``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.scenarios import Scenario
from conformance._os.system_resolver import IsolatedResolver
from conformance._parent.child_process import CHILD_COMMAND, classify, run_child
from conformance._parent.peers import PeerError, PeerProcess
from conformance._parent.programs import PROGRAM_COMMAND, judge_program, program_job
from conformance._parent.resolver import isolated_resolver_command
from conformance._parent.servers import Servers
from conformance._runtimes import Availability, Runtime, availability

# Variables that would change what a cell measures: asyncio's debug mode slows loops; glibc reads
# RES_OPTIONS, LOCALDOMAIN and HOSTALIASES over resolv.conf; libuv sizes its pool (uvloop's resolver
# concurrency) from UV_THREADPOOL_SIZE.
CLEARED_ENVIRONMENT = ("PYTHONASYNCIODEBUG", "RES_OPTIONS", "LOCALDOMAIN", "HOSTALIASES",
                       "UV_THREADPOOL_SIZE")


def child_environment(runtime: Runtime) -> dict[str, str]:
    """The environment of a child that runs ``runtime``: this one, with the package importable, the
    variables that would change what is measured cleared, and the runtime's own (a gevent
    configuration's ``GEVENT_RESOLVER``, ``GEVENT_LOOP``)."""
    env = dict(os.environ)
    # The child must import this very package, installed or not.
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    for name in CLEARED_ENVIRONMENT:
        env.pop(name, None)
    return runtime.process_environment(env)


class CellRunner:
    """Runs cells of this platform and applies the expectations to each."""

    def __init__(self, expectations: Expectations | None = None,
                 environment: Mapping[str, str] | None = None,
                 job_extra: Mapping[str, Any] | None = None) -> None:
        from conformance._parent.run_info import marker_environment

        self.expectations = expectations or Expectations([])
        self.environment = dict(environment) if environment is not None else marker_environment()
        self._availability: dict[str, Availability] = {}
        # Added to every child's job (``{"bench": ...}`` for bench cells).
        self.job_extra = dict(job_extra or {})
        # The database servers of the run (SERVERS), started on first use; close() stops them.
        self.servers = Servers()

    def close(self) -> None:
        """Stop what the run started for its cells (the database servers)."""
        self.servers.close()

    def __enter__(self) -> CellRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def availability(self, runtime: Runtime) -> Availability:
        if runtime.name not in self._availability:
            self._availability[runtime.name] = availability(runtime)
        return self._availability[runtime.name]

    def run(self, scenario: Scenario, runtime: Runtime) -> Cell:
        cell = self._run(scenario, runtime)
        if cell.outcome is Outcome.BLOCKING:
            cell = self._confirm_blocking(cell, scenario, runtime)
        expectation = self.expectations.match(scenario.id, runtime.name, self.environment)
        return cell.with_expectation(expectation)

    def _confirm_blocking(self, first: Cell, scenario: Scenario, runtime: Runtime) -> Cell:
        """Run a ``blocking`` cell once more and keep the attempt with the smaller stall.

        Machine load only ever adds to a stall (the OS pausing the whole child looks like a stalled
        scheduler), so the smaller of two is the better estimate of the runtime's own; a runtime
        that really blocks stalls both times.
        """
        second = self._run(scenario, runtime)
        if second.outcome not in (Outcome.PASS, Outcome.BLOCKING):
            # Not a measurement of the same thing: keep the first, and say what the second did.
            return replace(first, details={
                **first.details,
                "second_attempt": f"{second.outcome.value}: {second.reason}"})
        stalls = [c.max_stall_ms for c in (first, second)]
        def stall(cell: Cell) -> float:
            return cell.max_stall_ms if cell.max_stall_ms is not None else float("inf")

        kept = second if stall(second) < stall(first) else first
        return replace(kept, details={
            **kept.details,
            "stall_attempts_ms": ", ".join(f"{s:.1f}" if s is not None else "none" for s in stalls)})

    def _run(self, scenario: Scenario, runtime: Runtime) -> Cell:
        found = self.availability(runtime)
        if not found.available:
            return Cell(scenario.id, runtime.name, Outcome.UNAVAILABLE, reason=found.reason)
        reason = scenario.not_applicable_reason(sys.platform)
        if reason:
            return Cell(scenario.id, runtime.name, Outcome.NOT_APPLICABLE, reason=reason)
        if runtime.style not in scenario.styles:
            return Cell(scenario.id, runtime.name, Outcome.ERROR, harness_error=True,
                        reason=f"harness error: the scenario has no {runtime.style} body "
                               f"(run_{runtime.style} in {scenario.path.name})")
        if not scenario.configurations and runtime.configuration_of:
            return Cell(scenario.id, runtime.name, Outcome.SKIPPED,
                        reason=f"{runtime.name} is a configuration of {runtime.configuration_of} (its "
                               f"{runtime.name.removeprefix(runtime.configuration_of + '-')}), which cannot "
                               f"change what this scenario measures: the {runtime.configuration_of} column "
                               "answers for it")
        servers: dict[str, dict[str, Any]] = {}
        started_here: dict[str, str] = {}
        for name in scenario.servers:
            server, first = self.servers.get(name)
            if server.unavailable:
                return Cell(scenario.id, runtime.name, Outcome.SKIPPED,
                            reason=f"no {name} server: {server.unavailable}")
            servers[name] = server.address
            if first:  # this cell's time includes the start: say so beside it
                started_here[f"{name}_start_s"] = f"{server.start_s:.3f}"
        cell = self._run_child(scenario, runtime, servers)
        if started_here:
            cell = replace(cell, details={**cell.details, **started_here})
        return cell

    def _run_child(self, scenario: Scenario, runtime: Runtime, servers: Mapping[str, Any]) -> Cell:
        # Short: a Unix socket path in it must stay under macOS's 104 bytes (its $TMPDIR is long).
        folder = Path(tempfile.mkdtemp(prefix="cf-", dir="/tmp" if sys.platform == "darwin" else None))
        peers: PeerProcess | None = None
        resolver: IsolatedResolver | None = None
        try:
            try:
                peers = PeerProcess(scenario.peers, folder) if scenario.peers else None
            except PeerError as exc:
                return Cell(scenario.id, runtime.name, Outcome.ERROR, harness_error=True,
                            reason=f"harness error: {exc}")
            command: Sequence[str] = PROGRAM_COMMAND if scenario.program else CHILD_COMMAND
            if scenario.isolated_resolver:
                assert peers is not None
                isolated = isolated_resolver_command(peers.addresses["dns_stub"])
                if isinstance(isolated, str):
                    return Cell(scenario.id, runtime.name, Outcome.SKIPPED, reason=isolated)
                # Released in the finally below, whatever ends the cell (a timeout, an error, Ctrl-C).
                resolver = isolated
                problem = resolver.configure()
                if problem:
                    return Cell(scenario.id, runtime.name, Outcome.SKIPPED, reason=problem)
                command = resolver.command
            cell_dir = folder / "cell"
            cell_dir.mkdir()
            job = {
                "runtime": runtime.name,
                # The whole description: the child sets up a runtime an installed package added
                # without reading the installed packages' metadata (conformance._runtimes).
                "runtime_spec": runtime.to_json(),
                "scenario_path": str(scenario.path),
                "peers": peers.addresses if peers else {},
                "servers": dict(servers),
                "tmpdir": str(cell_dir),
                "stall_limit_ms": scenario.stall_limit_ms,
                **(program_job(folder) if scenario.program else {}),
                **self.job_extra,
            }
            end = run_child(command, job, folder, scenario.timeout_s, env=child_environment(runtime))
            if scenario.program:
                return judge_program(end, scenario, runtime.name, folder)
            return classify(end, scenario.id, runtime.name, scenario.timeout_s)
        finally:
            if resolver is not None:  # before the stub stops: the system never names a dead server
                resolver.release()
            if peers is not None:
                peers.stop()
            shutil.rmtree(folder, ignore_errors=True)


def run_cells(runner: CellRunner, pairs: Iterable[tuple[Scenario, Runtime]], jobs: int,
              on_cell: Callable[[Cell], None]) -> None:
    """Run every (scenario, runtime) pair, ``jobs`` at a time, calling ``on_cell`` as each finishes.

    The parent's workers are plain threads: each only waits on its child process. On Ctrl-C the cells
    not started are dropped, the running ones finish (each within its own deadline) and are reported,
    then KeyboardInterrupt propagates: nothing already measured is lost.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    futures = [pool.submit(runner.run, s, r) for s, r in pairs]
    reported: set[int] = set()
    try:
        for future in as_completed(futures):
            reported.add(id(future))
            on_cell(future.result())
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        for future in futures:
            if id(future) not in reported and not future.cancelled():
                on_cell(future.result())
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
