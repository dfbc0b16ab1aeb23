"""The ``conformance`` command: list, run (without pytest), the terminal table, and the subcommands
(bench, report, diff, expectations update) whose modules it dispatches to."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from conformance import __version__
from conformance._model.expectations import ExpectationsError
from conformance._model.results import Cell, RunWriter
from conformance._model.scenarios import AREAS, Scenario
from conformance._model.verdict import FAILING, PROMOTE_HINT, Kind, judge
from conformance._parent.cells import CellRunner, run_cells
from conformance._parent.selection import (
    EXPECTATIONS_HELP,
    UsageError,
    add_selection_arguments,
    expectations_for,
    selection,
)
from conformance._parent.terminal import interrupted, progress_line, results_table
from conformance._runtimes import (
    PluginError,
    availability,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Run the same real I/O scenarios under every Python concurrency runtime.")
    parser.add_argument("--version", action="version", version=f"conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="scenarios x runtimes, with availability and versions")
    add_selection_arguments(listing)
    listing.add_argument("--folder", action="store_true",
                         help="print only the scenarios folder in use (an installed copy's is inside the "
                              "package), e.g. for: python -m pytest \"$(conformance list --folder)\"")

    run = commands.add_parser("run", help="run the selected cells and write a run document")
    add_selection_arguments(run)
    run.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                     help="cells run at once (default: the number of CPUs)")
    run.add_argument("--output", "-o", type=Path, metavar="RUN.json",
                     help="the run document (default: reports/runs/PLATFORM.json)")
    run.add_argument("--expectations", type=Path, metavar="FILE", help=EXPECTATIONS_HELP)
    run.add_argument("--against", metavar="REFERENCE",
                     help="also run REFERENCE (any runtime, e.g. asyncio) and print where each --runtime "
                          "differs from it; the exit status is 1 only where a --runtime does worse (the "
                          "reference passes, it does not) and no expectation of its own explains it")

    from conformance._bench.command import add_bench_arguments
    from conformance._report.command import add_diff_arguments, add_report_arguments

    add_bench_arguments(commands.add_parser(
        "bench", help="how fast each runtime does the same work: figures and ratios to threads"))

    from conformance._parent.repro import add_repro_arguments

    add_repro_arguments(commands.add_parser(
        "repro", help="run the standalone reproducer behind a known deviation (see --list)"))

    add_report_arguments(commands.add_parser(
        "report", help="merge run documents into the support table: HTML, Markdown, JSON, CSV, plots"))
    expectations = commands.add_parser(
        "expectations", help="maintain the expectations file from run documents")
    actions = expectations.add_subparsers(dest="expectations_command", required=True, metavar="ACTION")
    from conformance._parent.expectations_update import add_update_arguments

    add_update_arguments(actions.add_parser(
        "update", help="append a candidate entry for every deviation no expectation covers, and list "
                       "the predictions the runs confirmed or refuted"))
    add_diff_arguments(commands.add_parser(
        "diff", help="what regressed, got fixed, is new or disappeared between two sets of results"))
    return parser


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    if args.folder:
        from conformance._parent.selection import scenarios_dir

        print(scenarios_dir(args.scenarios))  # plain: a shell substitutes it
        return 0
    chosen = selection(args, AREAS)
    scenarios, runtimes = chosen.scenarios, chosen.runtimes
    table = Table(title="Runtimes", title_justify="left")
    for column in ("runtime", "style", "available", "version or reason"):
        table.add_column(column)
    table.add_column("what it is", no_wrap=True)  # a long reason wraps instead: one line per runtime
    for runtime in runtimes:
        found = availability(runtime)
        # Text, not markup: a reason or a description may hold brackets ("its [tls] extra").
        table.add_row(runtime.name, runtime.style,
                      Text("yes", "green") if found.available else Text("no", "red"),
                      Text(found.version or found.reason),
                      Text(runtime.description + (f" (from {runtime.provider})" if runtime.provider else "")))
    console.print(table)
    table = Table(title=f"Scenarios ({len(scenarios)} x {len(runtimes)} runtimes = "
                        f"{len(scenarios) * len(runtimes)} cells)", title_justify="left")
    for column in ("scenario", "title", "styles", "peers"):
        table.add_column(column)
    for scenario in scenarios:
        table.add_row(scenario.id, Text(scenario.title), " ".join(scenario.styles), " ".join(scenario.peers))
    console.print(table)
    return 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    if args.against is not None:
        _check_against(args)
        args.runtime = [*args.runtime, args.against]
    chosen = selection(args)
    scenarios, runtimes = chosen.scenarios, chosen.runtimes
    if args.jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {args.jobs}")
    if args.against is not None:
        for runtime in runtimes:
            found = availability(runtime)
            if not found.available:
                raise UsageError(f"--against runs {runtime.name} beside {args.against}, but "
                                 f"{runtime.name} is not available here: {found.reason}")
    expectations = expectations_for(chosen.root, args.expectations)
    from conformance._parent.run_info import collect

    run_info = collect([r.name for r in runtimes])
    output = args.output or Path("reports") / "runs" / f"{run_info['platform']}.json"
    writer = RunWriter(output, run_info)
    runner = CellRunner(expectations)
    pairs = [(s, r) for s in scenarios for r in runtimes]
    interactive = console.is_terminal
    progress = Progress(TextColumn("[bold]conformance run"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.description}"),
                        console=console, transient=True, disable=not interactive)
    task = progress.add_task("", total=len(pairs))

    def on_cell(cell: Cell) -> None:
        writer.add(cell)
        progress.update(task, advance=1, description=f"{cell.id}: {cell.outcome.value}")
        if not interactive:  # CI logs: one line per cell as it finishes
            console.print(progress_line(cell, len(writer.cells), len(pairs)), soft_wrap=True)

    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        with progress, runner:
            run_cells(runner, pairs, args.jobs, on_cell)
    except ExpectationsError as exc:  # two entries claim one cell: the data must be fixed
        writer.finish(interrupted=True)
        raise UsageError(f"{exc} (the {len(writer.cells)} cells finished are kept in {writer.path})") \
            from None
    except KeyboardInterrupt:
        return interrupted(writer, console)
    finished = datetime.datetime.now(datetime.timezone.utc)
    document = writer.finish(finished_at=finished.isoformat(timespec="seconds"),
                             wall_time_s=round((finished - started).total_seconds(), 3))
    console.print(results_table(document.cells, scenarios, runtimes))
    verdicts = [(c, judge(c)) for c in document.cells]
    counts = Counter(c.outcome.value for c in document.cells)
    console.print("outcomes: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
    confirmed = [c for c, v in verdicts if v.kind is Kind.CONFIRMED]
    refuted = [v for _, v in verdicts if v.kind is Kind.REFUTED]
    if confirmed or refuted:
        console.print(f"predictions: {len(confirmed)} confirmed (predicted and now observed; "
                      f"{PROMOTE_HINT}), {len(refuted)} refuted (not a failure: review them)",
                      soft_wrap=True, markup=False)
    for cell in confirmed:
        console.print(Text(f"confirmed prediction: {cell.id} {cell.outcome.value}", style="dim"),
                      soft_wrap=True)
    # Refuted predictions come last but one, right above the failures: they need a reader, not a fix
    # of the runtime, and they never change the exit status.
    for verdict in refuted:
        console.print(Text(f"refuted: {verdict.message}", style="yellow"), soft_wrap=True)
    unexpected = [(c, v) for c, v in verdicts if v.kind in FAILING]
    for _, verdict in unexpected:
        console.print(Text(f"unexpected: {verdict.message}", style="red"), soft_wrap=True)
    for line in server_start_lines(runner, scenarios, document.cells):
        console.print(line, soft_wrap=True, markup=False)
    console.print(f"{len(document.cells)} cells in {(finished - started).total_seconds():.1f} s; "
                  f"run document: {writer.path}")
    if args.against is not None:
        return _report_against(document.cells, [r.name for r in runtimes[:-1]], args.against, console)
    return 1 if unexpected else 0


def _check_against(args: argparse.Namespace) -> None:
    if not args.runtime:
        raise UsageError(f"--against {args.against} compares the runtimes --runtime names with it: "
                         "name at least one, e.g. --runtime myloop --against asyncio")
    if args.against in args.runtime:
        raise UsageError(f"--against {args.against} is also a --runtime: the reference is compared with "
                         "the other runtimes, not with itself")


def _report_against(cells: Sequence[Cell], tested: Sequence[str], reference: str, console: Console) -> int:
    """Where each runtime under test differs from the reference; 1 where one does worse unexplained.
    The exit status is decided here, not by the cells' own verdicts: a runtime that shares one of the
    reference's known deviations is not worse than it (conformance/_parent/against.py)."""
    from conformance._parent.against import against_table, compare_against

    status = 0
    for name in tested:
        against = compare_against(cells, name, reference)
        if against.differences:
            console.print(against_table(against))
        console.print(Text(against.summary(), style="red" if against.regressions else "green"),
                      soft_wrap=True)
        status = status or (1 if against.regressions else 0)
    return status


