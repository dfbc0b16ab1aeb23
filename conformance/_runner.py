"""The parent side of a cell: start its peers, spawn its child, enforce the deadline, classify the end.

The parent never sets up a runtime. Each cell gets a child process of its own (runtimes are
process-global, and a crash or a hang must cost one cell only), started in a new process group so that
the child and everything it spawned can be killed together.
"""

from __future__ import annotations

import functools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ._control import SignalDeliverer
from ._expectations import Expectations
from ._outcomes import Outcome
from ._peers import PeerError, PeerProcess
from ._processes import kill_group, start_in_group
from ._results import Cell, DocumentError
from ._runtimes import Availability, Runtime, availability
from ._scenarios import Scenario
from ._system_resolver import CommandRunner, IsolatedResolver, run_command, system_resolver

CHILD_COMMAND = (sys.executable, "-m", "conformance._child")
OUTPUT_TAIL_BYTES = 8000
# Time the child gets past its deadline to write its result, and the parent to collect a killed child.
GRACE_S = 5.0
# Whether the child gets a pipe on which to ask the parent for signals: it is passed with pass_fds, which
# Windows lacks (its cells that need signals from outside are skipped with the reason).
CONTROL_PIPE = sys.platform != "win32"


@dataclass(frozen=True)
class ChildEnd:
    """How a child process ended, before any classification."""

    returncode: int | None  # None: killed by the parent's deadline
    timed_out: bool
    result_text: str | None
    stack: str
    stdout_tail: str
    stderr_tail: str
    elapsed_s: float


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - OUTPUT_TAIL_BYTES))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return text if size <= OUTPUT_TAIL_BYTES else f"[... {size - OUTPUT_TAIL_BYTES} bytes cut]\n{text}"


