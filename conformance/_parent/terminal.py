"""Cells in the terminal: a line per cell as it finishes, and the table of a run (the looks are
``conformance._model.looks``, the same as the HTML page's and the Markdown's)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance._model.looks import look
from conformance._model.results import Cell, RunWriter
from conformance._model.scenarios import Scenario
from conformance._model.verdict import Kind, judge
from conformance._runtimes import Runtime


def outcome_text(cell: Cell, judged: bool = True) -> Text:
    """``✓ pass``, coloured, with what the verdict says of it (``(known)``, ``!unexpected``); a bench
    cell (``judged=False``) has no verdict: no expectation is ever held against it."""
    shown = look(cell.outcome.value)
    text = Text(f"{shown.symbol} {cell.outcome.value}", style=shown.terminal)
    if not judged:
        return text
    kind = judge(cell).kind
    if kind is Kind.KNOWN:
        text.append(" (known)", style="dim")
    elif kind is Kind.CONFIRMED:
        text.append(" (predicted)", style="dim")
    elif kind is Kind.REFUTED:
        text.append(" !refuted prediction", style="bold yellow reverse")
    elif kind is Kind.UNEXPECTED:
        text.append(" !unexpected", style="bold red reverse")
    return text


def progress_line(cell: Cell, done: int, total: int, judged: bool = True) -> Text:
    """``[3/80] sockets.tcp_echo[gevent] ✓ pass 0.21s``: a cell as it finishes, for logs."""
    line = Text(f"[{done}/{total}] {cell.id} ")
    line.append_text(outcome_text(cell, judged))
    line.append(f" {cell.duration_s:.2f}s")
    return line


def results_table(cells: Sequence[Cell], scenarios: Sequence[Scenario],
                  runtimes: Sequence[Runtime]) -> Table:
    by_id = {c.id: c for c in cells}
    table = Table(title="Outcomes", title_justify="left")
    table.add_column("scenario", no_wrap=True)
    for runtime in runtimes:
        table.add_column(runtime.name, no_wrap=True)
    for scenario in scenarios:
        row: list[Text | str] = [scenario.id]
        for runtime in runtimes:
            cell = by_id.get(f"{scenario.id}[{runtime.name}]")
            row.append(outcome_text(cell) if cell else Text("not run", "dim"))
        table.add_row(*row)
    return table


def interrupted(writer: RunWriter, console: Console) -> int:
    """Ctrl-C during a run: keep every cell already finished, say where, exit status 130."""
    writer.finish(interrupted=True)
    console.print(f"\ninterrupted: the {len(writer.cells)} cells already finished are kept in "
                  f"{writer.path}")
    return 130
