"""Shared by the SIGCHLD scenarios: a program's own SIGCHLD handler next to a child it waits for
(signals.sigchld_subprocess, signals.sigchld_style_handler: the sync body, and the check of the return
code and of the handler's calls), and what became of a child whose wait gave up
(signals.sigchld_after_spawn, signals.sigchld_default_then_spawn).

POSIX only: each function stops at once on Windows (the scenarios are not applicable there).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

from conformance import Context


def run_with_handler(command: Sequence[str], wait_s: float,
                     handler_s: float) -> tuple[int, list[float], float]:
    """Blocking code: ``signal.signal(SIGCHLD, handler)``, then ``subprocess.run(command)`` (bounded by
    ``wait_s``), then up to ``handler_s`` for the handler to have run; the previous handler is put
    back. Returns the return code, the ``time.monotonic()`` of each handler call and when the wait
    returned."""
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs these scenarios there
        raise AssertionError("not applicable on win32")
    calls: list[float] = []

    def on_sigchld(signum: int, frame: object) -> None:
        calls.append(time.monotonic())

    previous = signal.signal(signal.SIGCHLD, on_sigchld)
    try:
        returncode = subprocess.run(command, timeout=wait_s).returncode
        waited_at = time.monotonic()
        deadline = waited_at + handler_s
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    return returncode, calls, waited_at


def check_handler(ctx: Context, returncode: object, exit_code: int, calls: list[float], waited_at: float,
                  code_what: str, not_run: str) -> None:
    """The child's ``returncode`` is ``exit_code`` (``code_what`` names it), the handler ran
    (``not_run`` says otherwise), measured as ``handler_calls`` and ``handler_after_wait_ms``."""
    ctx.expect_equal(returncode, exit_code, code_what)
    ctx.measure("handler_calls", len(calls))
    ctx.expect(calls, not_run)
    ctx.measure("handler_after_wait_ms", (calls[0] - waited_at) * 1000)


def lost(pid: int) -> str:
    """After a wait that timed out: what became of the child (reaped here, so that nothing is left)."""
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    deadline = time.monotonic() + 2.0
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return (f"the child had exited with code {os.waitstatus_to_exitcode(status)}, unreaped, "
                    "and the wait was never told")
        os.kill(pid, signal.SIGKILL)
        while not done and time.monotonic() < deadline:
            time.sleep(0.01)
            done, _ = os.waitpid(pid, os.WNOHANG)
        return "the child was still running (killed now)"
    except ChildProcessError:
        return "the child had been reaped, but the wait was never told"
