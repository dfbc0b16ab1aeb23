"""``conformance expectations update``: propose expectations from run documents.

The way web-platform-tests updates its metadata from a run, this bootstraps a new platform or a new
runtime release: every deviation that no expectation covers becomes a *candidate* entry appended to the
expectations file, narrowed to the platform it was observed on, with the observed reason as a comment
and an empty ``reason`` and ``link``. The loader refuses an entry with an empty reason or link, so a
candidate cannot reach CI before a maintainer has written why (with a link pinned to the release) or
fixed the bug instead.

Never proposed: an unexpected pass (an entry to remove, not to add), a cell that contradicts an existing
entry (that entry is edited by hand), and ``error``, ``timeout``, ``crash`` and harness errors, which
are first assumed to be the suite's bug: those are listed to investigate. The command also lists the
predictions the runs confirmed (to promote: delete ``predicted = true``) and refuted (to correct).

Cells are judged against the expectations file as it is now (not as it was when the runs were made),
in each run's own marker environment, so an entry added since (a reviewed candidate included) counts.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from conformance._model.expectations import (
    CANDIDATE_HINT,
    NEVER_PREDICTED,
    Entry,
    Expectations,
    ExpectationsError,
    run_environment,
)
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell
from conformance._model.verdict import PROMOTE_HINT, Kind, Verdict, judge
from conformance._report.merge import Merged

# The marker variables a candidate's ``when`` may be narrowed by within one OS, in the order they are
# tried: a deviation seen on some Pythons is narrowed by python_version before anything else.
DIMENSIONS = ("python_version", "platform_machine", "platform_python_implementation")
REASON_LIMIT = 300


def add_update_arguments(update: argparse.ArgumentParser) -> None:
    from conformance._report.command import add_run_documents_arguments

    add_run_documents_arguments(update, "the expectations file to append candidates to")


@dataclass(frozen=True)
class Observation:
    """One cell of one platform, judged against the expectations file as it is now."""

    platform: str  # its platform id
    environment: dict[str, str]  # the marker environment the cell was judged in
    cell: Cell
    entry: Entry | None
    verdict: Verdict


@dataclass(frozen=True)
class Candidate:
    """An entry to propose: a deviation no expectation covers, on the platforms of one OS."""

    scenario: str
    runtime: str
    when: str
    outcome: Outcome
    observed: tuple[Observation, ...]

    def toml(self) -> list[str]:
        """The entry's lines: the observed reasons as comments, then the fields."""
        lines = ["[[expectation]]"]
        by_reason: dict[str, list[str]] = {}
        for observation in self.observed:
            by_reason.setdefault(_comment_text(observation.cell.reason), []).append(observation.platform)
        for reason, platforms in by_reason.items():
            lines.append(f"# observed on {', '.join(platforms)}: {reason}")
        for name, value in (("scenario", self.scenario), ("runtime", self.runtime), ("when", self.when),
                            ("outcome", self.outcome.value), ("reason", ""), ("link", "")):
            lines.append(f"{name} = {_toml_string(value)}")
        return lines


@dataclass(frozen=True)
class Update:
    """What the runs say about the expectations file."""

    candidates: tuple[Candidate, ...] = ()  # to append
    investigate: tuple[Observation, ...] = ()  # error, timeout, crash, harness error
    contradicting: tuple[Observation, ...] = ()  # an existing observed entry says otherwise
    confirmed: tuple[Observation, ...] = ()
    refuted: tuple[Observation, ...] = ()
    unreviewed: tuple[Entry, ...] = ()  # candidates of earlier updates, still without reason or link


def judge_cells(merged: Merged, expectations: Expectations) -> tuple[list[Observation], list[str]]:
    """Every cell of every platform, judged against ``expectations`` in its run's marker environment."""
    observations: list[Observation] = []
    problems: list[str] = []
    environments = {p.id: run_environment(p.run_info) for p in merged.platforms}
    for (scenario, runtime, platform_id), cell in sorted(merged.cells.items()):
        environment = environments[platform_id]
        try:
            entry = expectations.find(scenario, runtime, environment)
        except ExpectationsError as exc:
            problems.append(f"{exc} (on {platform_id})")
            continue
        judged = cell.with_expectation(entry.expectation if entry else None)
        observations.append(Observation(platform_id, environment, judged, entry, judge(judged)))
    return observations, problems


def propose(observations: Sequence[Observation], expectations: Expectations) -> Update:
    investigate: list[Observation] = []
    contradicting: list[Observation] = []
    deviations: list[Observation] = []
    for observation in observations:
        cell, verdict = observation.cell, observation.verdict
        if verdict.kind is not Kind.UNEXPECTED:
            continue
        if cell.harness_error or cell.outcome in NEVER_PREDICTED:
            investigate.append(observation)
        elif observation.entry is None and cell.outcome is not Outcome.PASS:
            deviations.append(observation)
        else:
            contradicting.append(observation)
    # A candidate already in the file (from an earlier update, reviewed or not) covers the cells it was
    # made from, so they are not deviations any more: running the command twice adds nothing.
    return Update(
        candidates=tuple(_candidates(deviations, observations)), investigate=tuple(investigate),
        contradicting=tuple(contradicting),
        confirmed=tuple(o for o in observations if o.verdict.kind is Kind.CONFIRMED),
        refuted=tuple(o for o in observations if o.verdict.kind is Kind.REFUTED),
        unreviewed=tuple(e for e in expectations.entries if e.candidate))


