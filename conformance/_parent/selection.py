"""Which cells a command runs, and the expectations it judges them by: one home for the options and
the loading that ``conformance run``, ``conformance bench`` and the pytest plugin share.

Every problem is a :class:`UsageError` with one line that says what was wrong and what is accepted;
the pytest plugin turns it into ``pytest.UsageError``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance._model.expectations import Expectations, ExpectationsError
from conformance._model.scenarios import (
    CONFORMANCE_AREAS,
    Scenario,
    ScenarioError,
    default_scenarios_dir,
    discover,
    select,
)
from conformance._runtimes import (
    BUILTIN_RUNTIMES,
    RUNTIMES,
    PluginError,
    Runtime,
    UnknownRuntime,
    get_runtime,
)

RUNTIME_HELP = (f"only this runtime (repeatable): {', '.join(BUILTIN_RUNTIMES)}, or one an installed "
                "package adds (conformance list)")
EXPECTATIONS_HELP = "known deviations (default: expectations.toml in the scenarios folder)"


class UsageError(Exception):
    """Bad input from the command line: printed as one clear line, exit status 2."""


@dataclass(frozen=True)
class Selection:
    scenarios: list[Scenario]
    runtimes: list[Runtime]
    root: Path  # the scenarios folder


def add_selection_arguments(parser: argparse.ArgumentParser, *, items: str = "scenarios",
                            example: str = "dns or signals", folder_note: str = "") -> None:
    """``--runtime``, ``-k`` and ``--scenarios``, as every command that runs cells spells them."""
    parser.add_argument("--runtime", action="append", default=[], metavar="NAME", help=RUNTIME_HELP)
    parser.add_argument("-k", dest="keyword", metavar="EXPR",
                        help=f"only {items} matching this pytest-style expression, e.g. \"{example}\"")
    parser.add_argument("--scenarios", type=Path, metavar="DIR",
                        help=f"the scenarios folder (default: the suite's own{folder_note})")


def runtimes_named(names: Sequence[str]) -> list[Runtime]:
    """The runtimes ``names`` (every runtime when empty)."""
    try:
        return [get_runtime(n) for n in names] or list(RUNTIMES.values())
    except (UnknownRuntime, PluginError) as exc:
        raise UsageError(str(exc)) from None


def scenarios_dir(given: str | Path | None) -> Path:
    return Path(given) if given else default_scenarios_dir()


def scenarios_in(root: Path, areas: Sequence[str], keyword: str | None = None) -> list[Scenario]:
    """The scenarios of ``areas`` under ``root`` that match ``keyword``: at least one."""
    try:
        scenarios = select(discover(root, areas), keyword)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if not scenarios:
        what = f"matches -k {keyword!r}" if keyword else f"is in {root}"
        raise UsageError(f"no {' or '.join(areas)} scenario {what}")
    return scenarios


def selection(args: argparse.Namespace, areas: Sequence[str] = CONFORMANCE_AREAS) -> Selection:
    """What ``add_selection_arguments``'s options select."""
    runtimes = runtimes_named(args.runtime)
    root = scenarios_dir(args.scenarios)
    return Selection(scenarios_in(root, areas, args.keyword), runtimes, root)


def expectations_for(root: Path, given: str | Path | None = None) -> Expectations:
    """The expectations of the scenarios folder ``root`` (``Expectations.of_suite``), or the file
    ``given``."""
    try:
        return Expectations.of_suite(root, given)
    except ExpectationsError as exc:
        raise UsageError(str(exc)) from None
