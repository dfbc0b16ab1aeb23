"""``conformance bench``: run the bench area's cells one at a time, ``repeats`` fresh children each, with
the limit proxies, and print the bench table (medians, ratios to ``threads``, spread)."""

from __future__ import annotations

import argparse
import datetime
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance._bench.limits import CLIENT_SOURCE, c_epoll_echo, compile_c, iperf3
from conformance._model.bench import (
    DEFAULT_REPEATS,
    BenchSettings,
    higher_is_better,
    median,
    ratio,
    ratio_range,
    split_cpus,
    spread,
)
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, RunWriter
from conformance._model.scenarios import BENCH_AREAS, Scenario
from conformance._os.processes import pin_tree
from conformance._parent.cells import CellRunner
from conformance._parent.selection import UsageError, add_selection_arguments, selection
from conformance._parent.terminal import interrupted, outcome_text, progress_line
from conformance._runtimes import REFERENCE, Runtime


def add_bench_arguments(sub: argparse.ArgumentParser) -> None:
    add_selection_arguments(sub, items="workloads", example="echo or accept",
                            folder_note="; bench workloads are in bench/")
    sub.add_argument("--quick", action="store_true",
                     help="small loads and one repeat: a smoke test of every workload (under a minute)")
    sub.add_argument("--repeats", type=int, metavar="N",
                     help=f"fresh child processes per cell (default {DEFAULT_REPEATS}, 1 with --quick)")
    sub.add_argument("--self-check", action="store_true",
                     help="compare each runtime's bench.tcp_echo server in the harness and as a minimal "
                          "standalone process, same client, 1 KiB x 10 (docs/bench.md)")
    sub.add_argument("--warm-up", type=float, metavar="S",
                     help="seconds of load before each measured window (default 0.2, 0.1 with --quick)")
    sub.add_argument("--window", type=float, metavar="S",
                     help="seconds of each measured window (default 0.4, 0.2 with --quick)")
    sub.add_argument("--no-priming", dest="priming", action="store_false",
                     help="no closed connection before each load: measure fresh servers as they are "
                          "(a CPython server pays an mmap per receive until then: docs/bench.md)")
    sub.add_argument("--no-limits", dest="limits", action="store_false",
                     help="do not measure the limit proxies (C epoll echo server, iperf3)")
    sub.add_argument("--output", "-o", type=Path, metavar="BENCH.json",
                     help="the bench document (default: reports/bench/PLATFORM.json)")


def merge_repeats(cells: Sequence[Cell]) -> Cell:
    """One cell from the repeats of a bench cell: every figure's samples and their median. A repeat
    that did not pass decides the cell (its outcome and reason), with the repeat's number."""
    for number, cell in enumerate(cells, start=1):
        if cell.outcome is not Outcome.PASS:
            return replace(cell, details={**cell.details, "repeat": f"{number} of {len(cells)}"})
    names = [n for n in cells[0].measurements if all(n in c.measurements for c in cells)]
    samples = {n: tuple(c.measurements[n] for c in cells) for n in names}
    stalls = [c.max_stall_ms for c in cells if c.max_stall_ms is not None]
    return replace(cells[0], duration_s=round(sum(c.duration_s for c in cells), 6),
                   max_stall_ms=max(stalls) if stalls else None,
                   measurements={n: round(median(v), 6) for n, v in samples.items()},
                   samples=samples)


def _number(value: float) -> str:
    if value >= 100_000:
        return f"{value / 1000:,.0f}k"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def figure_rows(cells: Sequence[Cell]) -> list[tuple[str, str]]:
    """(scenario, figure) pairs in the order the cells and figures first appear."""
    rows: list[tuple[str, str]] = []
    for cell in cells:
        for figure in cell.measurements:
            if (cell.scenario, figure) not in rows:
                rows.append((cell.scenario, figure))
    return rows


def _samples(cell: Cell, figure: str) -> tuple[float, ...]:
    if cell.outcome is not Outcome.PASS or figure not in cell.measurements:
        return ()
    return tuple(cell.samples.get(figure) or (cell.measurements[figure],))


