"""How the report names operating systems and areas, and the kinds of a deviation (bug, design).

How an outcome looks (symbol, colour, emoji, severity) is shared with the terminal:
``conformance._model.looks``.
"""

from __future__ import annotations

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
              "signals": "Signals", "libraries": "Libraries", "bench": "Benchmarks"}


def area_name(area: str) -> str:
    return AREA_NAMES.get(area, area)


def os_name(sys_platform: str) -> str:
    return OS_NAMES.get(sys_platform, sys_platform)


def os_order(sys_platform: str) -> tuple[int, str]:
    return (OSES.index(sys_platform) if sys_platform in OSES else len(OSES), sys_platform)
