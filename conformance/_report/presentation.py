"""How outcomes and operating systems are shown: symbol, word, colour, emoji, order of severity.

Every rendering shows the symbol *and* the word of an outcome; colour (CSS, emoji) only adds to them.
The symbols are the terminal table's (``conformance run``), so a reader sees the same marks everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._outcomes import MEANINGS, Outcome

# A cell of the table for which no run document has a result: not an outcome (the vocabulary is
# closed), shown as "not run" and never counted in a score.
NOT_RUN_WORD = "not run"
NOT_RUN_KEY = "not-run"


@dataclass(frozen=True)
class Look:
    symbol: str
    emoji: str   # Markdown has no colour: the emoji carries it there
    css: str     # the class name of the colour in the HTML page
    meaning: str


LOOKS: dict[str, Look] = {
    Outcome.PASS.value: Look("✓", "✅", "pass", MEANINGS[Outcome.PASS]),
    Outcome.BLOCKING.value: Look("◐", "🟡", "blocking", MEANINGS[Outcome.BLOCKING]),
    Outcome.FAIL.value: Look("✗", "❌", "fail", MEANINGS[Outcome.FAIL]),
    Outcome.UNSUPPORTED.value: Look("∅", "🟣", "unsupported", MEANINGS[Outcome.UNSUPPORTED]),
    # The terminal table's en dash, and a heavy minus: deliberate (not hyphens).
    Outcome.NOT_APPLICABLE.value: Look("–", "➖", "not-applicable",  # noqa: RUF001
                                       MEANINGS[Outcome.NOT_APPLICABLE]),
    Outcome.UNAVAILABLE.value: Look("·", "⚪", "unavailable", MEANINGS[Outcome.UNAVAILABLE]),
    Outcome.SKIPPED.value: Look("↷", "⏭️", "skipped", MEANINGS[Outcome.SKIPPED]),
    Outcome.ERROR.value: Look("!", "❗", "error", MEANINGS[Outcome.ERROR]),
    # Not the terminal's hourglass (U+231B): few text fonts have it, and a page must not show a box.
    Outcome.TIMEOUT.value: Look("◷", "⌛", "timeout", MEANINGS[Outcome.TIMEOUT]),
    Outcome.CRASH.value: Look("☠", "💥", "crash", MEANINGS[Outcome.CRASH]),
    NOT_RUN_KEY: Look("?", "❔", "not-run", "no run document has this cell: the runtime or the "
                                              "scenario was not part of the run on this platform"),
}

# Which outcome colours a summary cell whose Pythons disagree: findings first (the worst first), then
# pass, then the outcomes that say nothing about the runtime.
SEVERITY: tuple[str, ...] = (
    Outcome.CRASH.value, Outcome.TIMEOUT.value, Outcome.ERROR.value, Outcome.FAIL.value,
    Outcome.UNSUPPORTED.value, Outcome.BLOCKING.value, Outcome.PASS.value, Outcome.SKIPPED.value,
    Outcome.NOT_APPLICABLE.value, Outcome.UNAVAILABLE.value, NOT_RUN_KEY,
)

# What a non-pass cell's known deviation is (the expectation's ``kind``), and "unclassified" for a
# non-pass cell whose expectation does not say (or that no expectation covers): each with a word and,
# for Markdown, an emoji.
KIND_BUG, KIND_DESIGN, KIND_UNCLASSIFIED = "bug", "design", "unclassified"
DEVIATION_KINDS: tuple[str, ...] = (KIND_BUG, KIND_DESIGN, KIND_UNCLASSIFIED)
KIND_EMOJI = {KIND_BUG: "🐛", KIND_DESIGN: "📘", KIND_UNCLASSIFIED: "❔"}
KIND_MEANINGS = {
    KIND_BUG: "a defect of the runtime: its expectation links the upstream issue, or says \"not yet "
              "reported\" and points at the source lines; a standalone reproducer shows it",
    KIND_DESIGN: "the runtime's documented behaviour: its expectation links the documentation",
    KIND_UNCLASSIFIED: "a non-pass cell whose expectation does not say bug or design, or that no "
                       "expectation covers (unexpected, or predicted)",
}
INTERMITTENT_MEANING = (
    "a known bug that shows in some runs only (a race in the runtime): the outcome shown is this run's; "
    "its reproducer shows the bug every time by repeating the operation")
DOCUMENTED_MISTAKE_WORD = "documented mistake"
DOCUMENTED_MISTAKE_MEANING = (
    "the scenario shows a mistake the runtimes document (a blocking call on the scheduler's thread), "
    "and its documented remedy: its cells show which runtimes block, but it is kept out of the score "
    "and of the bug / design counts")

# The operating systems a complete report covers, in the order of the table's columns.
OSES: tuple[str, ...] = ("linux", "darwin", "win32")
OS_NAMES = {"linux": "Linux", "darwin": "macOS", "win32": "Windows"}


AREA_NAMES = {"sockets": "Sockets", "subprocess": "Subprocesses", "files": "Files", "dns": "DNS",
              "signals": "Signals", "bench": "Benchmarks"}


def area_name(area: str) -> str:
    return AREA_NAMES.get(area, area)


def os_name(sys_platform: str) -> str:
    return OS_NAMES.get(sys_platform, sys_platform)


def os_order(sys_platform: str) -> tuple[int, str]:
    return (OSES.index(sys_platform) if sys_platform in OSES else len(OSES), sys_platform)


def look(outcome: str) -> Look:
    return LOOKS[outcome]


def label(outcome: str) -> str:
    """``"✓ pass"``: symbol and word, the way a cell shows an outcome."""
    return f"{LOOKS[outcome].symbol} {NOT_RUN_WORD if outcome == NOT_RUN_KEY else outcome}"


def word(outcome: str) -> str:
    return NOT_RUN_WORD if outcome == NOT_RUN_KEY else outcome
