"""The parent side of a program cell: judge a whole program from how it ended.

The program's child (``conformance._child.program``) runs the scenario's ``program_<style>`` as its main
program and ends the way that program ends; the parent keeps its exit status, its output, what it
recorded, when the signals it asked for were sent and when it ended, and hands them to the scenario's
``judge`` (``conformance._model.programs``). A child that never ran the program (the runtime is
unavailable, the program skipped itself) wrote a result, classified like any cell's; one that died
before the program started, or from a signal nobody sent it, is not the program's outcome to judge.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conformance._model.control import sent_signals
from conformance._model.outcomes import NotApplicable, Outcome, Skipped
from conformance._model.programs import RECORDS_FILE, Judgement, ProgramEnd, read_records
from conformance._model.results import Cell
from conformance._model.scenarios import Scenario, import_scenario_module
from conformance._parent.child_process import ChildEnd, classify, last_line, portable_paths, signal_name

PROGRAM_COMMAND = (sys.executable, "-m", "conformance._child.program")


def program_job(folder: Path) -> dict[str, str]:
    """What a program's job adds to a cell's: where the program records what it sees."""
    return {"records_path": str(folder / RECORDS_FILE)}


def judge_program(end: ChildEnd, scenario: Scenario, runtime: str, folder: Path) -> Cell:
    """The cell of a program that ran in ``folder`` and ended as ``end`` says."""
    if end.signal_errors or end.result_text is not None:
        return classify(end, scenario.id, runtime, scenario.timeout_s)  # it never ran, or no signal came
    records = read_records(folder / RECORDS_FILE)
    details = {k: v for k, v in (("stderr", end.stderr_tail), ("stdout", end.stdout_tail)) if v}
    started = next((r for r in records if r.name == "runtime_version"), None)
    if started is None:
        return _cell(scenario, runtime, end, Outcome.ERROR, details, harness_error=True,
                     reason="harness error: the program's process ended before the program started "
                            f"({last_line(end.stderr_tail) or 'no stderr'})")
    details["runtime_version"] = str(started.value)
    sent = _signals_sent(folder / "signals.jsonl")
    code = None if end.timed_out else end.returncode
    if code is not None and code < 0 and signal_name(-code) not in {name for name, _ in sent}:
        return _cell(scenario, runtime, end, Outcome.CRASH, details,
                     reason=f"the program was killed by {signal_name(-code)}, which nobody sent it "
                            f"({last_line(end.stderr_tail) or 'no stderr'})")
    if end.timed_out and end.stack:
        details["stack"] = end.stack
    program = ProgramEnd(returncode=code, records=records, stdout=end.stdout_tail,
                         stderr=end.stderr_tail, signals_sent=tuple(t for _, t in sent),
                         ended_at=end.ended_monotonic, deadline_s=scenario.timeout_s)
    details["program_end"] = program.exit_said()
    verdict = Judgement()
    outcome, reason, harness_error = Outcome.PASS, "", False
    try:
        import_scenario_module(scenario.path).judge(program, verdict)
    except AssertionError as exc:
        outcome, reason = Outcome.FAIL, str(exc) or "assertion failed"
    except NotImplementedError as exc:
        outcome, reason = Outcome.UNSUPPORTED, f"NotImplementedError: {exc}"
    except Skipped as exc:
        outcome, reason = Outcome.SKIPPED, str(exc)
    except NotApplicable as exc:
        outcome, reason = Outcome.NOT_APPLICABLE, str(exc)
    except Exception as exc:  # the judge's own defect: never the runtime's outcome
        outcome, harness_error = Outcome.ERROR, True
        reason = f"harness error: the scenario's judge raised {type(exc).__name__}: {exc}"
    details.update(verdict.notes)
    return _cell(scenario, runtime, end, outcome, details, reason=reason, harness_error=harness_error,
                 measurements=verdict.measurements)


def _cell(scenario: Scenario, runtime: str, end: ChildEnd, outcome: Outcome, details: dict[str, str],
          *, reason: str, harness_error: bool = False, measurements: dict[str, float] | None = None) -> Cell:
    return Cell(scenario=scenario.id, runtime=runtime, outcome=outcome, reason=portable_paths(reason),
                duration_s=end.elapsed_s, measurements=measurements or {}, harness_error=harness_error,
                details={k: portable_paths(v) for k, v in details.items()})


def _signals_sent(log: Path) -> list[tuple[str, float]]:
    """(name, monotonic time) of each signal the parent sent the program, from its log."""
    try:
        return sent_signals(log.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
