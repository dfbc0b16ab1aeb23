"""What changed between two sets of results (run documents, folders of them, or a merged
``support.json``): what regressed, what got fixed, what changed otherwise, what is new, what disappeared,
per runtime and platform.

- **regressed**: was ``pass``, now a finding (blocking, fail, unsupported, error, timeout, crash);
- **fixed**: was a finding, now ``pass``;
- **changed**: any other change of outcome (fail -> crash, pass -> skipped, unavailable -> pass ...);
- **new** / **disappeared**: a cell only one side has. A whole platform, a runtime on a platform, or a
  scenario that only one side has is one line, not one line per cell.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance._model.outcomes import Outcome
from conformance._model.results import SCHEMA, DocumentError
from conformance._report.merge import CellKey, Merged, Problem, load

KINDS = ("regressed", "fixed", "changed", "new", "disappeared")
FINDINGS = frozenset({Outcome.BLOCKING.value, Outcome.FAIL.value, Outcome.UNSUPPORTED.value,
                      Outcome.ERROR.value, Outcome.TIMEOUT.value, Outcome.CRASH.value})


@dataclass(frozen=True)
class Change:
    kind: str
    scenario: str
    runtime: str
    platform: str
    os: str
    old: str | None
    new: str | None
    reason: str  # the new cell's reason (the old one's for a disappeared cell)

    @property
    def cell_id(self) -> str:
        """The table cell (scenario/runtime/OS) this change is in: the fragment that opens it."""
        return f"{self.scenario}/{self.runtime}/{self.os}"


@dataclass(frozen=True)
class Group:
    """Cells that are new (or disappeared) together: a platform, a runtime on a platform, a scenario."""

    kind: str
    what: str
    cells: int


@dataclass(frozen=True)
class Diff:
    old_name: str
    new_name: str
    changes: tuple[Change, ...]
    groups: tuple[Group, ...]

    def of_kind(self, kind: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == kind)

    def groups_of_kind(self, kind: str) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.kind == kind)

    def count(self, kind: str) -> int:
        return len(self.of_kind(kind)) + sum(g.cells for g in self.groups_of_kind(kind))

    @property
    def empty(self) -> bool:
        return not self.changes and not self.groups

    def per_runtime_platform(self) -> list[tuple[str, str, dict[str, int]]]:
        """(runtime, platform, {kind: count}) for every pair with a change, individual changes only."""
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for change in self.changes:
            row = counts.setdefault((change.runtime, change.platform), dict.fromkeys(KINDS, 0))
            row[change.kind] += 1
        return [(r, p, c) for (r, p), c in sorted(counts.items())]


def classify(old: str, new: str) -> str | None:
    if old == new:
        return None
    if old == Outcome.PASS.value and new in FINDINGS:
        return "regressed"
    if old in FINDINGS and new == Outcome.PASS.value:
        return "fixed"
    return "changed"


def diff(old: Merged, new: Merged, old_name: str = "old", new_name: str = "new") -> Diff:
    changes: list[Change] = []
    for key in sorted(set(old.cells) & set(new.cells)):
        before, after = old.cells[key], new.cells[key]
        kind = classify(before.outcome.value, after.outcome.value)
        if kind:
            changes.append(Change(kind, *key, os=new.platform(key[2]).sys_platform,
                                  old=before.outcome.value, new=after.outcome.value, reason=after.reason))
    groups: list[Group] = []
    for kind, side, other in (("new", new, old), ("disappeared", old, new)):
        only = sorted(set(side.cells) - set(other.cells))
        grouped, ungrouped = _collapse(kind, only, side, other)
        groups.extend(grouped)
        for key in ungrouped:
            cell = side.cells[key]
            changes.append(Change(kind, *key, os=side.platform(key[2]).sys_platform,
                                  old=None if kind == "new" else cell.outcome.value,
                                  new=cell.outcome.value if kind == "new" else None, reason=cell.reason))
    order = {k: i for i, k in enumerate(KINDS)}
    changes.sort(key=lambda c: (order[c.kind], c.runtime, c.platform, c.scenario))
    return Diff(old_name, new_name, tuple(changes), tuple(groups))


def _collapse(kind: str, keys: Sequence[CellKey], side: Merged,
              other: Merged) -> tuple[list[Group], list[CellKey]]:
    other_platforms = {p.id for p in other.platforms}
    other_pairs = {(r, p) for (_, r, p) in other.cells}
    other_scenarios = {s for (s, _, _) in other.cells}
    groups: dict[str, int] = {}
    rest: list[CellKey] = []
    for key in keys:
        scenario, runtime, platform = key
        if platform not in other_platforms:
            what = f"platform {platform}"
        elif (runtime, platform) not in other_pairs:
            what = f"runtime {runtime} on {platform}"
        elif scenario not in other_scenarios:
            what = f"scenario {scenario}"
        else:
            rest.append(key)
            continue
        groups[what] = groups.get(what, 0) + 1
    return [Group(kind, what, n) for what, n in groups.items()], rest


def load_results(path: str | Path) -> tuple[Merged | None, list[Problem]]:
    """A side of a diff: a run document, a folder of them, or a merged ``support.json``."""
    from conformance._report.export import merged_from_support

    location = Path(path)
    if location.is_file():
        try:
            data = json.loads(location.read_text(encoding="utf-8"))
        except OSError as exc:
            return None, [Problem(str(location), f"cannot read: {exc.strerror or exc}")]
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return None, [Problem(str(location), f"not JSON: {exc}")]
        if isinstance(data, dict) and data.get("schema") != SCHEMA:
            try:
                return merged_from_support(data), []
            except DocumentError as exc:
                return None, [Problem(str(location), f"{exc} (expected a run document, {SCHEMA!r}, "
                                                     "or a merged report's support.json)")]
    merged, problems = load([location], None)
    return (None if problems else merged), problems