def bench_table(cells: Sequence[Cell], runtimes: Sequence[str], limits: Mapping[str, Any]) -> Table:
    """Rows: each figure of each workload; columns: the runtimes, then the C limit. A cell reads
    ``xratio [lowest-highest] median ±spread``: the round-paired ratio to threads and the range of the
    round-by-round ratios (the headline, docs/bench.md), then the median and its spread ((max-min) /
    median over the repeats)."""
    by_id = {c.id: c for c in cells}
    c_limit = limits.get("c-epoll-echo", {}).get("figures", {})
    # (rich reads "[...]" as markup: the bracket is escaped)
    table = Table(title="Bench: x ratio to threads, round by round \\[lowest-highest]; median, ±spread "
                  "of the repeats", title_justify="left")
    table.add_column("workload", no_wrap=True)
    table.add_column("figure", no_wrap=True)
    for runtime in runtimes:
        table.add_column(runtime, justify="right", no_wrap=True)
    table.add_column("C epoll (limit)", justify="right", no_wrap=True)
    for scenario, figure in figure_rows(cells):
        better = "↑" if higher_is_better(figure) else "↓"
        row: list[Text | str] = [scenario.removeprefix("bench."), f"{figure} {better}"]
        base_cell = by_id.get(f"{scenario}[{REFERENCE}]")
        base_samples = _samples(base_cell, figure) if base_cell else ()
        for runtime in runtimes:
            cell = by_id.get(f"{scenario}[{runtime}]")
            if cell is None:
                row.append(Text("not run", "dim"))
            elif cell.outcome is not Outcome.PASS:
                row.append(Text(cell.outcome.value, "red"))
            elif figure not in cell.measurements:
                row.append(Text("-", "dim"))
            else:
                # The headline: the round-paired ratio to threads and its range; then the median.
                text = Text()
                times = ratio(_samples(cell, figure), base_samples)
                if times is not None and runtime != REFERENCE:
                    good = times >= 1 if higher_is_better(figure) else times <= 1
                    text.append(f"x{times:.2f}", "green" if good else "yellow")
                    bounds = ratio_range(_samples(cell, figure), base_samples)
                    if bounds is not None:
                        text.append(f" [{bounds[0]:.2f}-{bounds[1]:.2f}]", "dim")
                    text.append(" ")
                text.append(_number(cell.measurements[figure]))
                samples = cell.samples.get(figure, ())
                if len(samples) > 1:
                    wide = spread(samples)
                    text.append(f" ±{wide * 100:.0f}%", "red" if wide > 0.15 else "dim")
                row.append(text)
        limit_value = c_limit.get(scenario, {}).get("measurements", {}).get(figure)
        row.append(_number(limit_value) if limit_value is not None else Text("-", "dim"))
        table.add_row(*row)
    return table


def measure_limit(measure: Any, name: str, *args: Any) -> dict[str, Any]:
    """A limit proxy's figures, or why there are none: a proxy that breaks (a compiler that crashes,
    an iperf3 that prints something new) costs the bench its limit column, never its figures."""
    try:
        limit: dict[str, Any] = measure(*args)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return {"name": name, "description": "", "available": False, "figures": {},
                "reason": f"measuring it failed: {type(exc).__name__}: {exc}"}
    return limit


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    chosen = selection(args, BENCH_AREAS)
    scenarios, runtimes = chosen.scenarios, chosen.runtimes
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else DEFAULT_REPEATS)
    if repeats < 1:
        raise UsageError(f"--repeats must be 1 or more, not {repeats}")
    # At most: the six loads of bench.tcp_echo, each warm-up plus window, fit in its 120 s timeout.
    for option, seconds, least, most in (("--warm-up", args.warm_up, 0.0, 5.0),
                                         ("--window", args.window, 0.05, 10.0)):
        if seconds is not None and not least <= seconds <= most:
            raise UsageError(f"{option} takes seconds from {least:g} to {most:g}, not {seconds:g}")
    # The native client lives as long as the run: every cell's load generator runs it.
    with tempfile.TemporaryDirectory(prefix="cf-bench-") as folder:
        native = compile_c(CLIENT_SOURCE, Path(folder))
        if isinstance(native, str):
            client = f"Python (conformance/_helpers/loadgen.py): no native client: {native}"
            native_client = None
        else:
            client = "C (conformance/_helpers/loadgen.c, compiled on the fly)"
            native_client = str(native)
        server_cpus, client_cpus = split_cpus()
        settings = BenchSettings(quick=args.quick, repeats=repeats, native_client=native_client,
                                 server_cpus=server_cpus, client_cpus=client_cpus,
                                 warm_up_override_s=args.warm_up, window_override_s=args.window,
                                 priming=args.priming)
        if args.self_check:
            from conformance._bench.self_check import cmd_self_check

            echo = [s for s in scenarios if s.id == "bench.tcp_echo"]
            if not echo:
                raise UsageError("--self-check measures bench.tcp_echo, which -k/--keyword left out")
            return cmd_self_check(echo[0], runtimes, settings, console, args.output)
        return _bench(args, console, scenarios, runtimes, settings, client)


