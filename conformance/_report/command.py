"""``conformance report`` and ``conformance diff``: the command-line side of the report builder.

Bad input is never a traceback: every problem of every input is one line naming the file, and the exit
status is 2. With ``--keep-going`` the report is built from the good inputs all the same (the page says
what was left out), and the status is still 2, so that CI sees the bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from conformance._report.merge import Problem

if TYPE_CHECKING:
    from conformance._model.expectations import Expectations

EXTRA_HINT = "pip install 'conformance[report]'"


def add_run_documents_arguments(parser: argparse.ArgumentParser, expectations_help: str) -> None:
    """The run documents a command reads, the scenarios they may name, and the expectations file:
    the same for ``conformance report`` and ``conformance expectations update``."""
    parser.add_argument("inputs", nargs="+", metavar="RUN.json",
                        help="run documents (or folders of them) from any number of platforms")
    parser.add_argument("--scenarios", type=Path, metavar="DIR",
                        help="the scenarios folder whose scenarios the run documents may name "
                             "(default: the suite's own)")
    parser.add_argument("--expectations", type=Path, metavar="FILE",
                        help=f"{expectations_help} (default: expectations.toml in the scenarios folder)")


def add_report_arguments(report: argparse.ArgumentParser) -> None:
    add_run_documents_arguments(report, "the expectations whose predictions (predicted = true) the "
                                        "report lists for the OSes no input ran")
    report.add_argument("--output", "-o", type=Path, default=Path("reports"), metavar="DIR",
                        help="where to write index.html, support-table.md, support.json, support.csv "
                             "and plots/ (default: reports)")
    report.add_argument("--expect-platform", action="append", default=[], metavar="ID",
                        help="a platform the report must have, e.g. linux-x86_64-cpython3.12 "
                             "(repeatable); a missing one is an error")
    report.add_argument("--baseline", type=Path, metavar="OLD",
                        help="an earlier report's support.json, run document or folder of them: the "
                             "page gets a section of what changed, and diff.md is written")
    report.add_argument("--history", type=Path, metavar="DIR",
                        help="a folder of earlier run documents: each cell's details list its "
                             "transitions over time")
    report.add_argument("--compare", nargs=2, action="append", default=[], metavar=("A", "B"),
                        help="also write compare-A-B.md: where runtimes A and B differ, why, and their "
                             "bench ratios, for pasting into an issue (repeatable)")
    report.add_argument("--keep-going", action="store_true",
                        help="build from the good inputs even if some are bad (exit status still 2)")


def add_diff_arguments(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("old", type=Path, metavar="OLD",
                      help="a run document, a folder of them, or a report's support.json")
    diff.add_argument("new", type=Path, metavar="NEW", help="the same, for the newer results")
    diff.add_argument("--output", "-o", type=Path, metavar="FILE",
                      help="write the Markdown here instead of to standard output")
    diff.add_argument("--fail-on-regression", action="store_true",
                      help="exit with status 1 when any cell regressed")


def _problems(problems: Sequence[Problem | str]) -> None:
    err = Console(stderr=True, highlight=False)
    for problem in problems:
        err.print(f"conformance: error: {problem}", style="red", soft_wrap=True, markup=False)


def _needs_extra() -> str | None:
    missing = []
    for module in ("jinja2", "matplotlib"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        return f"conformance report needs {' and '.join(missing)}: {EXTRA_HINT}"
    return None


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    lacking = _needs_extra()
    if lacking:
        _problems([lacking])
        return 2
    from conformance._model.scenarios import ScenarioError
    from conformance._report.build import write_report
    from conformance._report.diff import diff, load_results
    from conformance._report.history import load_history
    from conformance._report.merge import bench_titles_from_suite, catalog_from_suite, load

    try:
        catalog = catalog_from_suite(args.scenarios)
        bench_titles = bench_titles_from_suite(args.scenarios)
    except ScenarioError as exc:
        _problems([str(exc)])
        return 2
    merged, problems = load(args.inputs, catalog, expected_platforms=args.expect_platform)
    expectations, expectations_problem = _expectations(args)
    if expectations_problem:
        problems.append(Problem("", expectations_problem))
    history = None
    if args.history is not None:
        history, history_problems = load_history(args.history, merged)
        problems.extend(history_problems)
    change_set = None
    if args.baseline is not None:
        old, baseline_problems = load_results(args.baseline)
        problems.extend(baseline_problems)
        if old is not None:
            change_set = diff(old, merged, old_name=str(args.baseline), new_name="this report")
    if problems:
        _problems(problems)
        if not args.keep_going:
            console.print(f"no report written: {len(problems)} problem{'s' * (len(problems) > 1)} "
                          "(--keep-going builds from the good inputs)", soft_wrap=True)
            return 2
    if not merged.platforms:
        _problems(["no run document to build a report from"])
        return 2
    from conformance._report.compare import CompareError

    try:
        written = write_report(merged, args.output, change_set=change_set, history=history,
                               bench_titles=bench_titles, expectations=expectations,
                               comparisons=[tuple(pair) for pair in args.compare])
    except CompareError as exc:
        _problems([f"--compare: {exc}"])
        return 2
    bench = f", {len(merged.bench)} bench document(s)" if merged.bench else ""
    console.print(f"report: {len(merged.platforms)} platform(s), {len(merged.scenarios)} scenarios, "
                  f"{len(merged.cells)} cells{bench} -> {written.folder} "
                  f"({', '.join(str(p.relative_to(written.folder)) for p in written.files)})",
                  soft_wrap=True, markup=False)
    if merged.missing_oses:
        console.print("no results for: " + ", ".join(merged.missing_oses) + " (the page says so)",
                      soft_wrap=True, markup=False)
    return 2 if problems else 0


def _expectations(args: argparse.Namespace) -> tuple[Expectations | None, str]:
    """The expectations whose predictions the report lists, or the one line saying why they cannot be
    read. No file at the default place is no expectations (a report of a scenarios folder without any)."""
    from conformance._model.expectations import Expectations, ExpectationsError
    from conformance._model.scenarios import default_scenarios_dir

    root = args.scenarios or default_scenarios_dir()
    if args.expectations is None and not (root / "expectations.toml").exists():
        return None, ""
    try:
        return Expectations.of_suite(root, args.expectations), ""
    except ExpectationsError as exc:
        return None, str(exc)


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    from conformance._model.results import write_atomically
    from conformance._report.diff import diff, load_results
    from conformance._report.render_markdown import render_diff

    old, problems = load_results(args.old)
    new, new_problems = load_results(args.new)
    problems.extend(new_problems)
    if problems or old is None or new is None:
        _problems(problems)
        return 2
    change_set = diff(old, new, old_name=str(args.old), new_name=str(args.new))
    text = render_diff(change_set)
    if args.output is not None:
        write_atomically(args.output, text + "\n")
        console.print(f"diff: {', '.join(f'{change_set.count(k)} {k}' for k in ('regressed', 'fixed'))} "
                      f"-> {args.output}", soft_wrap=True, markup=False)
    else:
        sys.stdout.write(text + "\n")
    return 1 if args.fail_on_regression and change_set.count("regressed") else 0
