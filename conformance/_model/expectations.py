"""Expectations: the data file of known deviations, and matching a cell against it.

Each entry names a scenario and a runtime (``fnmatch`` patterns: ``sockets.*``; ``|`` between
alternatives: ``asyncio|uvloop|rloop``), an optional platform
condition ``when`` (a PEP 508 marker over the run's platform: ``sys_platform == 'win32' and
python_version < '3.12'``), the outcome the runtime is known to give, the reason, and a link to the
upstream documentation, issue or source that shows it. Entries are data, never code, and never a way to
hide a cell: an ``error``, ``timeout`` or ``crash`` is only accepted with an upstream link like any
other, and a cell that does better than expected fails the verdict just as one that does worse.

An entry marked ``predicted = true`` is a prediction for a platform no run has observed yet, drawn from
the upstream source its link names. It matches cells exactly as an observed entry does, but it can never
name ``error``, ``timeout`` or ``crash`` (a prediction covers a behaviour, never a breakage), and a run
that contradicts it is shown for review instead of failing (``_verdict``). An entry whose reason or link
is empty is an unreviewed candidate (``conformance expectations update`` writes them): the loader
refuses it, so nothing unreviewed reaches CI.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance._model.outcomes import Outcome
from conformance._model.results import Expectation

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

FIELDS = {"scenario", "runtime", "when", "outcome", "reason", "link", "predicted", "kind", "issue",
          "fixed_in", "repro", "intermittent"}
# What an observed deviation is: a defect of the runtime, or its documented behaviour.
KINDS = ("bug", "design")
NOT_YET_REPORTED = "not yet reported"
# Outcomes an expectation cannot name: a pass is the default, and these three are decided by the
# platform or the harness, never by a runtime's behaviour.
NOT_EXPECTABLE = {Outcome.PASS, Outcome.NOT_APPLICABLE, Outcome.UNAVAILABLE}
# Outcomes a prediction cannot name: they are first assumed to be the suite's bug, so only an observed
# entry with the upstream issue showing it is the runtime's may cover one.
NEVER_PREDICTED = frozenset({Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASH})
CANDIDATE_HINT = "write the reason and a link pinned to the release, or fix the bug"

# PEP 508 marker environments of the operating systems a report covers, complete (every variable a
# marker may name): a prediction's ``when`` is read against them for an OS that no run has observed,
# and a run document without its own ``markers`` is judged against them.
MARKER_ENVIRONMENTS: dict[str, dict[str, str]] = {
    "linux": {
        "implementation_name": "cpython",
        "implementation_version": "3.12.4",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "platform_release": "6.5.0",
        "platform_system": "Linux",
        "platform_version": "#1 SMP",
        "python_full_version": "3.12.4",
        "python_version": "3.12",
        "sys_platform": "linux",
    },
    "darwin": {
        "implementation_name": "cpython",
        "implementation_version": "3.12.4",
        "os_name": "posix",
        "platform_machine": "arm64",
        "platform_python_implementation": "CPython",
        "platform_release": "23.5.0",
        "platform_system": "Darwin",
        "platform_version": "Darwin Kernel Version 23.5.0",
        "python_full_version": "3.12.4",
        "python_version": "3.12",
        "sys_platform": "darwin",
    },
    "win32": {
        "implementation_name": "cpython",
        "implementation_version": "3.12.4",
        "os_name": "nt",
        "platform_machine": "AMD64",
        "platform_python_implementation": "CPython",
        "platform_release": "11",
        "platform_system": "Windows",
        "platform_version": "10.0.22631",
        "python_full_version": "3.12.4",
        "python_version": "3.12",
        "sys_platform": "win32",
    },
}
# What a prediction may hold on within one OS: the Pythons the suite supports (requires-python >= 3.10,
# the CI matrix's newest) and the architectures of the OS's CI runners.
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
MACHINES = {"linux": ("x86_64", "aarch64"), "darwin": ("arm64", "x86_64"), "win32": ("AMD64",)}


def _os_environment(sys_platform: str) -> dict[str, str]:
    # Another Unix than these: Linux's variables, under its own name.
    return dict(MARKER_ENVIRONMENTS.get(sys_platform)
                or {**MARKER_ENVIRONMENTS["linux"], "sys_platform": sys_platform})


def os_environments(sys_platform: str) -> list[dict[str, str]]:
    """The marker environments of every CPython and architecture of ``sys_platform`` the suite runs on."""
    base = _os_environment(sys_platform)
    return [environment_for(base, python, machine)
            for python in PYTHONS for machine in MACHINES.get(sys_platform, (base["platform_machine"],))]


def environment_for(base: Mapping[str, str], python: str, machine: str | None = None,
                    implementation: str | None = None) -> dict[str, str]:
    """``base`` on another Python (``"3.11"`` or ``"3.11.9"``), architecture or implementation."""
    parts = python.split(".")
    full = python if len(parts) > 2 else f"{python}.0"
    environment = dict(base)
    environment.update(python_version=".".join(parts[:2]), python_full_version=full)
    if implementation:
        environment["platform_python_implementation"] = implementation
        environment["implementation_name"] = implementation.lower()
    if environment["implementation_name"] == "cpython":  # PyPy's own version is not the language's
        environment["implementation_version"] = full
    if machine:
        environment["platform_machine"] = machine
    return environment


def run_environment(run_info: Mapping[str, Any]) -> dict[str, str]:
    """The marker environment a run was judged in: its recorded ``markers``, or (a document without
    them) the representative environment of its OS on its Python and architecture."""
    recorded = run_info.get("markers")
    if isinstance(recorded, dict) and all(isinstance(v, str) for v in recorded.values()) \
            and "sys_platform" in recorded:
        return dict(recorded)
    base = _os_environment(str(run_info.get("sys_platform") or "linux"))
    return environment_for(base, str(run_info.get("python_version") or base["python_full_version"]),
                           str(run_info.get("arch") or "") or None,
                           str(run_info.get("python_implementation") or "") or None)


class ExpectationsError(ValueError):
    """The expectations data is malformed or ambiguous; the message names the entry."""


@dataclass(frozen=True)
class Entry:
    scenario: str
    runtime: str
    when: str | None
    expectation: Expectation
    where: str  # "file.toml, entry 3": for messages
    # The folder its ``repro`` is relative to: None for the suite's own file (the scenarios folder); an
    # installed package's expectations name reproducers beside their file.
    repro_root: Path | None = None

    @property
    def predicted(self) -> bool:
        return self.expectation.predicted

    @property
    def candidate(self) -> bool:
        """An unreviewed candidate (empty reason or link): only a lenient load keeps one."""
        return not self.expectation.reason or not self.expectation.link

    def matches(self, scenario: str, runtime: str, environment: Mapping[str, str]) -> bool:
        if not (pattern_matches(scenario, self.scenario) and pattern_matches(runtime, self.runtime)):
            return False
        return self.holds(environment)

    def holds(self, environment: Mapping[str, str]) -> bool:
        """Whether the entry's ``when`` holds in this marker environment (no ``when``: everywhere)."""
        if self.when is None:
            return True
        from packaging.markers import Marker

        return bool(Marker(self.when).evaluate(dict(environment)))

    def can_hold_on(self, sys_platform: str) -> bool:
        """Whether ``when`` holds for some Python and architecture of ``sys_platform``."""
        return any(self.holds(environment) for environment in os_environments(sys_platform))