def _candidates(deviations: Sequence[Observation], observations: Sequence[Observation]) -> list[Candidate]:
    """One candidate per scenario x runtime x OS x outcome, its ``when`` narrowed to the platforms of
    that OS that showed the outcome, against every platform of the OS that ran the cell."""
    ran: dict[tuple[str, str, str], list[Observation]] = {}
    for observation in observations:
        if observation.verdict.kind is not Kind.NOT_RUN:  # a cell that did not run tells nothing
            key = (observation.cell.scenario, observation.cell.runtime,
                   observation.environment["sys_platform"])
            ran.setdefault(key, []).append(observation)
    grouped: dict[tuple[str, str, str, Outcome], list[Observation]] = {}
    for observation in deviations:
        cell = observation.cell
        grouped.setdefault((cell.scenario, cell.runtime, observation.environment["sys_platform"],
                            cell.outcome), []).append(observation)
    candidates = []
    for (scenario, runtime, sys_platform, outcome), showing in sorted(grouped.items()):
        when = narrow(sys_platform, [o.environment for o in showing],
                      [o.environment for o in ran[(scenario, runtime, sys_platform)]])
        candidates.append(Candidate(scenario, runtime, when, outcome, tuple(showing)))
    return candidates


def narrow(sys_platform: str, showing: Sequence[dict[str, str]], ran: Sequence[dict[str, str]]) -> str:
    """The ``when`` of a candidate: ``sys_platform == '...'``, and, only where the platforms of that OS
    that ran the cell disagree, the fewest marker variables that tell those showing the deviation from
    the others (python_version first)."""
    base = f"sys_platform == {_quote(sys_platform)}"
    shown = {tuple(e.get(d, "") for d in DIMENSIONS) for e in showing}
    others = {tuple(e.get(d, "") for d in DIMENSIONS) for e in ran} - shown
    if not others:
        return base
    subsets = [s for size in range(1, len(DIMENSIONS) + 1)
               for s in itertools.combinations(range(len(DIMENSIONS)), size)]
    for subset in subsets:
        mine = {tuple(k[i] for i in subset) for k in shown}
        theirs = {tuple(k[i] for i in subset) for k in others}
        if not mine & theirs or subset == subsets[-1]:
            return f"{base} and {_condition([DIMENSIONS[i] for i in subset], mine, theirs)}"
    raise AssertionError("unreachable: the last subset always returns")


def _condition(names: Sequence[str], mine: set[tuple[str, ...]], theirs: set[tuple[str, ...]]) -> str:
    if list(names) == ["python_version"]:
        ranged = _python_range({v for (v,) in mine}, {v for (v,) in theirs})
        if ranged:
            return ranged
    terms = [" and ".join(f"{n} == {_quote(v)}" for n, v in zip(names, values, strict=True))
             for values in sorted(mine, key=lambda values: [_version_key(v) for v in values])]
    if len(terms) == 1:
        return terms[0]
    return "(" + " or ".join(f"({t})" if len(names) > 1 else t for t in terms) + ")"


def _python_range(mine: set[str], theirs: set[str]) -> str | None:
    """``python_version < '3.13'`` where the Pythons showing it are all older than the others (fixed
    upstream since), ``>= '3.13'`` where all newer (changed upstream since); None otherwise."""
    if _version_key(max(mine, key=_version_key)) < _version_key(min(theirs, key=_version_key)):
        return f"python_version < {_quote(min(theirs, key=_version_key))}"
    if _version_key(min(mine, key=_version_key)) > _version_key(max(theirs, key=_version_key)):
        return f"python_version >= {_quote(min(mine, key=_version_key))}"
    return None


def _version_key(text: str) -> tuple[tuple[int, int, str], ...]:
    # Numbers compare as numbers (3.10 after 3.9), anything else as text, never a number with a text.
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in text.split("."))


