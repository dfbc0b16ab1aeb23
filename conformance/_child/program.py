"""The child process of a program cell: set the runtime up, then run the scenario's program as this
process's main program, and end the way that program ends.

Run as ``python -m conformance._child.program`` with the job (JSON) on stdin, like a cell's child
(``conformance._child.cell``), with two differences: the scenario's ``program_<style>(ctx)`` calls the
style's entry point itself (``asyncio.run``, ``trio.run``, ``reactor.run``), and nothing here decides
the outcome or cuts the program's end short. An exception it does not catch ends this process as it
would end ``python program.py`` (a traceback and status 1; an uncaught KeyboardInterrupt, death by
SIGINT); the interpreter's own shutdown runs (non-daemon threads are joined, atexit runs). The parent
judges what happened (``conformance._parent.programs``). A result file is written only where the program
never ran: the runtime is unavailable, or the program skipped itself before its entry point.
"""

from __future__ import annotations

import faulthandler
import json
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from conformance._child.cell import dump_stacks_before_deadline, set_up_runtime, write_result


class ProgramContext:
    """Handed to a program scenario's ``program_<style>(ctx)``: a private folder, and a record of what
    the program sees, kept line by line (a program killed at the deadline keeps what it recorded)."""

    def __init__(self, *, runtime: Any, tmpdir: Path, records_path: Path, control_fd: int | None,
                 signal_log: Path | None) -> None:
        self._runtime = runtime
        self.tmpdir = tmpdir
        self._records = open(records_path, "a", encoding="utf-8")  # noqa: SIM115 - the program's life
        # A text file is not thread-safe (the io module's documentation says so): the sync program's
        # threads record at the same instant when Ctrl-C ends their waits, and one of their lines was
        # once lost. Made after the runtime's set-up, so under gevent and eventlet it is theirs.
        import threading

        self._records_lock = threading.RLock()  # re-entrant: a signal handler may record too
        self._control_fd = control_fd
        self._signal_log = signal_log

    def record(self, name: str, value: Any = True) -> None:
        """Note what the program saw (``ctx.record("finally", "sleeper")``), with the time; ``value``
        is any JSON value."""
        from conformance._model.programs import record_line

        line = record_line(name, value, time.monotonic())
        with self._records_lock:
            self._records.write(line)
            self._records.flush()

    def asyncio_run(self, main: Coroutine[Any, Any, Any]) -> None:
        """The asyncio style's entry point, on this runtime's loop, as its users start it: on 3.11+
        ``asyncio.Runner(loop_factory=<the loop's new_event_loop>).run(main)`` (``asyncio.run(main)``
        on the standard loop); before 3.11 ``asyncio.run(main)``, or the loop's own ``run()``
        (``uvloop.run``), or its event loop policy. Whatever the run raises comes out."""
        from conformance._runtimes import _asyncio

        _asyncio.start(self._runtime, main)

    def interrupt_me(self, name: str = "SIGINT", *, delay_s: float = 0.2) -> None:
        """Ask the parent to send signal ``name`` to this program's whole process group ``delay_s``
        from now, as a terminal sends Ctrl-C. Returns at once."""
        from conformance._child.signals import request_signal

        request_signal(self._control_fd, name, delay_s, 1, 0.0, to_group=True)

    def skip(self, reason: str) -> Exception:
        """``raise ctx.skip(reason)`` before the entry point: a precondition the harness could not
        arrange (the cell is ``skipped``, with the reason)."""
        from conformance._model.outcomes import Skipped

        return Skipped(reason)


def main() -> None:
    job: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    dump_stacks_before_deadline(job)
    result_path = Path(job["result_path"])
    ready = set_up_runtime(job)
    if isinstance(ready, dict):
        write_result(result_path, ready)
        return

    from conformance._model.outcomes import NotApplicable, Outcome, Skipped
    from conformance._model.scenarios import import_scenario_module, program_of

    program = program_of(import_scenario_module(Path(job["scenario_path"])), ready.runtime.style)
    ctx = ProgramContext(runtime=ready.runtime, tmpdir=Path(job["tmpdir"]),
                         records_path=Path(job["records_path"]),
                         control_fd=job.get("control_fd"),
                         signal_log=Path(job["signal_log"]) if job.get("signal_log") else None)
    ctx.record("runtime_version", ready.version)
    try:
        program(ctx)
    except (Skipped, NotApplicable) as exc:
        outcome = Outcome.SKIPPED if isinstance(exc, Skipped) else Outcome.NOT_APPLICABLE
        write_result(result_path, {"outcome": outcome.value, "reason": str(exc),
                                   "runtime_version": ready.version})
    # Anything else the program raised propagates: this process ends as the program would.
    finally:
        faulthandler.cancel_dump_traceback_later()


if __name__ == "__main__":
    main()
