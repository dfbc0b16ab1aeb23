"""Signals delivered by the parent at the child's request (conformance._parent.signals), end to end."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.scenarios import load_scenario
from conformance._parent.cells import CellRunner
from conformance._parent.child_process import CONTROL_PIPE
from conformance._runtimes import get_runtime

SCENARIO = '''
"""Three SIGUSR1, asked for by the body, reach its handler."""
import signal
import time

# Far enough apart that the kernel never merges two (a second SIGUSR1 that arrives while the first is
# still pending is lost): a child paused for 50 ms by a loaded machine saw only two.
INTERVAL_S = 0.3

def run_sync(ctx):
    seen = []
    signal.signal(signal.SIGUSR1, lambda *_: seen.append(time.monotonic()))
    ctx.send_signal("SIGUSR1", delay_s=0.05, count=3, interval_s=INTERVAL_S)
    deadline = time.monotonic() + 5
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    sent = ctx.signals_sent()
    ctx.expect_equal(len(sent), 3, "signals the parent logged")
    ctx.expect_equal(len(seen), 3, "signals the handler saw")
    ctx.expect(all(s <= h for s, h in zip(sent, seen)), f"handled before sent: {sent} {seen}")
    ctx.measure("latency_ms", (seen[0] - sent[0]) * 1000)

async def run_asyncio(ctx):
    import asyncio
    loop = asyncio.get_running_loop()
    seen = asyncio.Queue()
    loop.add_signal_handler(signal.SIGUSR1, lambda: seen.put_nowait(time.monotonic()))
    ctx.send_signal("SIGUSR1", delay_s=0.05, count=3, interval_s=INTERVAL_S)
    times = [await asyncio.wait_for(seen.get(), 5) for _ in range(3)]
    ctx.expect_equal(len(ctx.signals_sent()), 3, "signals the parent logged")
    ctx.measure("latency_ms", (times[0] - ctx.signals_sent()[0]) * 1000)

async def run_trio(ctx):
    raise NotImplementedError("not needed here")
'''


# Without the control pipe (Windows: no pass_fds), a body's request is skipped with the reason.
@pytest.mark.skipif(not CONTROL_PIPE, reason="no control pipe on which the child asks for signals (no "
                                             "pass_fds on Windows), and no SIGUSR1 to send")
@pytest.mark.parametrize("runtime", ["threads", "gevent", "asyncio"])
def test_parent_delivers_the_signals_the_child_asks_for(tmp_path: Path, runtime: str) -> None:
    path = tmp_path / "signals" / "usr1.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    cell = CellRunner().run(load_scenario(path), get_runtime(runtime))
    assert cell.outcome is Outcome.PASS, (cell.reason, dict(cell.details))
    assert 0 <= cell.measurements["latency_ms"] < 5000


def test_bad_signal_name_is_the_bodys_error(tmp_path: Path) -> None:
    path = tmp_path / "signals" / "bad.py"
    path.parent.mkdir()
    path.write_text('"""Asks for a signal that does not exist."""\n'
                    'def run_sync(ctx): ctx.send_signal("SIGNOPE")\n', encoding="utf-8")
    cell = CellRunner().run(load_scenario(path), get_runtime("threads"))
    if not CONTROL_PIPE:  # every request is skipped before its name is read
        assert cell.outcome is Outcome.SKIPPED, (cell.outcome, cell.reason)
        assert cell.reason == "the suite cannot deliver signals from outside on this platform yet"
        return
    assert cell.outcome is Outcome.ERROR
    assert "unknown signal name 'SIGNOPE'" in cell.reason


@pytest.mark.skipif(not CONTROL_PIPE, reason="no control pipe on Windows")
def test_a_request_the_parent_cannot_honour_is_a_harness_error(tmp_path: Path) -> None:
    """A request that bypasses the child's own check (written to the pipe as is) is never lost: the
    body waited for a signal that did not come, so the cell is the harness's error, not the runtime's."""
    path = tmp_path / "signals" / "garbled.py"
    path.parent.mkdir()
    path.write_text('"""Writes a request the parent cannot read."""\n'
                    'import os, time\n'
                    'def run_sync(ctx):\n'
                    '    os.write(ctx._control_fd, b\'{"signal": "SIGNOPE"}\\n\')\n'
                    '    time.sleep(0.2)\n', encoding="utf-8")
    cell = CellRunner().run(load_scenario(path), get_runtime("threads"))
    assert cell.outcome is Outcome.ERROR and cell.harness_error, (cell.outcome, cell.reason)
    assert "not delivered: unknown signal name 'SIGNOPE'" in cell.reason
