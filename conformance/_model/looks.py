"""How an outcome looks wherever it is shown: the terminal (``conformance run``), the HTML page and the
Markdown table all read this one table, so a reader sees the same marks everywhere.

Every rendering shows the symbol *and* the word of an outcome; colour (terminal, CSS, emoji) only adds.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance._model.outcomes import MEANINGS, Outcome

# A cell of the table for which no run document has a result: not an outcome (the vocabulary is
# closed), shown as "not run" and never counted in a score.
NOT_RUN_WORD = "not run"
NOT_RUN_KEY = "not-run"


@dataclass(frozen=True)
class Look:
    symbol: str
    emoji: str     # Markdown has no colour: the emoji carries it there
    css: str       # the class name of the colour in the HTML page
    terminal: str  # the colour in the terminal (a rich style)
    meaning: str


LOOKS: dict[str, Look] = {
    Outcome.PASS.value: Look("✓", "✅", "pass", "green", MEANINGS[Outcome.PASS]),
    Outcome.BLOCKING.value: Look("◐", "🟡", "blocking", "yellow", MEANINGS[Outcome.BLOCKING]),
    Outcome.FAIL.value: Look("✗", "❌", "fail", "red", MEANINGS[Outcome.FAIL]),
    Outcome.UNSUPPORTED.value: Look("∅", "🟣", "unsupported", "magenta", MEANINGS[Outcome.UNSUPPORTED]),
    # The terminal table's en dash, and a heavy minus: deliberate (not hyphens).
    Outcome.NOT_APPLICABLE.value: Look("–", "➖", "not-applicable", "bright_black",  # noqa: RUF001
                                       MEANINGS[Outcome.NOT_APPLICABLE]),
    Outcome.UNAVAILABLE.value: Look("·", "⚪", "unavailable", "bright_black", MEANINGS[Outcome.UNAVAILABLE]),
    Outcome.SKIPPED.value: Look("↷", "⏭️", "skipped", "bright_black", MEANINGS[Outcome.SKIPPED]),
    Outcome.ERROR.value: Look("!", "❗", "error", "bold red", MEANINGS[Outcome.ERROR]),
    # Not an hourglass (U+231B): few text fonts have it, and neither a page nor a terminal may show a box.
    Outcome.TIMEOUT.value: Look("◷", "⌛", "timeout", "bold red", MEANINGS[Outcome.TIMEOUT]),
    Outcome.CRASH.value: Look("☠", "💥", "crash", "bold red", MEANINGS[Outcome.CRASH]),
    NOT_RUN_KEY: Look("?", "❔", "not-run", "dim", "no run document has this cell: the runtime or the "
                                              "scenario was not part of the run on this platform"),
}

# Which outcome colours a summary cell whose Pythons disagree: findings first (the worst first), then
# pass, then the outcomes that say nothing about the runtime.
SEVERITY: tuple[str, ...] = (
    Outcome.CRASH.value, Outcome.TIMEOUT.value, Outcome.ERROR.value, Outcome.FAIL.value,
    Outcome.UNSUPPORTED.value, Outcome.BLOCKING.value, Outcome.PASS.value, Outcome.SKIPPED.value,
    Outcome.NOT_APPLICABLE.value, Outcome.UNAVAILABLE.value, NOT_RUN_KEY,
)


def look(outcome: str) -> Look:
    return LOOKS[outcome]


def label(outcome: str) -> str:
    """``"✓ pass"``: symbol and word, the way a cell shows an outcome."""
    return f"{LOOKS[outcome].symbol} {NOT_RUN_WORD if outcome == NOT_RUN_KEY else outcome}"


def word(outcome: str) -> str:
    return NOT_RUN_WORD if outcome == NOT_RUN_KEY else outcome