class Expectations:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)

    @classmethod
    def of_suite(cls, scenarios_dir: Path, path: str | Path | None = None, *, required: bool = False,
                 candidates: bool = False) -> Expectations:
        """The expectations of a scenarios folder, the one way every command and the pytest plugin
        read them: the file ``path``, or the folder's ``expectations.toml``, checked against every
        scenario of every area of the folder and every runtime known here.

        A folder without the file has no expectations, unless ``required`` (a command that reads
        nothing else); ``candidates``: see :meth:`load`.

        The runtimes installed packages add may bring expectations of their own (``Runtime.expectations``):
        they are read too, with the same validation, and may name only their own package's runtimes.
        """
        from conformance._model.scenarios import ScenarioError, discover
        from conformance._runtimes import RUNTIMES, PluginError, plugin_expectation_files

        file = Path(path) if path else scenarios_dir / "expectations.toml"
        try:
            scenario_ids = [s.id for s in discover(scenarios_dir)]
            own = [] if not path and not required and not file.exists() else \
                cls.load(file, scenario_ids, list(RUNTIMES), candidates=candidates).entries
            plugins = plugin_expectation_files()
        except (ScenarioError, PluginError) as exc:
            raise ExpectationsError(str(exc)) from None
        entries = list(own)
        for spec, (plugin_file, runtimes) in plugins.items():
            # Its reproducers are beside it (the package is installed as files: a wheel, an editable).
            plugin = cls.load(plugin_file, scenario_ids, runtimes, candidates=candidates,
                              source=f"{spec} (the expectations of {', '.join(runtimes)})")
            entries.extend(replace(e, repro_root=plugin_file.parent) for e in plugin.entries)
        return cls(entries)

    @classmethod
    def load(cls, path: str | Path, scenarios: Iterable[str] | None = None,
             runtimes: Iterable[str] | None = None, *, candidates: bool = False,
             source: str | None = None) -> Expectations:
        """Read an expectations file. ``candidates=True`` keeps unreviewed candidates (empty reason or
        link) instead of refusing them: only ``conformance expectations update`` reads a file so.
        ``source``: how messages name the file (default: its path)."""
        path = Path(path)
        source = source or str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ExpectationsError(f"{source}: cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ExpectationsError(f"{source}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ExpectationsError(f"{source}: not valid TOML: {exc}") from None
        return cls.from_data(data, source, scenarios, runtimes, candidates=candidates)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str = "<expectations>",
                  scenarios: Iterable[str] | None = None,
                  runtimes: Iterable[str] | None = None, *, candidates: bool = False) -> Expectations:
        unknown_top = set(data) - {"expectation"}
        if unknown_top:
            raise ExpectationsError(f"{source}: unknown top-level keys {sorted(unknown_top)}; "
                                    "write entries as [[expectation]] tables")
        raw = data.get("expectation", [])
        if not isinstance(raw, list):
            raise ExpectationsError(f"{source}: 'expectation' must be an array of tables")
        known_scenarios = set(scenarios) if scenarios is not None else None
        known_runtimes = set(runtimes) if runtimes is not None else None
        return cls([_parse_entry(item, f"{source}, entry {n}", known_scenarios, known_runtimes,
                                 candidates)
                    for n, item in enumerate(raw, 1)])

    def match(self, scenario: str, runtime: str, environment: Mapping[str, str]) -> Expectation | None:
        """The expectation for this cell on this platform, or None (it is expected to pass)."""
        found = self.find(scenario, runtime, environment)
        return found.expectation if found else None

    def find(self, scenario: str, runtime: str, environment: Mapping[str, str]) -> Entry | None:
        """The entry for this cell on this platform, or None. Two entries claiming one cell are an
        error whether they are observed or predicted: a cell has one expectation."""
        found = [e for e in self.entries if e.matches(scenario, runtime, environment)]
        if len(found) > 1:
            raise ExpectationsError(
                f"{scenario}[{runtime}] matches more than one expectation: "
                f"{'; '.join(e.where for e in found)}; make their conditions exclusive")
        return found[0] if found else None

    @property
    def predictions(self) -> list[Entry]:
        return [e for e in self.entries if e.predicted]


