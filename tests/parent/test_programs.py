"""Program cells end to end (conformance._child.program, conformance._parent.programs): a whole program
under a runtime, judged from how it ended. Program scenarios written for the test, the real child, a
real runtime (threads), real signals.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import replace

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.programs import Judgement, ProgramEnd, Record, read_records, record_line
from conformance._model.scenarios import Scenario, ScenarioError
from conformance._parent.cells import CellRunner
from conformance._runtimes import get_runtime

ScenarioFactory = Callable[..., Scenario]  # the write_scenario fixture (conftest.py)

posix_signals = pytest.mark.skipif(sys.platform == "win32",
                                   reason="signals from outside: the control pipe is POSIX's")

# The judge every test program shares: it passes on a program that ended with exit status 0, and
# otherwise fails saying how it ended and what it recorded.
JUDGE = '''
def judge(program, verdict):
    verdict.measure("records", len(program.records))
    verdict.note("seen", ", ".join(f"{name}={value}" for name, value in program.recorded()))
    verdict.expect(program.returncode == 0,
                   f"{program.exit_said()}; recorded {program.values('step')}; "
                   f"signals {len(program.signals_sent)}; stderr {program.stderr_tail()!r}")
'''


def _program(body: str, judge: str = JUDGE) -> str:
    header = ('"""A program scenario of the engine\'s tests."""\n\n'
              "import os, signal, sys, time\n\nTIMEOUT_S = 5.0\n")
    return f"{header}\ndef program_sync(ctx):\n{body}\n{judge}"


def _run(write_scenario: ScenarioFactory, body: str, judge: str = JUDGE, runtime: str = "threads") -> object:
    scenario = write_scenario("program", _program(body, judge), area="signals")
    assert scenario.program and scenario.styles == ("sync",)
    return CellRunner().run(scenario, get_runtime(runtime))


def test_a_program_that_ends_well_passes_with_what_it_recorded_and_printed(
        write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    ctx.record("step", 1)\n    print("hello from the program")\n'
                                '    ctx.record("step", 2)\n')
    assert cell.outcome is Outcome.PASS, f"{cell.reason}\n{cell.details}"
    # the runtime's version, then the program's own two records
    assert cell.measurements == {"records": 3}
    assert cell.details["seen"].endswith("step=1, step=2")
    assert cell.details["stdout"] == "hello from the program\n"
    assert cell.details["program_end"] == "exit status 0"
    assert cell.details["runtime_version"] == sys.version.split()[0]


