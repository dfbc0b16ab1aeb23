"""Each cell's transitions over time (conformance._report.history), from a folder of earlier runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conformance._model.results import RunDocument
from conformance._report.history import load_history, transitions
from conformance._report.merge import Merged
from conformance._report.samples import LINUX_311, cell, document, write

MergedOf = Callable[..., Merged]


def test_history_lists_transitions_not_every_run(tmp_path: Path, merged_of: MergedOf) -> None:
    history = tmp_path / "history"
    for day, outcome, version in ((1, "pass", "24.1"), (2, "pass", "24.2"), (3, "blocking", "24.3"),
                                  (4, "blocking", "24.3")):
        write(history / f"day{day}.json", document(
            LINUX_311, [cell("sockets.tcp_echo", "gevent", outcome, details={"runtime_version": version})],
            runtimes=["gevent"], started_at=f"2026-03-0{day}T00:00:00+00:00"))
    current_doc = document(LINUX_311,
                           [cell("sockets.tcp_echo", "gevent", details={"runtime_version": "25.0"})],
                           runtimes=["gevent"], started_at="2026-03-05T00:00:00+00:00")
    write(history / "day5.json", current_doc)  # the current run is in the folder too: counted once
    current = merged_of(("now", current_doc))
    found, problems = load_history(history, current)
    assert problems == []
    changes = found[("sockets.tcp_echo", "gevent", LINUX_311)]
    assert [(t.when[:10], t.version, t.old, t.new) for t in changes] == [
        ("2026-03-01", "24.1", None, "pass"),
        ("2026-03-03", "24.3", "pass", "blocking"),
        ("2026-03-05", "25.0", "blocking", "pass"),
    ]


def test_history_of_a_cell_that_never_changed_is_its_first_run(
        merged_of: MergedOf, everything_passes: Callable[..., RunDocument]) -> None:
    current = merged_of(("now", everything_passes(LINUX_311, started_at="2026-03-05T00:00:00+00:00")))
    found = transitions(current, [everything_passes(LINUX_311, started_at="2026-03-01T00:00:00+00:00")])
    assert [(t.when[:10], t.old, t.new) for t in found[("sockets.tcp_echo", "threads", LINUX_311)]] == [
        ("2026-03-01", None, "pass")]


def test_bad_history_documents_are_problems(tmp_path: Path, mixed: Merged) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "bad.json").write_text("nope", encoding="utf-8")
    _, problems = load_history(tmp_path / "h", mixed)
    # ": " ends the file's name (a Windows path has a ":" after its drive letter)
    assert [str(p).split(": ")[0] for p in problems] == [str(tmp_path / "h" / "bad.json")]
    _, problems = load_history(tmp_path / "nowhere", mixed)
    assert "--history needs a folder" in str(problems[0])
