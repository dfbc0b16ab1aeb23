"""Reading run documents and merging them into one set of results, one platform per OS x Python x arch.

Every problem of every input is collected (never only the first), each naming its file; the caller
decides whether to stop or to build from the good files. Two documents for one platform merge when
they are parts of one run (tox writes one per runtime): their run info must agree and no cell may be in
both; otherwise that is a problem naming both files.
"""

from __future__ import annotations

import datetime
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance._model.results import Cell, DocumentError, RunDocument
from conformance._model.scenarios import AREAS, PlottedMeasurement
from conformance._report.presentation import OSES, os_name, os_order
from conformance._runtimes import RUNTIMES

# (scenario, runtime, platform id)
CellKey = tuple[str, str, str]

# Run info that describes the platform: two documents for one platform must agree on it, or they are
# not the same platform (another build of Python, another kernel, a free-threaded build under the same
# id). Times, CPU counts and the CI job link may differ between the parts of one platform's run, and so
# may the suite's commit (areas run one after another while the suite is written): every commit a
# platform's parts came from is kept in ``suite_commits`` and shown.
IDENTITY_FIELDS = ("sys_platform", "arch", "python_implementation", "python_version", "python_build",
                   "gil_enabled", "os_release")
_REQUIRED = ("sys_platform", "arch", "python_implementation", "python_version")



def shown_path(path: Path) -> str:
    """How an input is named in the report: relative to the current folder where it lies under it, so
    that a report built in a checkout (``tox -e report``) does not carry the paths of that machine;
    else as given."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class ScenarioInfo:
    """What the table says about a scenario: its id, area, title and a description; for a scenario
    that shows a documented mistake (``DOCUMENTED_MISTAKE``), the mistake and its remedy: its cells are
    shown but not scored; and the figures its module asks the report to plot (``PLOTS``)."""

    id: str
    area: str
    title: str
    description: str = ""
    documented_mistake: str = ""
    plots: tuple[PlottedMeasurement, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "area": self.area, "title": self.title, "description": self.description,
                "documented_mistake": self.documented_mistake or None,
                "plots": [plot.to_json() for plot in self.plots]}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input (or with the set of inputs): printed as one line."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class MergeError(Exception):
    """The inputs have problems; every one of them is listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Platform:
    """One OS x Python x architecture, with the run info of the document(s) that ran there."""

    id: str
    sys_platform: str
    arch: str
    implementation: str
    python_version: str
    run_info: Mapping[str, Any]
    sources: tuple[str, ...]
    # The shortest name that tells this platform from the others of its OS ("3.12", "arm64 3.12"), in its
    # two parts, so that a list of platforms can say a shared architecture once ("arm64 3.12, 3.13"):
    # the architecture where the OS has several, and the Python (or the platform's id where nothing
    # shorter tells it apart). Set by :func:`label_platforms`.
    label_prefix: str = ""
    label_name: str = ""

    @property
    def label(self) -> str:
        return f"{self.label_prefix} {self.label_name}".strip() or self.id

    @property
    def python(self) -> str:
        return ".".join(self.python_version.split(".")[:2])

    @property
    def os_name(self) -> str:
        return os_name(self.sys_platform)

    def runtime_version(self, runtime: str) -> str | None:
        found = (self.run_info.get("runtimes") or {}).get(runtime) or {}
        version = found.get("version") if isinstance(found, dict) else None
        return str(version) if version else None

    def sort_key(self) -> tuple[Any, ...]:
        return (os_order(self.sys_platform), _version_key(self.python_version), self.arch,
                self.implementation, self.id)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "os": self.sys_platform, "os_name": self.os_name, "arch": self.arch,
                "python_implementation": self.implementation, "python_version": self.python_version,
                "label": self.label, "sources": list(self.sources), "run_info": dict(self.run_info)}


