"""Each cell's transitions over time, from a folder of earlier run documents.

A cell's history lists when its outcome changed (the date is the run's ``started_at``, with the
runtime's version then), not every run: a reader wants to know since when gevent blocks on macOS and
with which release that began, not that it blocked on forty consecutive nights.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance._model.results import Cell, RunDocument
from conformance._report.merge import CellKey, Merged, Problem, platform_of, read_documents, time_key


@dataclass(frozen=True)
class Transition:
    """The outcome of a cell became ``new`` in the run started at ``when`` (``old`` None: first seen)."""

    when: str
    version: str | None
    old: str | None
    new: str

    def to_json(self) -> dict[str, str | None]:
        return {"when": self.when, "version": self.version, "old": self.old, "new": self.new}


History = dict[CellKey, tuple[Transition, ...]]


@dataclass(frozen=True)
class _Observation:
    when: str
    version: str | None
    outcome: str


def history_files(folder: str | os.PathLike[str]) -> tuple[list[Path], list[Problem]]:
    root = Path(folder)
    if not root.is_dir():
        return [], [Problem(str(root), "--history needs a folder of earlier run documents")]
    return sorted(root.rglob("*.json")), []


def load_history(folder: str | os.PathLike[str], current: Merged) -> tuple[History, list[Problem]]:
    """The transitions of every cell of ``current``, over the run documents in ``folder`` and
    ``current`` itself (the latest). Unreadable documents are problems; cells of scenarios the suite
    no longer has are simply not asked for."""
    files, problems = history_files(folder)
    documents, unreadable = read_documents(files)
    problems.extend(unreadable)
    runs: list[tuple[str, RunDocument]] = []
    for source, document in documents:
        try:
            platform_of(document.run_info)
        except (KeyError, TypeError, AttributeError):
            problems.append(Problem(source, "run_info lacks platform (and the fields to name it)"))
            continue
        runs.append((source, document))
    return transitions(current, (d for _, d in runs)), problems


def transitions(current: Merged, earlier: Iterable[RunDocument]) -> History:
    wanted = set(current.cells)
    observations: dict[CellKey, dict[tuple[str, str], _Observation]] = {}

    def observe(key: CellKey, when: str, version: str | None, cell: Cell) -> None:
        if key in wanted:
            seen = observations.setdefault(key, {})
            seen.setdefault((when, cell.outcome.value), _Observation(when, version, cell.outcome.value))

    for document in earlier:
        info = document.run_info
        platform_id = platform_of(info)
        when = str(info.get("started_at") or "")
        for cell in document.cells:
            observe((cell.scenario, cell.runtime, platform_id), when, _version(cell, info), cell)
    for key, cell in current.cells.items():
        info = current.platform(key[2]).run_info
        observe(key, str(info.get("started_at") or ""), _version(cell, info), cell)

    history: History = {}
    for key, seen in observations.items():
        ordered = sorted(seen.values(), key=lambda o: (time_key(o.when), o.when))
        changes: list[Transition] = []
        previous: str | None = None
        for observation in ordered:
            if observation.outcome != previous:
                changes.append(Transition(observation.when, observation.version, previous,
                                          observation.outcome))
                previous = observation.outcome
        history[key] = tuple(changes)
    return history


def _version(cell: Cell, info: Mapping[str, Any]) -> str | None:
    version = cell.details.get("runtime_version")
    if version:
        return version
    runtimes = info.get("runtimes")
    found = runtimes.get(cell.runtime) if isinstance(runtimes, dict) else None
    value = found.get("version") if isinstance(found, dict) else None
    return str(value) if value else None
