"""Program cells: a whole program under a runtime, started the way its users start one, judged from
outside.

A scenario body cannot see what a whole program does: the runner owns the style's entry point
(``asyncio.run``, ``trio.run``, ``reactor.run``) and the cell's child ends with ``os._exit``. A program
scenario defines, instead of bodies, one ``program_<style>(ctx)`` per style, which *is* the program's
main: it calls the style's entry point itself, and ends the way that program ends (its exit status,
an uncaught exception, a death by signal). While it runs it records what it sees
(``ctx.record("finally", "sleeper")``) in a file, line by line, so that a program killed at the
deadline keeps what it recorded. The parent then hands the scenario's ``judge(program, verdict)`` a
:class:`ProgramEnd` (exit status, what it recorded, its stdout and stderr, when the signals it asked for
were sent and when it ended) and a :class:`Judgement` to state the contract with, in the parent.

Shared by the program's child (it writes records) and the parent (it reads them and judges).
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance._model.outcomes import ScenarioFailure

RECORDS_FILE = "records.jsonl"


def record_line(name: str, value: Any, monotonic: float) -> str:
    """One line of a program's records (the time is on the monotonic clock every process shares)."""
    return json.dumps({"name": name, "value": value, "monotonic": monotonic}) + "\n"


@dataclass(frozen=True)
class Record:
    name: str
    value: Any
    monotonic: float


def read_records(path: Path) -> tuple[Record, ...]:
    """The records a program wrote; a last line cut short by a kill is left out."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ()
    records = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            records.append(Record(str(data["name"]), data["value"], float(data["monotonic"])))
        except (ValueError, KeyError, TypeError):
            continue
    return tuple(records)


@dataclass(frozen=True)
class ProgramEnd:
    """How a program ended, for its scenario's judge."""

    # The exit status (negative: the signal that ended it), or None where it was still running at the
    # cell's deadline and the parent killed it.
    returncode: int | None
    records: tuple[Record, ...]
    stdout: str
    stderr: str
    # When each signal the program asked for was sent, and when the parent saw it end (None: killed at
    # the deadline), on time.monotonic()'s clock.
    signals_sent: tuple[float, ...] = ()
    ended_at: float | None = None
    deadline_s: float = 0.0

    @property
    def killed_at_deadline(self) -> bool:
        return self.returncode is None

    def values(self, name: str) -> list[Any]:
        """The values recorded under ``name``, in order."""
        return [r.value for r in self.records if r.name == name]

    def first(self, name: str) -> Record | None:
        return next((r for r in self.records if r.name == name), None)

    def recorded(self) -> Iterator[tuple[str, Any]]:
        for r in self.records:
            yield r.name, r.value

    def exit_said(self) -> str:
        """How it ended, in words: "exit status 1", "killed by SIGINT", "still running at the cell's 10 s
        deadline (killed)"."""
        if self.returncode is None:
            return f"still running at the cell's {self.deadline_s:g} s deadline (killed)"
        if self.returncode < 0:
            try:
                return f"killed by {signal.Signals(-self.returncode).name}"
            except ValueError:
                return f"killed by signal {-self.returncode}"
        return f"exit status {self.returncode}"

    def stderr_tail(self, lines: int = 3) -> str:
        kept = [line for line in self.stderr.strip().splitlines() if line.strip()][-lines:]
        return " | ".join(kept)


@dataclass
class Judgement:
    """What a program scenario's ``judge`` states the contract with: ``expect`` raises
    :class:`~conformance.ScenarioFailure` (the cell fails, with the message), ``measure`` keeps a figure
    of the cell, ``note`` a word for the reader of its details."""

    measurements: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def measure(self, name: str, value: float) -> None:
        self.measurements[name] = round(float(value), 6)

    def note(self, name: str, text: str) -> None:
        self.notes[name] = text

    @staticmethod
    def expect(condition: object, message: str) -> None:
        if not condition:
            raise ScenarioFailure(message)