@dataclass(frozen=True)
class Merged:
    """Every cell of every platform, with what the table needs to say about coverage."""

    scenarios: tuple[ScenarioInfo, ...]
    runtimes: tuple[str, ...]
    platforms: tuple[Platform, ...]
    cells: Mapping[CellKey, Cell]
    expected_platforms: tuple[str, ...] = ()
    # Inputs left out (``--keep-going``): the page says so.
    problems: tuple[Problem, ...] = ()
    # Scenarios the suite has that no input ran.
    unrun_scenarios: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # Bench documents (``conformance bench``): shown in a section of their own, never in the table.
    bench: tuple[tuple[str, RunDocument], ...] = ()
    _platforms_by_id: dict[str, Platform] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._platforms_by_id.update({p.id: p for p in self.platforms})

    def platform(self, platform_id: str) -> Platform:
        return self._platforms_by_id[platform_id]

    @property
    def oses(self) -> tuple[str, ...]:
        return tuple(sorted({p.sys_platform for p in self.platforms}, key=os_order))

    @property
    def missing_oses(self) -> tuple[str, ...]:
        present = set(self.oses)
        return tuple(o for o in OSES if o not in present)

    @property
    def missing_platforms(self) -> tuple[str, ...]:
        present = {p.id for p in self.platforms}
        return tuple(p for p in self.expected_platforms if p not in present)

    def cell(self, scenario: str, runtime: str, platform_id: str) -> Cell | None:
        return self.cells.get((scenario, runtime, platform_id))


def input_files(inputs: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Problem]]:
    """The run documents named: files as given, folders as the ``*.json`` files in them."""
    files: list[Path] = []
    problems: list[Problem] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                problems.append(Problem(str(path), "a folder with no run documents (*.json) in it"))
            files.extend(found)
        else:
            files.append(path)
    return files, problems


