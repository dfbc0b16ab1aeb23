"""Write a whole report into a folder: the page, the Markdown table, the data, the plots, the diff."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance._model.expectations import Expectations
from conformance._report.bench import bench_sections, render_bench_markdown
from conformance._report.compare import compare
from conformance._report.diff import Diff
from conformance._report.export import dumps, support_csv, support_json
from conformance._report.history import History
from conformance._report.merge import Merged
from conformance._report.plots import make_plots
from conformance._report.predictions import collect as collect_predictions
from conformance._report.render_html import render_html
from conformance._report.render_markdown import render_comparison, render_diff, render_table
from conformance._report.table import build_table
from conformance._report.view import build_view


@dataclass(frozen=True)
class Written:
    """What a report build wrote, for the command's summary line."""

    folder: Path
    files: tuple[Path, ...] = field(default_factory=tuple)


def write_report(merged: Merged, folder: Path, *, change_set: Diff | None = None,
                 history: History | None = None, bench_titles: Mapping[str, str] | None = None,
                 expectations: Expectations | None = None,
                 comparisons: Sequence[tuple[str, str]] = ()) -> Written:
    """Write every output into ``folder``. ``expectations``: the data whose predictions the report lists
    for the OSes no input ran (predictions the inputs tested are in their cells already), and whose
    entries name the reproducers. The plots are those the scenarios declare (``PLOTS``). Each pair of
    ``comparisons`` is written as ``compare-A-B.md``; a pair the report cannot compare raises
    :class:`~conformance._report.compare.CompareError` before anything is written."""
    table = build_table(merged)
    predictions = collect_predictions(merged, expectations)
    view = build_view(merged, table, predictions=predictions, history=history, expectations=expectations)
    plots = make_plots(merged)
    bench = bench_sections(merged.bench, bench_titles or {})
    compared = [compare(view, a, b, bench=bench) for a, b in comparisons]
    folder.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, str] = {
        "index.html": render_html(view, plots=plots, change_set=change_set, bench=bench),
        "support-table.md": render_table(view),
        "support.json": dumps(support_json(merged, table, history, predictions)),
        "support.csv": support_csv(merged),
    }
    if bench:
        outputs["bench.md"] = render_bench_markdown(bench)
    else:
        (folder / "bench.md").unlink(missing_ok=True)
    if change_set is not None:
        outputs["diff.md"] = render_diff(change_set, heading="#") + "\n"
    else:
        (folder / "diff.md").unlink(missing_ok=True)  # a diff.md of an earlier build is not this one's
    for stale in folder.glob("compare-*.md"):  # only the comparisons asked for this time
        stale.unlink()
    for comparison in compared:
        outputs[f"compare-{comparison.a}-{comparison.b}.md"] = render_comparison(comparison)
    plots_folder = folder / "plots"
    if plots_folder.is_dir():  # plots of measurements these inputs no longer have must not linger
        for old in plots_folder.glob("*.svg"):
            old.unlink()
    for plot in plots:
        outputs[f"plots/{plot.slug}.svg"] = plot.svg
    for section in bench:
        for bench_plot in section.plots:
            outputs[f"plots/{bench_plot.slug}.svg"] = bench_plot.svg
    written = []
    for name, text in outputs.items():
        path = folder / name
        _replace(path, text)
        written.append(path)
    return Written(folder, tuple(written))


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all (a reader never sees half a page). Unlike a run document, a
    report can be built again, so there is no fsync: it cost more than the rendering on a busy disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(name, 0o644)  # a published page: readable by the web server, not only by its builder
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