def _quote(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string: the same quotes and the same escapes (\uXXXX included).
    return json.dumps(value, ensure_ascii=False)


def _comment_text(reason: str) -> str:
    """A reason as one line of a TOML comment, which may hold no control character but tab."""
    text = " ".join(reason.split())
    text = "".join(ch if ch >= " " and ch != "\x7f" else "?" for ch in text)
    return text if len(text) <= REASON_LIMIT else text[:REASON_LIMIT - 1] + "…"


def candidates_text(candidates: Sequence[Candidate], sources: Sequence[str], existing: bytes) -> str:
    """The text to append: a comment header naming the documents, then each candidate."""
    newline = "\r\n" if b"\r\n" in existing else "\n"
    # A file whose last line has no newline gets one first, so that the header starts a line of its own.
    lines = [""] if existing and not existing.endswith(b"\n") else []
    lines += ["", "# -- candidates from `conformance expectations update`, unreviewed " + "-" * 30,
              "# From the run documents:"]
    lines += [f"#   {_comment_text(source)}" for source in sources]
    lines += [f"# For each: {CANDIDATE_HINT}.",
              "# The loader refuses an entry whose reason or link is empty: none of these reaches CI as is."]
    for candidate in candidates:
        lines.append("")
        lines += candidate.toml()
    return newline.join(lines) + newline


def append_candidates(path: Path, candidates: Sequence[Candidate], sources: Sequence[str]) -> None:
    """Append to ``path``: its existing bytes stay as they are (no TOML rewriting)."""
    existing = path.read_bytes()
    text = candidates_text(candidates, sources, existing)
    with path.open("ab") as out:
        out.write(text.encode("utf-8"))


# -- the command ----------------------------------------------------------------------------------


def _problems(problems: Sequence[object]) -> None:
    err = Console(stderr=True, highlight=False)
    for problem in problems:
        err.print(f"conformance: error: {problem}", style="red", soft_wrap=True, markup=False)


def cmd_update(args: argparse.Namespace, console: Console) -> int:
    from conformance._model.scenarios import ScenarioError, default_scenarios_dir
    from conformance._report.merge import catalog_from_suite, load

    root = args.scenarios or default_scenarios_dir()
    path: Path = args.expectations or root / "expectations.toml"
    try:
        catalog = catalog_from_suite(args.scenarios)
    except ScenarioError as exc:
        _problems([exc])
        return 2
    merged, problems = load(args.inputs, catalog)
    if problems:
        _problems(problems)
        return 2
    if not merged.platforms:
        _problems(["no run document among the inputs (bench documents have no expectations)"])
        return 2
    try:
        expectations = Expectations.of_suite(root, path, required=True, candidates=True)
    except ExpectationsError as exc:
        _problems([exc])
        return 2
    observations, ambiguous = judge_cells(merged, expectations)
    if ambiguous:
        _problems(ambiguous)
        return 2
    update = propose(observations, expectations)
    if update.candidates:
        append_candidates(path, update.candidates, merged.sources)
    _print(console, update, path, len(merged.platforms))
    return 0


def _say(console: Console, text: str, style: str = "") -> None:
    console.print(text, style=style, soft_wrap=True, markup=False, highlight=False)


def _print(console: Console, update: Update, path: Path, platforms: int) -> None:
    if update.candidates:
        _say(console, f"{len(update.candidates)} candidate(s) appended to {path} (unreviewed: for each, "
                      f"{CANDIDATE_HINT}):", "bold")
        for c in update.candidates:
            _say(console, f"  {c.scenario}[{c.runtime}] {c.outcome.value} when {c.when}")
    else:
        _say(console, f"no new candidate for {path} from {platforms} platform(s)")
    if update.unreviewed:
        _say(console, f"unreviewed candidates in {path} ({len(update.unreviewed)}): {CANDIDATE_HINT}",
             "yellow")
        for entry in update.unreviewed:
            _say(console, f"  {entry.where}: {entry.scenario}[{entry.runtime}] "
                          f"{entry.expectation.outcome.value} when {entry.when}", "yellow")
    if update.investigate:
        _say(console, f"not proposed: investigate ({len(update.investigate)}): error, timeout, crash and "
                      "harness errors are first assumed to be the suite's bug", "red")
        for o in update.investigate:
            _say(console, f"  {o.cell.id} on {o.platform}: {o.cell.outcome.value}: "
                          f"{_comment_text(o.cell.reason)}", "red")
    if update.contradicting:
        _say(console, f"not proposed: contradicts an existing entry ({len(update.contradicting)}); edit "
                      "or remove the entry by hand", "yellow")
        _by_entry(console, update.contradicting, "expected", "yellow")
    for title, found, hint in (("confirmed predictions", update.confirmed, PROMOTE_HINT),
                               ("refuted predictions", update.refuted, "correct or remove the prediction")):
        if found:
            _say(console, f"{title} ({len(found)}): {hint}", "bold")
            _by_entry(console, found, "predicted")


def _by_entry(console: Console, observations: Sequence[Observation], expected: str, style: str = "") -> None:
    """One line per entry: what it expects, and each outcome observed with the platforms that had it."""
    grouped: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for o in observations:
        where = o.entry.where if o.entry else "no entry"
        key = (where, o.cell.id, o.cell.expected.value)
        grouped.setdefault(key, {}).setdefault(o.cell.outcome.value, []).append(o.platform)
    for (where, cell_id, wanted), seen in grouped.items():
        observed = "; ".join(f"{outcome} on {', '.join(platforms)}" for outcome, platforms in seen.items())
        _say(console, f"  {where} ({cell_id}, {expected} {wanted}): observed {observed}", style)