def read_documents(paths: Iterable[Path]) -> tuple[list[tuple[str, RunDocument]], list[Problem]]:
    """Each readable, valid run document with its file name; a problem for every other file."""
    documents: list[tuple[str, RunDocument]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            documents.append((shown_path(path), RunDocument.load(path)))
        except DocumentError as exc:
            # RunDocument.load names the file at the start of its message.
            text = str(exc)
            prefix = f"{path}: "
            problems.append(Problem(str(path), text[len(prefix):] if text.startswith(prefix) else text))
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
    return documents, problems


def merge(documents: Sequence[tuple[str, RunDocument]], catalog: Mapping[str, ScenarioInfo] | None,
          *, known_runtimes: Iterable[str] = RUNTIMES,
          expected_platforms: Sequence[str] = ()) -> tuple[Merged, list[Problem]]:
    """Merge run documents per platform.

    ``catalog`` is the suite's scenarios; a cell of any other scenario is a problem (``None``: accept
    every scenario, as ``diff`` does with old documents). A document with a problem is left out whole,
    so that the table never shows half of a run as if it were all of it.
    """
    runtimes_known = set(known_runtimes)
    problems: list[Problem] = []
    # platform id -> (its documents' sources, merged run info, which file each cell came from)
    groups: dict[str, tuple[list[str], dict[str, Any], dict[tuple[str, str], str]]] = {}
    cells: dict[CellKey, Cell] = {}
    for source, document in documents:
        own = _document_problems(source, document, catalog, runtimes_known)
        if own:
            problems.extend(own)
            continue
        info = dict(document.run_info)
        platform_id = platform_of(info)
        if platform_id not in groups:
            groups[platform_id] = ([source], info, {(c.scenario, c.runtime): source for c in document.cells})
            cells.update({(c.scenario, c.runtime, platform_id): c for c in document.cells})
            continue
        sources, merged_info, cell_sources = groups[platform_id]
        conflict = _conflict(merged_info, info)
        if conflict:
            problems.append(Problem(source, f"conflicting run info for platform {platform_id} with "
                                            f"{', '.join(sources)}: {conflict}"))
            continue
        duplicates = [(c, cell_sources[(c.scenario, c.runtime)]) for c in document.cells
                      if (c.scenario, c.runtime) in cell_sources]
        if duplicates:
            first, other = duplicates[0]
            more = f" and {len(duplicates) - 1} more" if len(duplicates) > 1 else ""
            problems.append(Problem(source, f"a second run for platform {platform_id}: duplicate cell "
                                            f"{first.id}{more}, also in {other}"))
            continue
        sources.append(source)
        _merge_info(merged_info, info)
        cell_sources.update({(c.scenario, c.runtime): source for c in document.cells})
        cells.update({(c.scenario, c.runtime, platform_id): c for c in document.cells})

    platforms = label_platforms(sorted((_platform(pid, info, tuple(srcs))
                                        for pid, (srcs, info, _) in groups.items()), key=Platform.sort_key))
    present = {key[0] for key in cells}
    scenarios = _scenarios(present, catalog)
    runtime_names = {key[1] for key in cells}
    runtimes = tuple(r for r in RUNTIMES if r in runtime_names) + \
        tuple(sorted(runtime_names - set(RUNTIMES)))
    unrun = tuple(sorted(set(catalog) - present)) if catalog is not None else ()
    merged = Merged(scenarios=scenarios, runtimes=runtimes, platforms=tuple(platforms), cells=cells,
                    expected_platforms=tuple(expected_platforms), problems=tuple(problems),
                    unrun_scenarios=unrun, sources=tuple(s for p in platforms for s in p.sources))
    for missing in merged.missing_platforms:
        problems.append(Problem("", f"expected platform {missing}: no run document for it"))
    return merged, problems


def _document_problems(source: str, document: RunDocument, catalog: Mapping[str, ScenarioInfo] | None,
                       runtimes_known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    info = document.run_info
    lacking = [k for k in _REQUIRED if not isinstance(info.get(k), str) or not info.get(k)]
    if lacking and not isinstance(info.get("platform"), str):
        problems.append(Problem(source, f"run_info lacks {', '.join(lacking)} (and has no 'platform')"))
    elif lacking:
        problems.append(Problem(source, f"run_info lacks {', '.join(lacking)}"))
    if not document.cells:
        problems.append(Problem(source, "the run document has no cells"))
    def cells(count: int) -> str:
        return f"{count} cell{'s' * (count > 1)}"

    if catalog is not None:
        unknown = Counter(c.scenario for c in document.cells if c.scenario not in catalog)
        problems += [Problem(source, f"unknown scenario {name!r} ({cells(count)}): the suite has no such "
                                     "scenario (see `conformance list`)")
                     for name, count in sorted(unknown.items())]
    # A runtime an installed package added where the run was made (its run info names the distribution,
    # "provider") is a column of its own, though that package is not installed where the report is built:
    # how a runtime's maintainer sends their column back (docs/maintainers.md).
    external = {name for name, found in (info.get("runtimes") or {}).items()
                if isinstance(found, dict) and found.get("provider")}
    strange = Counter(c.runtime for c in document.cells
                      if c.runtime not in runtimes_known and c.runtime not in external)
    problems += [Problem(source, f"unknown runtime {name!r} ({cells(count)}); the runtimes are: "
                                 f"{', '.join(sorted(runtimes_known))}")
                 for name, count in sorted(strange.items())]
    return problems


def platform_of(info: Mapping[str, Any]) -> str:
    """The platform id of a run: its ``platform``, or one made from the fields it is made of."""
    given = info.get("platform")
    if isinstance(given, str) and given:
        return given
    from conformance._model.results import platform_id

    return platform_id(dict(info))


def _conflict(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """What two run infos of one platform disagree on ('' if nothing)."""
    differences = []
    for name in IDENTITY_FIELDS:
        a, b = old.get(name), new.get(name)
        if a is not None and b is not None and a != b:
            differences.append(f"{name} {a!r} vs {b!r}")
    old_runtimes = old.get("runtimes") or {}
    new_runtimes = new.get("runtimes") or {}
    for name in sorted(set(old_runtimes) & set(new_runtimes)):
        a, b = old_runtimes[name] or {}, new_runtimes[name] or {}
        for key in ("available", "version"):
            if a.get(key) != b.get(key):
                differences.append(f"runtime {name} {key} {a.get(key)!r} vs {b.get(key)!r}")
    return "; ".join(differences)


def _merge_info(merged: dict[str, Any], info: Mapping[str, Any]) -> None:
    """Fold the run info of another part of one platform's run into ``merged``."""
    runtimes = dict(merged.get("runtimes") or {})
    runtimes.update(info.get("runtimes") or {})
    merged["runtimes"] = runtimes
    for key, pick in (("started_at", min), ("finished_at", max)):
        values = [v for v in (merged.get(key), info.get(key)) if isinstance(v, str) and v]
        if values:
            merged[key] = pick(values, key=_time_key)
    if info.get("interrupted"):
        merged["interrupted"] = True
    commits = list(merged.get("suite_commits") or [c for c in [merged.get("suite_commit")] if c])
    if info.get("suite_commit") and info["suite_commit"] not in commits:
        commits.append(info["suite_commit"])
    if len(commits) > 1:
        merged["suite_commits"] = commits
    for key, value in info.items():
        merged.setdefault(key, value)


def _time_key(text: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def time_key(text: object) -> datetime.datetime:
    """An ISO 8601 time as a comparable value (unparseable or missing: the earliest)."""
    return _time_key(text) if isinstance(text, str) else _time_key("")


def _platform(platform_id: str, info: Mapping[str, Any], sources: tuple[str, ...]) -> Platform:
    def text(name: str) -> str:
        return str(info.get(name) or "")

    return Platform(id=platform_id, sys_platform=text("sys_platform") or platform_id.split("-")[0],
                    arch=text("arch"), implementation=text("python_implementation"),
                    python_version=text("python_version"), run_info=dict(info), sources=sources)


def label_platforms(platforms: list[Platform]) -> list[Platform]:
    """Give each platform the shortest label that tells it from the others of its OS."""
    from dataclasses import replace

    by_os: dict[str, list[Platform]] = {}
    for platform in platforms:
        by_os.setdefault(platform.sys_platform, []).append(platform)
    labelled = []
    for platform in platforms:
        group = by_os[platform.sys_platform]
        archs = {p.arch for p in group}
        implementations = {p.implementation.lower() for p in group}
        python = platform.python
        if len(implementations) > 1 or platform.implementation.lower() not in ("cpython", ""):
            python = f"{platform.implementation.lower()}{python}"
        prefix = platform.arch if len(archs) > 1 else ""
        if sum(1 for p in group if p.python == platform.python and p.arch == platform.arch
               and p.implementation == platform.implementation) > 1:
            prefix, python = "", platform.id  # nothing shorter tells them apart
        labelled.append(replace(platform, label_prefix=prefix, label_name=python))
    return labelled


def _scenarios(present: set[str], catalog: Mapping[str, ScenarioInfo] | None) -> tuple[ScenarioInfo, ...]:
    infos = [catalog[s] if catalog is not None and s in catalog
             else ScenarioInfo(id=s, area=s.split(".", 1)[0], title=s) for s in present]

    def order(info: ScenarioInfo) -> tuple[int, str, str]:
        return (AREAS.index(info.area) if info.area in AREAS else len(AREAS), info.area, info.id)

    return tuple(sorted(infos, key=order))


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def load(inputs: Iterable[str | os.PathLike[str]], catalog: Mapping[str, ScenarioInfo] | None, *,
         expected_platforms: Sequence[str] = ()) -> tuple[Merged, list[Problem]]:
    """Read and merge the run documents named by ``inputs`` (files or folders of them).

    Returns the merge of the good documents and every problem; ``merged.problems`` lists the inputs
    that were left out, so a page built anyway can say so.
    """
    from dataclasses import replace

    files, problems = input_files(inputs)
    documents, unreadable = read_documents(files)
    problems.extend(unreadable)
    bench = tuple((s, d) for s, d in documents if d.run_info.get("kind") == "bench")
    documents = [(s, d) for s, d in documents if d.run_info.get("kind") != "bench"]
    merged, merge_problems = merge(documents, catalog, expected_platforms=expected_platforms)
    problems.extend(merge_problems)
    left_out = tuple(p for p in problems if p.source)
    return replace(merged, problems=left_out, bench=bench), problems


def catalog_from_suite(scenarios_dir: Path | None = None) -> dict[str, ScenarioInfo]:
    """The suite's conformance scenarios (``scenarios/``, or ``scenarios_dir``) as the table
    describes them (the bench area has a section of its own: :func:`bench_titles_from_suite`)."""
    from conformance._model.scenarios import CONFORMANCE_AREAS, discover

    return {s.id: ScenarioInfo(id=s.id, area=s.area, title=s.title, description=s.description,
                               documented_mistake=s.documented_mistake, plots=s.plots)
            for s in discover(scenarios_dir, CONFORMANCE_AREAS)}


def bench_titles_from_suite(scenarios_dir: Path | None = None) -> dict[str, str]:
    from conformance._model.scenarios import BENCH_AREAS, discover

    return {s.id: s.title for s in discover(scenarios_dir, BENCH_AREAS)}
