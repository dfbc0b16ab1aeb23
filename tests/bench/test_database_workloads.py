"""The bench's database workloads (``scenarios/bench/*_queries.py``): each library's quick query on 10
connections, run quick under a runtime of every style; a wrong answer, an error or an
empty window fails the cell; the database servers run on the load generator's CPUs; the report draws a
workload that threads cannot run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, RunDocument
from conformance._model.scenarios import default_scenarios_dir, discover
from conformance._os.processes import pin_tree

FIGURES = {"c10_queries_per_s", "c10_cpu_per_query_us"}
QUERIES = default_scenarios_dir() / "bench" / "_queries.py"


def conformance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # UTF-8 output: the tables print symbols (✓, ↑) a Windows pipe's default encoding cannot encode.
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True,
                          encoding="utf-8", env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=300,
                          check=False)


def _cpus() -> set[int]:
    getaffinity = getattr(os, "sched_getaffinity", None)
    return set(getaffinity(0)) if getaffinity is not None else set()


def _database_workloads() -> set[str]:
    return {s.id for s in discover(default_scenarios_dir(), ("bench",)) if s.id.endswith("_queries")}


# Why an asyncio library has no path under a style: the libraries area's reasons.
NO_PATH = {"threads": "has no blocking API",
           "trio": "runs on an asyncio event loop, and none runs under trio",
           "twisted": "runs on an asyncio event loop, and this reactor runs none"}


def test_every_database_workload_runs_quick_under_every_style(tmp_path: Path) -> None:
    """threads runs every blocking library from a thread per connection (gevent and eventlet run the same
    body), asyncio offloads it to asyncio.to_thread and runs the async libraries natively, trio offloads it
    to trio.to_thread, Twisted to deferToThread: each such cell measures both figures; an asyncio library
    under threads, trio or Twisted's default reactor is unsupported with the libraries area's reason, and
    no figure. Every body of the workloads runs here (.ci/run's quick bench leaves them out)."""
    output = tmp_path / "bench.json"
    result = conformance("bench", "--quick", "-k", "queries", "--runtime", "threads", "--runtime", "asyncio",
                         "--runtime", "trio", "--runtime", "twisted", "--no-limits", "--output", str(output),
                         cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    # A bench cell has no expectation to contradict: no verdict mark on its progress line.
    assert "!unexpected" not in result.stdout
    document = RunDocument.load(output)
    assert len(_database_workloads()) == 12
    assert {c.scenario for c in document.cells} == _database_workloads()
    measured = set()
    for cell in document.cells:
        if cell.outcome in (Outcome.SKIPPED, Outcome.UNAVAILABLE):  # no server here, or no library
            assert cell.reason, cell.id
            continue
        if cell.outcome is Outcome.UNSUPPORTED:
            assert cell.runtime in NO_PATH and NO_PATH[cell.runtime] in cell.reason, cell.id
            assert not cell.measurements, cell.id
            continue
        assert cell.outcome is Outcome.PASS, f"{cell.id}: {cell.reason}"
        assert set(cell.measurements) == FIGURES, cell.id
        assert all(v > 0 for v in cell.measurements.values()), cell.id
        # The process's CPU time over the window cannot exceed what its CPUs give in that window.
        cpu_share = cell.measurements["c10_cpu_per_query_us"] * cell.measurements["c10_queries_per_s"] / 1e6
        assert cpu_share <= (os.cpu_count() or 1) * 1.05, cell.id
        assert cell.details["path"].startswith(("called as is", "offloaded: asyncio.to_thread",
                                                "offloaded: trio.to_thread.run_sync",
                                                "offloaded: threads.deferToThread", "native"))
        assert cell.details["library"] and "in the window" in cell.details["queries"]
        measured.add(cell.scenario)
    skipped = {c.scenario for c in document.cells if c.outcome in (Outcome.SKIPPED, Outcome.UNAVAILABLE)}
    assert measured | skipped == _database_workloads()  # every workload measured under one of the four
    assert {c.runtime for c in document.cells if c.outcome is Outcome.PASS} == \
        {"threads", "asyncio", "trio", "twisted"}


WORKLOAD = '''
"""psycopg, broken on purpose: {what}."""
import dataclasses
import time
from pathlib import Path

from conformance._model.scenarios import import_scenario_module

_queries = import_scenario_module(Path({queries!r}))
_postgresql = _queries.libraries_module("_postgresql")
SERVERS = ("postgresql",)


class Broken(_postgresql.Psycopg):
    def simple(self, conn):
        answer = super().simple(conn)
{simple}


LIBRARY = dataclasses.replace(_postgresql.PSYCOPG, adapter=Broken)


def run_sync(ctx): _queries.run_sync(ctx, LIBRARY)
async def run_asyncio(ctx): await _queries.run_asyncio(ctx, LIBRARY)
async def run_trio(ctx): await _queries.run_trio(ctx, LIBRARY)
async def run_twisted(ctx): await _queries.run_twisted(ctx, LIBRARY)
'''

# What each broken library does to its query, and what the cell must say.
BROKEN = {
    "off_by_one": ("answers 43 to SELECT 41 + 1", "        return answer + 1",
                   "the first: 43"),
    "drops": ("its connection drops after a few queries",
              "        self.calls = getattr(self, 'calls', 0) + 1\n"
              "        if self.calls > 20:\n"
              "            raise ConnectionResetError('the server went away')\n"
              "        return answer",
              "the first: builtins.ConnectionResetError: the server went away"),
    "slower_than_the_window": ("each query takes 0.5 s, longer than the quick window",
                               "        time.sleep(0.5)\n        return answer",
                               "no query ended inside the 0.2 s window"),
}


def test_a_wrong_answer_an_error_or_an_empty_window_fails_the_cell(tmp_path: Path) -> None:
    """The figures are only made from checked answers: a library that answers wrong, or raises, fails the
    cell under either style's path, and so does a window in which no query ended (not a rate of 0)."""
    root = tmp_path / "scenarios" / "bench"
    root.mkdir(parents=True)
    for name, (what, simple, _) in BROKEN.items():
        text = textwrap.dedent(WORKLOAD).format(what=what, queries=str(QUERIES), simple=simple)
        (root / f"postgresql_{name}.py").write_text(text, encoding="utf-8")
    output = tmp_path / "bench.json"
    result = conformance("bench", "--quick", "--scenarios", str(tmp_path / "scenarios"), "--runtime",
                         "threads", "--runtime", "asyncio", "--no-limits", "--output", str(output),
                         cwd=tmp_path)
    cells = {c.id: c for c in RunDocument.load(output).cells}
    if all(c.outcome is Outcome.SKIPPED for c in cells.values()):
        pytest.skip(f"no PostgreSQL server here: {next(iter(cells.values())).reason}")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    for name, (_, _, reason) in BROKEN.items():
        for runtime in ("threads", "asyncio"):
            cell = cells[f"bench.postgresql_{name}[{runtime}]"]
            assert cell.outcome is Outcome.FAIL, f"{cell.id}: {cell.outcome.value}: {cell.reason}"
            assert reason in cell.reason, cell.reason
            if name != "slower_than_the_window":
                assert cell.reason.startswith("queries went wrong (expected 42): "), cell.reason
            assert not cell.measurements, cell.id
    assert "bench.postgresql_off_by_one[threads]: ✗ fail" in result.stdout


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(_cpus()) < 2,
                    reason="CPUs are assigned where the OS can pin processes and there are two CPUs or more")
def test_a_server_and_everything_below_it_runs_on_the_cpus_given(tmp_path: Path) -> None:
    """As a database server started by its helper: a child that is a session of its own (PostgreSQL's
    backends call setsid) and a thread started before the pinning are pinned too."""
    cpu = max(_cpus())
    program = textwrap.dedent("""
        import os, subprocess, sys, threading, time
        child = subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(60)"])
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        print(child.pid, flush=True)
        time.sleep(60)
    """)
    helper = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    assert helper.stdout is not None
    child = int(helper.stdout.readline())
    try:
        deadline = time.monotonic() + 10
        while os.getsid(child) != child and time.monotonic() < deadline:  # its setsid, not yet run
            time.sleep(0.01)
        assert pin_tree(helper.pid, [cpu]) == 2
        threads = [int(t.name) for pid in (helper.pid, child) for t in Path(f"/proc/{pid}/task").iterdir()]
        assert len(threads) >= 3
        assert all(os.sched_getaffinity(tid) == {cpu} for tid in threads)
    finally:
        for pid in (child, helper.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        helper.wait(10)


def test_report_draws_a_workload_that_threads_cannot_run(tmp_path: Path) -> None:
    """An asyncio-only library has no threads figure to divide by: its table cell says unsupported, and
    its plot draws the medians themselves (a plot of ratios would have no bar at all)."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("jinja2")
    from conformance._report.build import write_report
    from conformance._report.merge import load

    info = {"platform": "linux-x86_64-cpython3.11", "sys_platform": "linux", "arch": "x86_64",
            "python_implementation": "CPython", "python_version": "3.11.7", "cpu_count": 2}
    run = RunDocument(info, (Cell("sockets.tcp_echo", "threads", Outcome.PASS),))
    figure = "c10_queries_per_s"
    cells = (
        Cell("bench.postgresql_asyncpg_queries", "threads", Outcome.UNSUPPORTED,
             reason="NotImplementedError: asyncpg has no blocking API"),
        Cell("bench.postgresql_asyncpg_queries", "asyncio", Outcome.PASS, measurements={figure: 12000.0},
             samples={figure: (11000.0, 12000.0, 13000.0)}),
        Cell("bench.postgresql_asyncpg_queries", "uvloop", Outcome.PASS, measurements={figure: 16000.0},
             samples={figure: (15000.0, 16000.0, 16800.0)}),
    )
    bench = RunDocument({**info, "kind": "bench", "bench": {"quick": False, "repeats": 3}}, cells)
    for name, document in (("run.json", run), ("bench.json", bench)):
        (tmp_path / name).write_text(json.dumps(document.to_json()), encoding="utf-8")
    merged, problems = load([tmp_path / "run.json", tmp_path / "bench.json"], None)
    assert not problems
    write_report(merged, tmp_path / "report", bench_titles={})
    markdown = (tmp_path / "report" / "bench.md").read_text(encoding="utf-8")
    # no ratio: threads has no figure to divide by
    assert "| postgresql_asyncpg_queries | c10_queries_per_s ↑ | unsupported | 12,000 ±17% | 16,000 ±11% |" \
        in markdown
    plot = (tmp_path / "report" / "plots" /
            "bench-linux-x86-64-cpython3-11-bench-postgresql-asyncpg-queries-queries-per-s.svg")
    svg = plot.read_text(encoding="utf-8")
    assert "median of the repeats (threads has no figure to divide by; higher is better)" in svg
    assert ">asyncio<" in svg and ">uvloop<" in svg and "queries_per_s (/s)" in svg