def _wait(process: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Wait for the child to exit; False if it is still running after ``timeout_s``.

    ``Popen.wait(timeout)`` polls with sleeps of up to 50 ms on POSIX, which would add tens of
    milliseconds to every cell; a pidfd (Linux 5.3+) wakes the parent the moment the child exits.
    """
    if sys.platform == "linux" and hasattr(os, "pidfd_open"):
        try:
            fd = os.pidfd_open(process.pid)
        except OSError:
            pass  # the kernel lacks pidfds, or the child is already gone: Popen.wait copes with both
        else:
            try:
                poller = select.poll()  # not select(): descriptors above 1024 are fine
                poller.register(fd, select.POLLIN)
                exited = bool(poller.poll(timeout_s * 1000))
            finally:
                os.close(fd)
            # The child is left unreaped (a zombie still holds its process-group id), so the
            # group kill that follows cannot hit a group that reused the id.
            return exited
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        return False
    return True


def run_child(command: Sequence[str], job: Mapping[str, Any], folder: Path, timeout_s: float,
              env: Mapping[str, str] | None = None) -> ChildEnd:
    """Spawn ``command`` with ``job`` (plus the paths it must write to) on stdin, and wait for it.

    Output goes to files in ``folder``, never to pipes: a child that prints megabytes cannot block.
    """
    result_path, stack_path = folder / "result.json", folder / "stack.txt"
    stdout_path, stderr_path = folder / "stdout.txt", folder / "stderr.txt"
    # The deadline is absolute on time.monotonic() (one clock for all processes of a machine), so a
    # child that is slow to start still dumps its stack before the parent kills it.
    job = {**job, "result_path": str(result_path), "stack_path": str(stack_path),
           "timeout_s": timeout_s, "deadline_monotonic": time.monotonic() + timeout_s}
    kwargs: dict[str, Any] = {}
    deliverer, write_fd = None, -1
    if CONTROL_PIPE:  # the pipe on which the child asks for signals (conformance._control)
        read_fd, write_fd = os.pipe()
        deliverer = SignalDeliverer(read_fd, folder / "signals.jsonl")
        kwargs["pass_fds"] = (write_fd,)
        job = {**job, "control_fd": write_fd, "signal_log": str(folder / "signals.jsonl")}
    started = time.perf_counter()
    job_path = folder / "job.json"
    # The job is a file on stdin, not a pipe: a child that never reads it cannot block the parent.
    job_path.write_text(json.dumps({**job}), encoding="utf-8")
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr, \
            open(job_path, "rb") as job_file:
        try:
            process = start_in_group(
                list(command), stdin=job_file, stdout=stdout, stderr=stderr, cwd=folder,
                env=dict(env) if env is not None else None, **kwargs)
        finally:
            if deliverer is not None:
                os.close(write_fd)  # the child's copy is the only writer left
        if deliverer is not None:
            deliverer.start(process.pid)
        try:
            timed_out = not _wait(process, timeout_s)
        finally:
            # Always, even after a clean exit: a grandchild may still hold the group.
            kill_group(process)
            process.wait()
            if deliverer is not None:
                deliverer.join()
    elapsed = time.perf_counter() - started
    try:
        result_text: str | None = result_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        result_text = None
    except (OSError, UnicodeDecodeError) as exc:
        result_text = f"<unreadable: {exc}>"
    try:
        stack = stack_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        stack = ""
    return ChildEnd(
        returncode=None if timed_out else process.returncode,
        timed_out=timed_out,
        result_text=result_text,
        stack=stack,
        stdout_tail=_tail(stdout_path),
        stderr_tail=_tail(stderr_path),
        elapsed_s=elapsed,
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


RESULT_FIELDS = {"outcome", "reason", "duration_s", "max_stall_ms", "measurements", "details",
                 "runtime_version", "imported_before_setup"}


def _path_prefixes() -> list[tuple[str, str]]:
    """Folders of this machine that tracebacks and stacks mention, and the names a reader sees instead.

    Run documents are published and merged across machines: a path of the machine that ran them
    says nothing to a reader and leaks its layout.
    """
    import site
    import sysconfig

    suite = str(Path(__file__).resolve().parent.parent)
    candidates = [
        *[(p, "<site-packages>") for p in {sysconfig.get_paths()["purelib"],
                                          sysconfig.get_paths()["platlib"],
                                          *getattr(site, "getsitepackages", list)()}],
        (sysconfig.get_paths()["stdlib"], "<stdlib>"),
        (suite, "<suite>"),
        (sys.prefix, "<python>"),
        (sys.base_prefix, "<python>"),
        (tempfile.gettempdir(), "<tmp>"),
        (str(Path.home()), "~"),
    ]
    # Longest first, so that a site-packages inside the suite's own virtualenv is named as such.
    return sorted({(p, name) for p, name in candidates if p and p != os.sep},
                  key=lambda item: -len(item[0]))


def portable_paths(text: str) -> str:
    """``text`` with this machine's folders replaced by neutral names (``<suite>/conformance/...``)."""
    for prefix, name in _PATH_PREFIXES:
        text = text.replace(prefix, name)
    return text


def _portable(cell: Cell) -> Cell:
    return replace(cell, reason=portable_paths(cell.reason),
                   details={k: portable_paths(v) for k, v in cell.details.items()})


def classify(end: ChildEnd, scenario: str, runtime: str, timeout_s: float) -> Cell:
    """Turn how a child ended into a cell. A harness failure is never reported as a runtime's outcome."""
    return _portable(_classify(end, scenario, runtime, timeout_s))


def _classify(end: ChildEnd, scenario: str, runtime: str, timeout_s: float) -> Cell:
    details = {k: v for k, v in (("stderr", end.stderr_tail), ("stdout", end.stdout_tail)) if v}
    if end.result_text is not None:
        try:
            data = json.loads(end.result_text)
            if not isinstance(data, dict):
                raise DocumentError(f"the result is a JSON {type(data).__name__}, not an object")
            unknown = set(data) - RESULT_FIELDS
            if unknown:
                raise DocumentError(f"the result has unknown fields {sorted(unknown)}")
            extra = dict(data.get("details") or {})
            if data.get("imported_before_setup"):
                extra["imported_before_setup"] = ", ".join(data["imported_before_setup"])
            if data.get("runtime_version"):
                extra["runtime_version"] = str(data["runtime_version"])
            if end.timed_out:
                extra["note"] = "the child wrote its result but did not exit before the deadline"
            return Cell(
                scenario=scenario, runtime=runtime,
                outcome=Outcome.parse(data.get("outcome")),
                reason=str(data.get("reason") or ""),
                duration_s=float(data.get("duration_s", end.elapsed_s)),
                max_stall_ms=data.get("max_stall_ms"),
                measurements=dict(data.get("measurements") or {}),
                details={**details, **{k: str(v) for k, v in extra.items()}},
            )
        except (ValueError, TypeError, DocumentError) as exc:
            return Cell(scenario=scenario, runtime=runtime, outcome=Outcome.ERROR,
                        reason=f"harness error: malformed result from the child: {exc}",
                        duration_s=end.elapsed_s, harness_error=True,
                        details={**details, "result": end.result_text[:OUTPUT_TAIL_BYTES]})
    if end.timed_out:
        if end.stack:
            details["stack"] = end.stack
        return Cell(scenario=scenario, runtime=runtime, outcome=Outcome.TIMEOUT,
                    reason=f"no result after {timeout_s:g} s; the child's process group was killed",
                    duration_s=end.elapsed_s, details=details)
    code = end.returncode
    if code is not None and code < 0:
        why = f"the child was killed by {_signal_name(-code)} without a result"
    elif code == 0:
        why = "the child exited with status 0 without writing a result"
    else:
        why = f"the child exited with status {code} without a result"
    last = end.stderr_tail.strip().splitlines()[-1:] if end.stderr_tail.strip() else []
    if last:
        why += f" (stderr: {last[0][:200]})"
    return Cell(scenario=scenario, runtime=runtime, outcome=Outcome.CRASH, reason=why,
                duration_s=end.elapsed_s, details=details)


# Variables that would change what a cell measures: asyncio's debug mode slows loops; glibc reads
# RES_OPTIONS, LOCALDOMAIN and HOSTALIASES over resolv.conf; libuv sizes its pool (uvloop's resolver
# concurrency) from UV_THREADPOOL_SIZE.
CLEARED_ENVIRONMENT = ("PYTHONASYNCIODEBUG", "RES_OPTIONS", "LOCALDOMAIN", "HOSTALIASES",
                       "UV_THREADPOOL_SIZE")


_PATH_PREFIXES = _path_prefixes()


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # The child must import this very package, installed or not.
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    for name in CLEARED_ENVIRONMENT:
        env.pop(name, None)
    for name in [n for n in env if n.startswith(("GEVENT_", "EVENTLET_"))]:
        env.pop(name)  # they switch a runtime's resolver, hub or loop: a variant is a runtime of its own
    return env


NSSWITCH = "hosts: files dns\nnetworks: files\n"
# Run by sh in the private mount namespace: $0 is the stub's resolv.conf, $1 the nsswitch.conf, and
# the rest the child's command. nscd's socket is hidden so glibc cannot ask a cache outside.
ISOLATION_SCRIPT = (
    'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf && '
    '{ [ ! -d /run/nscd ] || mount -t tmpfs tmpfs /run/nscd; } && shift && exec "$@"'
)


def isolated_resolver_command(stub: Mapping[str, Any], *, platform: str | None = None,
                              environ: Mapping[str, str] | None = None,
                              run_commands: CommandRunner = run_command) -> IsolatedResolver | str:
    """How the child gets a resolver through which the system's real resolution path (getaddrinfo,
    gevent's resolvers, libuv's and trio's threads) asks the stub DNS server; a string: why that
    cannot be arranged here.

    Linux: the child's command line in a private mount namespace whose /etc/resolv.conf names only
    the stub. macOS and Windows: the plain command line, plus the system resolver's configuration
    for the stub's zone (``conformance._system_resolver``), made only where the environment allows
    it (``CONFORMANCE_SYSTEM_RESOLVER=1``) and run with ``run_commands``.
    """
    platform = platform or sys.platform
    if platform != "linux":
        system = system_resolver(stub, platform, os.environ if environ is None else environ,
                                 run_commands)
        return system if isinstance(system, str) else IsolatedResolver(CHILD_COMMAND, system)
    if "unavailable" in stub:
        return f"no controllable resolver: {stub['unavailable']}"
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no controllable resolver: the unshare command (util-linux) is not installed"
    # Only files and DNS for host names (no nscd, no systemd-resolved, no mDNS module that could
    # carry a test name off this machine), and DNS means the stub alone.
    nsswitch = Path(stub["resolv_conf"]).with_name("nsswitch.conf")
    nsswitch.write_text(NSSWITCH)
    prefix = [unshare, "--mount", "--propagation", "private", "sh", "-c", ISOLATION_SCRIPT]
    problem = _namespace_problem(tuple(prefix))
    if problem:
        return f"no controllable resolver: {problem}"
    return IsolatedResolver([*prefix, str(stub["resolv_conf"]), str(nsswitch), *CHILD_COMMAND])


@functools.lru_cache(maxsize=1)
def _namespace_problem(prefix: tuple[str, ...]) -> str | None:
    """Try the namespace once (it needs root, or a kernel and a sandbox that allow it)."""
    with tempfile.TemporaryDirectory() as folder:
        resolv, nsswitch = Path(folder) / "resolv.conf", Path(folder) / "nsswitch.conf"
        resolv.write_text("nameserver 127.0.0.1\n")
        nsswitch.write_text(NSSWITCH)
        try:
            done = subprocess.run([*prefix, str(resolv), str(nsswitch), "true"], capture_output=True,
                                  text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"unshare could not run: {exc}"
    if done.returncode != 0:
        return (f"a private mount namespace over /etc/resolv.conf cannot be made here "
                f"({(done.stderr.strip() or f'status {done.returncode}')[:200]}); it needs root")
    return None


class CellRunner:
    """Runs cells of this platform and applies the expectations to each."""

    def __init__(self, expectations: Expectations | None = None,
                 environment: Mapping[str, str] | None = None,
                 job_extra: Mapping[str, Any] | None = None) -> None:
        from ._run_info import marker_environment

        self.expectations = expectations or Expectations([])
        self.environment = dict(environment) if environment is not None else marker_environment()
        self._availability: dict[str, Availability] = {}
        # Added to every child's job (``{"bench": ...}`` for bench cells).
        self.job_extra = dict(job_extra or {})

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
            command: Sequence[str] = CHILD_COMMAND
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
                "tmpdir": str(cell_dir),
                "stall_limit_ms": scenario.stall_limit_ms,
                **self.job_extra,
            }
            end = run_child(command, job, folder, scenario.timeout_s, env=_child_env())
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
