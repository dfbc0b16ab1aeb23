"""The leak check a body runs after its operation (ctx.resources / ctx.check_leaks): descriptors, OS
threads and child processes left behind, counted from the OS, in real children of real runtimes."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.scenarios import Scenario
from conformance._parent.cells import CellRunner
from conformance._runtimes import get_runtime

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="threads and children are counted from /proc")

SYNC = '''
"""Leaves {what} behind, or not."""
import os, subprocess, sys, threading, time

def run_sync(ctx):
    before = ctx.resources()
    {operation}
    ctx.check_leaks_sync(before, "the operation")
'''

OPERATIONS = {
    "nothing": ("pass", "", {}),
    "a descriptor": ("fail", "kept = open(os.devnull)", {"leaked_fds": 1}),
    "a child process": ("fail", "kept = subprocess.Popen([sys.executable, '-c', 'input()'], "
                                "stdin=subprocess.PIPE)", {"leaked_children": 1}),
    "an OS thread": ("fail", "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()",
                     {"leaked_threads": 1}),
    "a zombie": ("fail", "subprocess.Popen([sys.executable, '-c', 'pass']).pid; time.sleep(1)",
                 {"leaked_children": 1}),
    "a descriptor closed late": ("pass", "f = open(os.devnull); threading.Timer(0.3, f.close).start()", {}),
}


@linux_only
@pytest.mark.parametrize("what", OPERATIONS)
def test_sync_leak_check(write_scenario: Callable[..., Scenario], what: str) -> None:
    outcome, operation, leaked = OPERATIONS[what]
    scenario = write_scenario("leaks", SYNC.format(what=what, operation=operation))
    cell = CellRunner().run(scenario, get_runtime("threads"))
    assert cell.outcome.value == outcome, (cell.reason, dict(cell.details))
    for name, number in leaked.items():
        assert cell.measurements[name] == number, cell.measurements
    if outcome == "fail":
        assert cell.reason.startswith("the operation left ") and "behind" in cell.reason


ASYNC = '''
"""A connection closed and awaited leaves nothing; one left open leaves its descriptor."""
import asyncio

async def run_asyncio(ctx):
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)  # its side closes
    before = ctx.resources()
    reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
    if {close}:
        writer.close()  # released on a later turn of the loop: the check waits for it
    await ctx.check_leaks(before, "the connection", asyncio.sleep)
'''


@pytest.mark.parametrize(("close", "outcome"), [(True, Outcome.PASS), (False, Outcome.FAIL)])
def test_async_leak_check_lets_the_loop_release_what_it_releases_late(
        write_scenario: Callable[..., Scenario], close: bool, outcome: Outcome) -> None:
    if sys.platform == "win32":
        pytest.skip("descriptors cannot be counted on Windows")
    scenario = write_scenario("leaks_async", ASYNC.format(close=close))
    cell = CellRunner().run(scenario, get_runtime("asyncio"))
    assert cell.outcome is outcome, (cell.reason, dict(cell.details))
    assert cell.measurements["leaked_fds"] == (0 if close else 1)