def server_start_lines(runner: CellRunner, scenarios: Sequence[Scenario], cells: Sequence[Cell]) -> list[str]:
    """What each database server of the run cost: its start (paid once, before the first cell that
    needed it), and the first of its cells beside the median of the rest."""
    lines = []
    for server in runner.servers.started():
        if server.unavailable:
            lines.append(f"server {server.name}: not started, its cells skipped ({server.unavailable[:300]})")
            continue
        users = {s.id for s in scenarios if server.name in s.servers}
        ran = [c for c in cells if c.scenario in users and c.outcome.value != "skipped"]
        first = [c for c in ran if f"{server.name}_start_s" in c.details]
        rest = sorted(c.duration_s for c in ran if c not in first)
        line = (f"server {server.name}: started in {server.start_s:.2f} s before its first cell "
                f"({server.address.get('version', '?')})")
        if first:
            line += f"; that cell took {first[0].duration_s:.2f} s"
        if rest:
            line += f", the other {len(rest)} a median of {rest[len(rest) // 2]:.2f} s"
        lines.append(line)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except PluginError as exc:  # a subcommand's help lists the runtimes, an installed package's included
        return _usage_error(exc)
    _never_fail_on_a_symbol()
    # Logs (CI, a file) get the whole table rather than rich's default of 80 columns.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    try:
        if args.command == "list":
            return cmd_list(args, console)
        if args.command == "bench":
            from conformance._bench.command import cmd_bench

            return cmd_bench(args, console)
        if args.command == "repro":
            from conformance._parent.repro import cmd_repro

            return cmd_repro(args, console)
        if args.command == "expectations":
            from conformance._parent.expectations_update import cmd_update

            return cmd_update(args, console)
        if args.command in ("report", "diff"):
            from conformance._report.command import cmd_diff, cmd_report

            return (cmd_report if args.command == "report" else cmd_diff)(args, console)
        return cmd_run(args, console)
    except (UsageError, PluginError) as exc:  # PluginError: wherever the runtimes are listed first
        return _usage_error(exc)


def _usage_error(exc: Exception) -> int:
    Console(stderr=True, highlight=False).print(f"conformance: error: {exc}", style="red",
                                                soft_wrap=True, markup=False)
    return 2


def _never_fail_on_a_symbol() -> None:
    """A console or pipe that cannot encode the outcome symbols (Windows' cp1252 when output is
    redirected) shows "?" for them: the word beside each symbol says the same, and a run must not die
    with a UnicodeEncodeError halfway through writing its results."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            reconfigure(errors="replace")


if __name__ == "__main__":
    sys.exit(main())