def _parse_entry(item: object, where: str, scenarios: set[str] | None,
                 runtimes: set[str] | None, candidates: bool = False) -> Entry:
    if not isinstance(item, dict):
        raise ExpectationsError(f"{where}: must be a table")
    unknown = set(item) - FIELDS
    if unknown:
        raise ExpectationsError(f"{where}: unknown keys {sorted(unknown)}; the keys are "
                                f"{', '.join(sorted(FIELDS))}")
    for key in ("scenario", "runtime", "outcome"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ExpectationsError(f"{where}: '{key}' is required and must be a non-empty string")
    for key in ("reason", "link"):
        if not isinstance(item.get(key), str):
            raise ExpectationsError(f"{where}: '{key}' is required and must be a non-empty string")
    # An empty reason or link is what `conformance expectations update` writes: a candidate nobody has
    # reviewed yet. Said as such, so that the one who meets it knows what to do.
    empty = [key for key in ("reason", "link") if not item[key].strip()]
    if empty and not candidates:
        raise ExpectationsError(
            f"{where} ({item['scenario']}[{item['runtime']}]): an unreviewed candidate: its "
            f"{' and '.join(repr(k) for k in empty)} {'are' if len(empty) > 1 else 'is'} empty; "
            f"{CANDIDATE_HINT}")
    predicted = item.get("predicted", False)
    if not isinstance(predicted, bool):
        raise ExpectationsError(f"{where}: 'predicted' must be true or false, not {predicted!r}")
    intermittent = item.get("intermittent", False)
    if not isinstance(intermittent, bool):
        raise ExpectationsError(f"{where}: 'intermittent' must be true or false, not {intermittent!r}")
    try:
        outcome = Outcome.parse(item["outcome"])
    except ValueError as exc:
        raise ExpectationsError(f"{where}: {exc}") from None
    if outcome in NOT_EXPECTABLE:
        raise ExpectationsError(
            f"{where}: outcome {outcome.value!r} cannot be an expectation (pass is the default; "
            "not-applicable and unavailable are decided by the platform)")
    if predicted and outcome in NEVER_PREDICTED:
        raise ExpectationsError(
            f"{where}: a prediction cannot name {outcome.value!r}: error, timeout and crash are never "
            "covered by a prediction (they are first assumed to be the suite's bug; record one only "
            "once observed, with the upstream issue showing it is the runtime's)")
    if intermittent and (predicted or item.get("kind") != "bug" or not item.get("repro")):
        raise ExpectationsError(
            f"{where}: an intermittent deviation (one that shows in some runs only) is an observed bug "
            "with its reproducer: 'intermittent = true' needs kind = \"bug\" and 'repro', and no "
            "'predicted'; the reproducer shows it every time, by repeating the operation")
    if item["link"].strip() and not item["link"].startswith(("https://", "http://")):
        raise ExpectationsError(f"{where}: 'link' must be an http(s) URL to the upstream doc, "
                                f"issue or source, not {item['link']!r}")
    when = item.get("when")
    if when is not None and not isinstance(when, str):
        raise ExpectationsError(f"{where}: 'when' must be a string holding a PEP 508 marker, "
                                f"not {type(when).__name__}")
    if when is not None:
        from packaging.markers import InvalidMarker, Marker

        try:
            Marker(when)
        except InvalidMarker as exc:
            raise ExpectationsError(f"{where}: 'when' is not a PEP 508 marker: {exc}") from None
    if scenarios is not None and not pattern_filter(scenarios, item["scenario"]):
        raise ExpectationsError(f"{where}: no scenario matches {item['scenario']!r}")
    if runtimes is not None and not pattern_filter(runtimes, item["runtime"]):
        raise ExpectationsError(f"{where}: no runtime matches {item['runtime']!r}; the runtimes "
                                f"are: {', '.join(sorted(runtimes))}")
    kind, issue, fixed_in, repro = (_optional_text(item, name, where)
                                    for name in ("kind", "issue", "fixed_in", "repro"))
    if kind is not None and kind not in KINDS:
        raise ExpectationsError(f"{where}: 'kind' is {kind!r}; it is one of: {', '.join(KINDS)}")
    if kind == "bug" and issue is None:
        raise ExpectationsError(f"{where}: a bug names its upstream 'issue' (an http(s) URL), or says "
                                f"'issue = \"{NOT_YET_REPORTED}\"' where nobody has filed one")
    if issue is not None and issue != NOT_YET_REPORTED and not issue.startswith(("https://", "http://")):
        raise ExpectationsError(f"{where}: 'issue' must be an http(s) URL or {NOT_YET_REPORTED!r}, "
                                f"not {issue!r}")
    if repro is not None and (repro.startswith(("/", "\\")) or ".." in Path(repro).parts
                              or not repro.endswith(".py")):
        raise ExpectationsError(f"{where}: 'repro' is a .py file relative to the scenarios folder "
                                f"(scenarios/<area>/repro/NAME.py as 'AREA/repro/NAME.py'), not {repro!r}")
    return Entry(item["scenario"], item["runtime"], when,
                 Expectation(outcome, item["reason"].strip(), item["link"].strip(), predicted,
                             kind=kind, issue=issue, fixed_in=fixed_in, repro=repro,
                             intermittent=intermittent), where)


def _optional_text(item: Mapping[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ExpectationsError(f"{where}: {name!r} must be a non-empty string")
    return value.strip()


def pattern_matches(name: str, pattern: str) -> bool:
    """Whether ``name`` matches an entry's pattern: ``fnmatch`` alternatives separated by ``|``."""
    return any(fnmatch.fnmatchcase(name, alternative) for alternative in pattern.split("|"))


def pattern_filter(names: Iterable[str], pattern: str) -> list[str]:
    """The ``names`` an entry's pattern matches, in their order."""
    return [name for name in names if pattern_matches(name, pattern)]
