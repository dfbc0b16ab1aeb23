"""Expectations: the data file of known deviations, and matching a cell against it.

Each entry names a scenario and a runtime (``fnmatch`` patterns: ``sockets.*``), an optional platform
condition ``when`` (a PEP 508 marker over the run's platform: ``sys_platform == 'win32' and
python_version < '3.12'``), the outcome the runtime is known to give, the reason, and a link to the
upstream documentation, issue or source that shows it. Entries are data, never code, and never a way to
hide a cell: an ``error``, ``timeout`` or ``crash`` is only accepted with an upstream link like any
other, and a cell that does better than expected fails the verdict just as one that does worse.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._outcomes import Outcome
from ._results import Expectation

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

FIELDS = {"scenario", "runtime", "when", "outcome", "reason", "link"}
# Outcomes an expectation cannot name: a pass is the default, and these three are decided by the
# platform or the harness, never by a runtime's behaviour.
NOT_EXPECTABLE = {Outcome.PASS, Outcome.NOT_APPLICABLE, Outcome.UNAVAILABLE}


class ExpectationsError(ValueError):
    """The expectations data is malformed or ambiguous; the message names the entry."""


@dataclass(frozen=True)
class Entry:
    scenario: str
    runtime: str
    when: str | None
    expectation: Expectation
    where: str  # "file.toml, entry 3": for messages

    def matches(self, scenario: str, runtime: str, environment: Mapping[str, str]) -> bool:
        if not (fnmatch.fnmatchcase(scenario, self.scenario)
                and fnmatch.fnmatchcase(runtime, self.runtime)):
            return False
        if self.when is None:
            return True
        from packaging.markers import Marker

        return bool(Marker(self.when).evaluate(dict(environment)))


class Expectations:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)

    @classmethod
    def load(cls, path: str | Path, scenarios: Iterable[str] | None = None,
             runtimes: Iterable[str] | None = None) -> Expectations:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ExpectationsError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ExpectationsError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_data(data, str(path), scenarios, runtimes)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str = "<expectations>",
                  scenarios: Iterable[str] | None = None,
                  runtimes: Iterable[str] | None = None) -> Expectations:
        unknown_top = set(data) - {"expectation"}
        if unknown_top:
            raise ExpectationsError(f"{source}: unknown top-level keys {sorted(unknown_top)}; "
                                    "write entries as [[expectation]] tables")
        raw = data.get("expectation", [])
        if not isinstance(raw, list):
            raise ExpectationsError(f"{source}: 'expectation' must be an array of tables")
        known_scenarios = set(scenarios) if scenarios is not None else None
        known_runtimes = set(runtimes) if runtimes is not None else None
        return cls([_parse_entry(item, f"{source}, entry {n}", known_scenarios, known_runtimes)
                    for n, item in enumerate(raw, 1)])

    def match(self, scenario: str, runtime: str, environment: Mapping[str, str]) -> Expectation | None:
        """The expectation for this cell on this platform, or None (it is expected to pass)."""
        found = [e for e in self.entries if e.matches(scenario, runtime, environment)]
        if len(found) > 1:
            raise ExpectationsError(
                f"{scenario}[{runtime}] matches more than one expectation: "
                f"{'; '.join(e.where for e in found)}; make their conditions exclusive")
        return found[0].expectation if found else None


def _parse_entry(item: object, where: str, scenarios: set[str] | None,
                 runtimes: set[str] | None) -> Entry:
    if not isinstance(item, dict):
        raise ExpectationsError(f"{where}: must be a table")
    unknown = set(item) - FIELDS
    if unknown:
        raise ExpectationsError(f"{where}: unknown keys {sorted(unknown)}; the keys are "
                                f"{', '.join(sorted(FIELDS))}")
    for key in ("scenario", "runtime", "outcome", "reason", "link"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ExpectationsError(f"{where}: '{key}' is required and must be a non-empty string")
    try:
        outcome = Outcome.parse(item["outcome"])
    except ValueError as exc:
        raise ExpectationsError(f"{where}: {exc}") from None
    if outcome in NOT_EXPECTABLE:
        raise ExpectationsError(
            f"{where}: outcome {outcome.value!r} cannot be an expectation (pass is the default; "
            "not-applicable and unavailable are decided by the platform)")
    if not item["link"].startswith(("https://", "http://")):
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
    if scenarios is not None and not fnmatch.filter(scenarios, item["scenario"]):
        raise ExpectationsError(f"{where}: no scenario matches {item['scenario']!r}")
    if runtimes is not None and not fnmatch.filter(runtimes, item["runtime"]):
        raise ExpectationsError(f"{where}: no runtime matches {item['runtime']!r}; the runtimes "
                                f"are: {', '.join(sorted(runtimes))}")
    return Entry(item["scenario"], item["runtime"], when,
                 Expectation(outcome, item["reason"].strip(), item["link"]), where)