def _bench(args: argparse.Namespace, console: Console, scenarios: Sequence[Scenario],
           runtimes: Sequence[Runtime], settings: BenchSettings, client: str) -> int:
    from conformance._parent.run_info import collect

    run_info = collect([r.name for r in runtimes])
    # The database servers of SERVERS run where the load generator does (_start_servers).
    pinned = ({"runtime": list(settings.server_cpus), "load_generator": list(settings.client_cpus),
               "database_servers": list(settings.client_cpus)}
              if settings.server_cpus else "not pinned (no CPU affinity here, or one CPU)")
    run_info.update(kind="bench", bench={"quick": settings.quick, "repeats": settings.repeats,
                                         "load_generator": client, "cpus": pinned,
                                         "warm_up_s": settings.warm_up_s,
                                         "window_s": settings.duration_s,
                                         "priming": settings.priming})
    output = args.output or Path("reports") / "bench" / f"{run_info['platform']}.json"
    writer = RunWriter(output, run_info)
    started = datetime.datetime.now(datetime.timezone.utc)

    def say(text: str) -> None:
        console.print(Text(text, "dim"), soft_wrap=True)

    say(f"load generator: {client}")
    limits: dict[str, Any] = {}
    try:
        if args.limits:
            limits["c-epoll-echo"] = measure_limit(c_epoll_echo, "c-epoll-echo", scenarios, settings, say)
            limits["iperf3"] = measure_limit(iperf3, "iperf3", settings, say)
            for limit in limits.values():
                if not limit["available"]:
                    say(f"limit {limit['name']}: not measured: {limit['reason']}")
            writer.finish(limits=limits)
        run_bench_cells(writer, scenarios, runtimes, settings, console)
    except KeyboardInterrupt:
        return interrupted(writer, console)
    finished = datetime.datetime.now(datetime.timezone.utc)
    document = writer.finish(finished_at=finished.isoformat(timespec="seconds"),
                             wall_time_s=round((finished - started).total_seconds(), 3))
    console.print(bench_table(document.cells, [r.name for r in runtimes], limits))
    loopback = limits.get("iperf3", {}).get("figures", {}).get("loopback")
    if loopback:
        console.print(f"loopback bandwidth (iperf3): {loopback['measurements']['mib_per_s']:,.0f} MiB/s")
    failed = [c for c in document.cells if c.outcome not in (Outcome.PASS, Outcome.UNAVAILABLE,
                                                               Outcome.NOT_APPLICABLE,
                                                               Outcome.SKIPPED, Outcome.UNSUPPORTED)]
    for cell in failed:
        line = Text(f"{cell.id}: ")
        line.append_text(outcome_text(cell, judged=False))
        line.append(f" {cell.reason}")
        console.print(line, soft_wrap=True)
    console.print(f"{len(document.cells)} cells x {settings.repeats} repeats in "
                  f"{(finished - started).total_seconds():.1f} s; bench document: {writer.path}")
    return 1 if failed else 0


def run_bench_cells(writer: RunWriter, scenarios: Sequence[Scenario], runtimes: Sequence[Runtime],
                    settings: BenchSettings, console: Console) -> None:
    """One cell at a time (cells running at once would measure each other), ``repeats`` rounds per
    workload, each round running every runtime once. A slow drift of the machine (a busy neighbour on
    a shared host) then weighs on every runtime's repeat alike, and the ratio of a repeat to the
    ``threads`` repeat of the same round cancels it."""
    runner = CellRunner(job_extra={"bench": settings.to_json()})
    try:
        _run_rounds(runner, writer, scenarios, runtimes, settings, console)
    finally:
        runner.close()  # the database servers the workloads started


def _run_rounds(runner: CellRunner, writer: RunWriter, scenarios: Sequence[Scenario],
                runtimes: Sequence[Runtime], settings: BenchSettings, console: Console) -> None:
    total = len(scenarios) * len(runtimes)
    for scenario in scenarios:
        _start_servers(runner, scenario, settings, console)
        repeats: dict[str, list[Cell]] = {r.name: [] for r in runtimes}

        def keep(repeats: dict[str, list[Cell]]) -> None:
            for runtime in runtimes:
                if repeats[runtime.name]:
                    cell = merge_repeats(repeats[runtime.name])
                    writer.add(cell)
                    console.print(progress_line(cell, len(writer.cells), total, judged=False),
                                  soft_wrap=True)

        try:
            for _round in range(settings.repeats):
                for runtime in runtimes:
                    done = repeats[runtime.name]
                    if not done or done[-1].outcome is Outcome.PASS:
                        done.append(runner.run(scenario, runtime))
        except KeyboardInterrupt:
            keep(repeats)  # the repeats already measured are results too
            raise
        keep(repeats)


def _start_servers(runner: CellRunner, scenario: Scenario, settings: BenchSettings, console: Console) -> None:
    """Start the database servers a workload talks to (``SERVERS``) before its first round, on the load
    generator's CPUs: there the bench cell is the client, on the runtime's CPU, and the server is its
    load, kept off that CPU as a load generator is (docs/bench.md, "CPUs assigned")."""
    for name in scenario.servers:
        server, started = runner.servers.get(name)
        if started and not server.unavailable and settings.client_cpus and server.process is not None:
            pinned = pin_tree(server.process.pid, settings.client_cpus)
            console.print(Text(f"server {name}: {pinned} process(es) on CPU(s) "
                               f"{', '.join(map(str, settings.client_cpus))}", "dim"), soft_wrap=True)