def test_the_judge_states_the_contract(write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    ctx.record("step", "before")\n    sys.exit(3)\n')
    assert cell.outcome is Outcome.FAIL
    assert cell.reason.startswith("exit status 3; recorded ['before']; signals 0"), cell.reason


def test_an_uncaught_exception_ends_the_program_as_python_does(write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    raise LookupError("the program\'s own")\n')
    assert cell.outcome is Outcome.FAIL
    assert cell.reason.startswith("exit status 1;"), cell.reason
    assert "LookupError: the program's own" in cell.details["stderr"]


@posix_signals
def test_a_program_asks_for_ctrl_c_and_dies_of_it(write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    ctx.record("step", "ready")\n'
                                '    ctx.interrupt_me("SIGINT", delay_s=0.1)\n'
                                '    time.sleep(3)\n    ctx.record("step", "slept")\n')
    # Python's default handler raised KeyboardInterrupt out of the sleep; uncaught, the interpreter
    # ends the process by SIGINT (a shell's 130).
    assert cell.outcome is Outcome.FAIL
    assert cell.reason.startswith("killed by SIGINT; recorded ['ready']; signals 1"), cell.reason
    assert cell.duration_s < 3


@posix_signals
def test_the_signal_goes_to_the_whole_process_group_as_a_terminals_ctrl_c_does(
        write_scenario: ScenarioFactory) -> None:
    # A grandchild in the program's group gets the Ctrl-C too: it dies of it, and says so by its status.
    body = ('    import subprocess\n'
            '    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])\n'
            '    signal.signal(signal.SIGINT, signal.SIG_IGN)\n'
            '    ctx.interrupt_me("SIGINT", delay_s=0.3)\n'
            '    ctx.record("step", child.wait(4))\n')
    cell = _run(write_scenario, body)
    assert cell.outcome is Outcome.PASS, f"{cell.reason}\n{cell.details}"
    assert cell.details["seen"].endswith(f"step={-int(signal.SIGINT)}")


@posix_signals
def test_a_death_by_a_signal_nobody_sent_is_a_crash(write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    os.kill(os.getpid(), signal.SIGABRT)\n')
    assert cell.outcome is Outcome.CRASH
    assert cell.reason.startswith("the program was killed by SIGABRT, which nobody sent it"), cell.reason


def test_a_program_still_running_at_the_deadline_is_judged_with_what_it_recorded(
        write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    ctx.record("step", "stuck")\n    time.sleep(60)\n')
    assert cell.outcome is Outcome.FAIL
    assert cell.reason.startswith("still running at the cell's 5 s deadline (killed); recorded ['stuck']"), \
        cell.reason
    assert "in program_sync" in cell.details.get("stack", "")  # where it was, from the child's own dump


def test_a_program_skips_itself_before_its_entry_point(write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    raise ctx.skip("no terminal to take Ctrl-C from")\n')
    assert (cell.outcome, cell.reason) == (Outcome.SKIPPED, "no terminal to take Ctrl-C from")


def test_a_runtime_that_cannot_be_set_up_is_unavailable(write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("program", _program('    ctx.record("step", 1)\n'), area="signals")
    missing = replace(get_runtime("threads"), name="threads-elsewhere", family_module_name="no_such_family")
    cell = CellRunner().run(scenario, missing)
    assert cell.outcome is Outcome.UNAVAILABLE
    assert "cannot be imported: No module named 'no_such_family'" in cell.reason


def test_a_judge_that_raises_is_the_harness_s_error(write_scenario: ScenarioFactory) -> None:
    cell = _run(write_scenario, '    pass\n', judge="def judge(program, verdict):\n    return {}['x']\n")
    assert cell.outcome is Outcome.ERROR and cell.harness_error
    assert cell.reason == "harness error: the scenario's judge raised KeyError: 'x'"


@pytest.mark.parametrize(("source", "problem"), [
    ('"""Both."""\ndef run_sync(ctx):\n    pass\ndef program_sync(ctx):\n    pass\n'
     'def judge(p, v):\n    pass\n', "both bodies (run_...) and programs (program_...)"),
    ('"""No judge."""\ndef program_sync(ctx):\n    pass\n',
     "a program scenario needs judge(program, verdict)"),
    ('"""Peers."""\nPEERS = ("tcp_echo",)\ndef program_sync(ctx):\n    pass\ndef judge(p, v):\n    pass\n',
     "a program scenario takes no PEERS"),
])
def test_a_malformed_program_scenario_is_refused_with_the_reason(write_scenario: ScenarioFactory, source: str,
                                                                 problem: str) -> None:
    with pytest.raises(ScenarioError, match=None) as refused:
        write_scenario("bad", source)
    assert problem in str(refused.value)


def test_records_cut_short_by_a_kill_are_left_out(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "records.jsonl"
    path.write_text(record_line("a", 1, 1.5) + record_line("b", [2, "x"], 2.5) + '{"name": "c", "val',
                    encoding="utf-8")
    assert read_records(path) == (Record("a", 1, 1.5), Record("b", [2, "x"], 2.5))
    assert read_records(path.with_name("none.jsonl")) == ()


def test_how_a_program_ended_in_words() -> None:
    end = ProgramEnd(returncode=None, records=(), stdout="", stderr="a\n\nb\nc\nd\n", deadline_s=8)
    assert end.exit_said() == "still running at the cell's 8 s deadline (killed)"
    assert end.stderr_tail() == "b | c | d"
    assert replace(end, returncode=-int(signal.SIGINT)).exit_said() == "killed by SIGINT"
    assert replace(end, returncode=2).exit_said() == "exit status 2"
    verdict = Judgement()
    verdict.expect(True, "never said")
    with pytest.raises(AssertionError, match=r"^said$"):
        verdict.expect(False, "said")
