"""Cells and run documents: plain data that round-trips through JSON, validated on read and write."""

from __future__ import annotations

import json
import math
import os
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance._model.outcomes import Outcome

SCHEMA = "conformance-run/1"


class DocumentError(ValueError):
    """A run document (or a cell in it) is not what the schema says; the message names what is wrong."""


def _json_object(data: object, required: tuple[str, ...], kind: str,
                 name: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """``data`` as a JSON object that has the ``required`` fields; a DocumentError naming what is not."""
    if not isinstance(data, dict):
        raise DocumentError(f"{kind} must be a JSON object, not {type(data).__name__}")
    missing = [k for k in required if k not in data]
    if missing:
        raise DocumentError(f"{name(data)} lacks {', '.join(missing)}")
    return data


@dataclass(frozen=True)
class Expectation:
    """A known deviation that applies to a cell: the outcome it is expected to have, and why.

    ``predicted``: the entry is a prediction drawn from an upstream source for a platform no run has
    observed yet; a run that contradicts it is shown for review rather than failed (``_verdict``).
    """

    outcome: Outcome
    reason: str
    link: str
    predicted: bool = False
    # "bug" (a defect: ``issue`` is the upstream report, or "not yet reported") or "design" (the
    # documented behaviour); None where the entry does not say (a prediction, an older document).
    kind: str | None = None
    issue: str | None = None
    fixed_in: str | None = None
    # The standalone script that shows the deviation without the suite (scenarios/<area>/repro/...),
    # relative to the scenarios folder.
    repro: str | None = None
    # The deviation shows in some runs only (a race in the runtime): a run that passes is as expected.
    intermittent: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"outcome": self.outcome.value, "reason": self.reason, "link": self.link,
                                "predicted": self.predicted}
        for name in ("kind", "issue", "fixed_in", "repro"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.intermittent:
            data["intermittent"] = True
        return data

    @classmethod
    def from_json(cls, data: object) -> Expectation:
        data = _json_object(data, ("outcome", "reason", "link"), "expectation", lambda _: "expectation")
        # Documents written before predictions existed have no "predicted": their entries were observed.
        predicted = data.get("predicted", False)
        if not isinstance(predicted, bool):
            raise DocumentError(f"expectation 'predicted' must be true or false, not {predicted!r}")
        optional = {name: str(data[name]) for name in ("kind", "issue", "fixed_in", "repro")
                    if data.get(name) is not None}
        intermittent = data.get("intermittent", False)
        if not isinstance(intermittent, bool):
            raise DocumentError(f"expectation 'intermittent' must be true or false, not {intermittent!r}")
        return cls(outcome=Outcome.parse(data["outcome"]), reason=str(data["reason"]),
                   link=str(data["link"]), predicted=predicted, intermittent=intermittent, **optional)


@dataclass(frozen=True)
class Cell:
    """One scenario under one runtime on one platform, with its outcome and measurements."""

    scenario: str
    runtime: str
    outcome: Outcome
    reason: str = ""
    duration_s: float = 0.0
    max_stall_ms: float | None = None
    measurements: Mapping[str, float] = field(default_factory=dict)
    # Bench cells: every repeat's value of each measurement (``measurements`` holds their median).
    samples: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    # The outcome the expectations data predicts for this cell ("pass" where it says nothing).
    expected: Outcome = Outcome.PASS
    expectation: Expectation | None = None
    # True when the harness itself failed (malformed result, child could not start): never a runtime finding.
    harness_error: bool = False
    # Free-form strings for a reader: the exception, its traceback, the child's stack at a timeout, stderr.
    details: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_cell_fields(self)

    @property
    def id(self) -> str:
        return f"{self.scenario}[{self.runtime}]"

    def with_expectation(self, expectation: Expectation | None) -> Cell:
        expected = expectation.outcome if expectation else _default_expected(self.outcome)
        return replace(self, expected=expected, expectation=expectation)

    def to_json(self, *, samples: bool = True) -> dict[str, Any]:
        """The cell as JSON: the one serializer of a cell, for a run document and a report alike.

        ``samples=False`` leaves every repeat's value out (a report's ``support.json``: its median is in
        ``measurements``, and a conformance cell has none). Built field by field rather than with
        ``dataclasses.asdict``, which deep-copies every field: that was most of the time of writing a
        16,000-cell report. The keys are in the fields' order.
        """
        data: dict[str, Any] = {
            "scenario": self.scenario, "runtime": self.runtime, "outcome": self.outcome.value,
            "reason": self.reason, "duration_s": self.duration_s, "max_stall_ms": self.max_stall_ms,
            "measurements": dict(self.measurements)}
        if samples:
            data["samples"] = {name: list(values) for name, values in self.samples.items()}
        data["expected"] = self.expected.value
        data["expectation"] = self.expectation.to_json() if self.expectation else None
        data["harness_error"] = self.harness_error
        data["details"] = dict(self.details)
        return data

    @classmethod
    def from_json(cls, data: object) -> Cell:
        data = _json_object(data, ("scenario", "runtime", "outcome"), "a cell",
                            lambda d: f"cell {d.get('scenario', '?')}[{d.get('runtime', '?')}]")
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DocumentError(f"cell {data['scenario']}[{data['runtime']}] has unknown fields: "
                                f"{', '.join(unknown)}")
        try:
            expectation = data.get("expectation")
            return cls(
                scenario=data["scenario"],
                runtime=data["runtime"],
                outcome=Outcome.parse(data["outcome"]),
                reason=data.get("reason", ""),
                duration_s=data.get("duration_s", 0.0),
                max_stall_ms=data.get("max_stall_ms"),
                measurements=dict(data.get("measurements") or {}),
                samples={name: tuple(values) for name, values in (data.get("samples") or {}).items()},
                expected=Outcome.parse(data.get("expected", "pass")),
                expectation=None if expectation is None else Expectation.from_json(expectation),
                harness_error=bool(data.get("harness_error", False)),
                details=dict(data.get("details") or {}),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DocumentError(f"cell {data['scenario']}[{data['runtime']}]: {exc}") from None


def _default_expected(outcome: Outcome) -> Outcome:
    # Where no expectation applies, a cell is expected to pass; outcomes that say the cell could not
    # run here at all (platform, install) are expected as they are: they are facts, not deviations.
    from conformance._model.outcomes import NOT_RUN

    return outcome if outcome in NOT_RUN else Outcome.PASS


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_cell_fields(cell: Cell) -> None:
    """Raise DocumentError if a cell breaks the schema's rules."""
    where = f"cell {cell.scenario}[{cell.runtime}]"
    if not isinstance(cell.scenario, str) or "." not in cell.scenario:
        raise DocumentError(f"{where}: scenario must be an 'area.name' string")
    if not isinstance(cell.runtime, str) or not cell.runtime:
        raise DocumentError(f"{where}: runtime must be a non-empty string")
    if not isinstance(cell.outcome, Outcome):
        raise DocumentError(f"{where}: outcome must be an Outcome, not {cell.outcome!r}")
    if cell.outcome is not Outcome.PASS and not cell.reason:
        raise DocumentError(f"{where}: outcome {cell.outcome.value!r} needs a reason")
    if not isinstance(cell.reason, str):
        raise DocumentError(f"{where}: reason must be a string, not {type(cell.reason).__name__}")
    if not _finite(cell.duration_s) or cell.duration_s < 0:
        raise DocumentError(f"{where}: duration_s must be a finite number >= 0, not {cell.duration_s!r}")
    if cell.max_stall_ms is not None and not _finite(cell.max_stall_ms):
        raise DocumentError(f"{where}: max_stall_ms must be a finite number or null, "
                            f"not {cell.max_stall_ms!r}")
    for name, value in cell.measurements.items():
        if not isinstance(name, str) or not _finite(value):
            raise DocumentError(f"{where}: measurement {name!r} must be a finite number, not {value!r}")
    for name, values in cell.samples.items():
        if not isinstance(name, str) or not isinstance(values, tuple) or not values \
                or not all(_finite(v) for v in values):
            raise DocumentError(f"{where}: samples {name!r} must be a non-empty list of finite "
                                f"numbers, not {values!r}")
    for name, text in cell.details.items():
        if not isinstance(text, str):
            raise DocumentError(f"{where}: detail {name!r} must be a string")


def platform_id(info: dict[str, Any]) -> str:
    """A short stable name of the platform of a run: ``linux-x86_64-cpython3.11`` (``...3.14t`` for a
    free-threaded build, which is another platform for the table)."""
    suffix = "t" if info.get("free_threaded") else ""
    return f"{info['sys_platform']}-{info['arch']}-{info['python_implementation'].lower()}" \
           f"{'.'.join(info['python_version'].split('.')[:2])}{suffix}"


@dataclass(frozen=True)
class RunDocument:
    """One run: one OS x Python x set of runtimes, and every cell it finished."""

    run_info: Mapping[str, Any]
    cells: tuple[Cell, ...] = ()
    schema: str = SCHEMA

    def to_json(self) -> dict[str, Any]:
        return {"schema": self.schema, "run_info": dict(self.run_info),
                "cells": [c.to_json() for c in self.cells]}

    @classmethod
    def from_json(cls, data: object) -> RunDocument:
        if not isinstance(data, dict):
            raise DocumentError("a run document must be a JSON object")
        unknown = sorted(set(data) - {"schema", "run_info", "cells"})
        if unknown:
            raise DocumentError(f"unknown top-level fields: {', '.join(unknown)}")
        if data.get("schema") != SCHEMA:
            raise DocumentError(f"unknown schema {data.get('schema')!r}; this suite reads {SCHEMA!r}")
        if not isinstance(data.get("run_info"), dict):
            raise DocumentError("run_info must be a JSON object")
        if not isinstance(data.get("cells"), list):
            raise DocumentError("cells must be a JSON list")
        cells = tuple(Cell.from_json(c) for c in data["cells"])
        seen: set[str] = set()
        for cell in cells:
            if cell.id in seen:
                raise DocumentError(f"duplicate cell {cell.id}")
            seen.add(cell.id)
        return cls(run_info=data["run_info"], cells=cells)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RunDocument:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise DocumentError(f"{path}: cannot read: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{path}: not JSON: {exc}") from None
        try:
            return cls.from_json(data)
        except DocumentError as exc:
            raise DocumentError(f"{path}: {exc}") from None


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a reader (or a crash) sees the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunWriter:
    """Writes a run document incrementally: after every cell, so an interrupted run keeps them all.

    Each cell is turned into JSON text once, when it is added, and the document is joined from those
    texts: serializing the whole document again after every cell made a run's writes quadratic (a
    2,000-cell document takes 40 ms to serialize, paid again for every cell). The text is the same as
    ``json.dumps(document.to_json(), indent=1)``.
    """

    def __init__(self, path: str | os.PathLike[str], run_info: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.run_info = dict(run_info)
        self.cells: dict[str, Cell] = {}
        self._cell_texts: list[str] = []
        self._flush()

    def add(self, cell: Cell) -> None:
        if cell.id in self.cells:
            raise DocumentError(f"duplicate cell {cell.id}")
        self.cells[cell.id] = cell
        # indented by two levels: the cell is an item of the document's "cells" list
        self._cell_texts.append(textwrap.indent(json.dumps(cell.to_json(), indent=1, allow_nan=False), "  "))
        self._flush()

    def extend(self, cells: Iterable[Cell]) -> None:
        for cell in cells:
            self.add(cell)

    def finish(self, **run_info: Any) -> RunDocument:
        self.run_info.update(run_info)
        return self._flush()

    def document(self) -> RunDocument:
        return RunDocument(run_info=self.run_info, cells=tuple(self.cells.values()))

    def _flush(self) -> RunDocument:
        document = self.document()
        head = json.dumps({"schema": document.schema, "run_info": document.run_info}, indent=1,
                          allow_nan=False).removesuffix("\n}")
        cells = "[\n" + ",\n".join(self._cell_texts) + "\n ]" if self._cell_texts else "[]"
        write_atomically(self.path, f'{head},\n "cells": {cells}\n}}\n')
        return document
