"""One child process: spawn it with its job, enforce the deadline, and classify how it ended.

A harness failure (a malformed result, a signal request the parent could not honour) is never reported
as the runtime's outcome: it is an ``error`` with ``harness_error`` set.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, DocumentError
from conformance._os.processes import kill_group, start_in_group
from conformance._parent.signals import SignalDeliverer

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
    # The child's signal requests the parent could not honour (conformance._parent.signals).
    signal_errors: tuple[str, ...] = ()
    # When the parent saw it exit, on time.monotonic()'s clock (None: killed at the deadline).
    ended_monotonic: float | None = None


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
    if CONTROL_PIPE:  # the pipe on which the child asks for signals (conformance._model.control)
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
        ended_monotonic = None
        try:
            timed_out = not _wait(process, timeout_s)
            if not timed_out:
                ended_monotonic = time.monotonic()
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
        signal_errors=tuple(deliverer.errors) if deliverer is not None else (),
        ended_monotonic=ended_monotonic,
    )


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def last_line(text: str) -> str:
    """The last line of ``text`` that is not blank (the exception a traceback ends with), cut to 200
    characters; "" for none."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


RESULT_FIELDS = {"outcome", "reason", "duration_s", "max_stall_ms", "measurements", "details",
                 "runtime_version", "imported_before_setup"}


def _path_prefixes() -> list[tuple[str, str]]:
    """Folders of this machine that tracebacks and stacks mention, and the names a reader sees instead.

    Run documents are published and merged across machines: a path of the machine that ran them
    says nothing to a reader and leaks its layout.
    """
    import site
    import sysconfig

    suite = str(Path(__file__).resolve().parents[2])
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


_PATH_PREFIXES = _path_prefixes()


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
    if end.signal_errors:
        # The body waited for a signal that never came: whatever it concluded is not the runtime's.
        return Cell(scenario=scenario, runtime=runtime, outcome=Outcome.ERROR, harness_error=True,
                    reason=f"harness error: {'; '.join(end.signal_errors)}",
                    duration_s=end.elapsed_s, details=details)
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
        why = f"the child was killed by {signal_name(-code)} without a result"
    elif code == 0:
        why = "the child exited with status 0 without writing a result"
    else:
        why = f"the child exited with status {code} without a result"
    last = last_line(end.stderr_tail)
    if last:
        why += f" (stderr: {last})"
    return Cell(scenario=scenario, runtime=runtime, outcome=Outcome.CRASH, reason=why,
                duration_s=end.elapsed_s, details=details)
