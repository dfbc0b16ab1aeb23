"""The support table and the diff in GitHub-flavoured Markdown (README, GitHub job summary).

GitHub cuts a job summary at 1 MiB, so the table stays under it: where the full table would not, cells
whose Pythons disagree shortens to the most severe outcome and "varies".
"""

from __future__ import annotations

import re

from conformance._model.looks import NOT_RUN_KEY
from conformance._report.bench import BenchValue, format_figure
from conformance._report.compare import Comparison
from conformance._report.diff import KINDS, Diff
from conformance._report.presentation import DEVIATION_KINDS, KIND_EMOJI
from conformance._report.view import (
    LEGEND,
    AgreementView,
    CellView,
    ColumnView,
    CoverageView,
    EntryView,
    LinkView,
    PredictionsView,
    ReportView,
    outcome,
)

LIMIT_BYTES = 1024 * 1024
_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
# A URL written as a Markdown link only where nothing in it could end the link or the table cell.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")
REFUTED_MARK = "⚠️ refuted prediction"
CONFIRMED_MARK = "(predicted)"
INTERMITTENT_MARK = "🎲 intermittent"
MISTAKE_MARK = "📝 *documented mistake, not scored*"
NO_FIGURE = "\u2013"  # an en dash: no figure
GITHUB_COMMENT_CHARS = 65536  # the most GitHub takes in an issue, a pull request or a comment


def escape(text: str) -> str:
    """Text from results as inert Markdown on one line: no HTML, no emphasis, no table breaks."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def outcome_md(key: str) -> str:
    look = outcome(key)
    return f"{look.emoji} {look.word}"


def _cell(cell: CellView, compact: bool) -> str:
    if cell.uniform:
        text = outcome_md(cell.worst.key)
    elif compact:
        text = f"{outcome_md(cell.worst.key)} (varies)"
    else:
        text = "<br>".join(f"{outcome_md(line.outcome.key)} {escape(line.where)}" for line in cell.lines)
    # The outcome is observed either way; these say it had been predicted (listed under the table).
    if cell.refuted:
        text += f"<br>{REFUTED_MARK}"
    if cell.confirmed:
        text += f"<br>{CONFIRMED_MARK}"
    if cell.intermittent:
        text += f"<br>{INTERMITTENT_MARK}"
    if cell.kinds:
        text += "<br>" + " ".join(f"{k.emoji} {escape(k.key)}".strip() for k in cell.kinds)
    return text


def deviations_md(column: ColumnView) -> str:
    return " · ".join(f"{kind.emoji} {n}" for kind, n in column.kind_counts)


def _agreement(agreement: AgreementView) -> str:
    if agreement.status == "agrees":
        return "✓ same"
    if agreement.status == "differs":
        return "≠ " + escape(", ".join(d.runtime for d in agreement.differing))
    return "? no threads result"


def platforms_line(coverage: CoverageView) -> str:
    parts = []
    for os_ in coverage.oses:
        labels = [f"{p.python_version} {p.arch}".strip() for p in os_.platforms]
        parts.append(f"{os_.name} ({escape(', '.join(labels))})")
    line = f"**Platforms:** {', '.join(parts) if parts else 'none'}"
    if coverage.missing_oses:
        line += f". **No results for:** {', '.join(o.name for o in coverage.missing_oses)}"
    return line + "."


def coverage_lines(coverage: CoverageView) -> list[str]:
    lines = [platforms_line(coverage)]
    if coverage.missing_platforms:
        lines.append(f"**Expected but missing:** {escape(', '.join(coverage.missing_platforms))}.")
    if coverage.problems:
        lines.append("**Left out (bad input):** " + "; ".join(escape(p) for p in coverage.problems) + ".")
    if coverage.unrun_scenarios:
        count = len(coverage.unrun_scenarios)
        lines.append(f"<details><summary>{count} scenario{'s' * (count != 1)} of the suite "
                     f"{'are' if count != 1 else 'is'} in no run (not in the table)</summary>\n\n"
                     + ", ".join(code(s) for s in coverage.unrun_scenarios) + "\n\n</details>")
    return lines


def render_table(view: ReportView, *, title: str = "Support table") -> str:
    text = _render_table(view, title=title, compact=False)
    if len(text.encode()) > LIMIT_BYTES:
        text = _render_table(view, title=title, compact=True)
    return text


def link_md(link: LinkView) -> str:
    """An upstream link: a Markdown link where it is a plain http(s) URL, escaped text otherwise."""
    return f"[{escape(link.url)}]({link.url})" if _PLAIN_URL.fullmatch(link.url) else escape(link.url)


def predictions_lines(predictions: PredictionsView) -> list[str]:
    """The predictions the runs tested, and those for OSes no run has: lists apart from the table."""
    lines: list[str] = []
    if predictions.to_review:
        lines += [
            "### Predictions to review", "",
            "Entries marked `predicted = true` in the expectations, tested by these runs. The table shows "
            "what was observed. A refuted prediction is not a failure: correct or remove the entry. A "
            "confirmed one is promoted by deleting `predicted = true` from it.", "",
            "| | scenario | runtime | where | predicted | observed | prediction's reason | link |",
            "| :-- | :-- | :-- | :-- | :-- | :-- | :-- | :-- |",
        ]
        for review in predictions.to_review:
            p = review.prediction
            mark = REFUTED_MARK if review.refuted else "✔️ confirmed"
            lines.append(f"| {mark} | {code(p.scenario)} | {escape(p.runtime)} | "
                         f"{escape(p.os_name)} ({escape(review.where)}) | "
                         f"{outcome_md(review.predicted.key)} | {outcome_md(review.observed.key)} | "
                         f"{escape(p.reason)} | {link_md(review.link)} |")
        lines.append("")
    for unobserved in predictions.unobserved:
        name = escape(unobserved.os.name)
        lines += [
            f"### Predicted, not yet observed: {name}", "",
            f"No run document from {name} is among the inputs. These are **predictions**, not results: "
            "entries marked `predicted = true` in the expectations whose condition can hold on "
            f"{name}, each drawn from the upstream source it links. The table has no {name} column.", "",
            "| scenario | runtime | when | predicted | reason | link |",
            "| :-- | :-- | :-- | :-- | :-- | :-- |",
        ]
        for found in unobserved.predictions:
            u = found.prediction
            lines.append(f"| {code(u.scenario)} | {escape(u.runtime)} | "
                         f"{code(u.when) if u.when else 'always'} | {outcome_md(found.outcome.key)} | "
                         f"{escape(u.reason)} | {link_md(found.link)} |")
        lines.append("")
    return lines


def _render_table(view: ReportView, *, title: str, compact: bool) -> str:
    out = [f"# {escape(title)}", "",
           f"<!-- Generated by `conformance report` from {view.header.documents} run document(s): "
           "do not edit by hand. -->", ""]
    out += [line + "\n" for line in coverage_lines(view.coverage)]
    unobserved = [o.name for o in view.coverage.predicted_oses]
    if unobserved:
        out.append(f"**Predicted, not yet observed:** {escape(', '.join(unobserved))}: predictions listed "
                   "under the table, not results.\n")
    header = ["Scenario"] + [f"{c.runtime}<br>{c.os_name}" for c in view.columns] + ["Same as threads?"]
    out.append("| " + " | ".join(header) + " |")
    out.append("| " + " | ".join([":--", *(":-:" for _ in view.columns), ":--"]) + " |")
    for area in view.areas:
        out.append(f"| **{escape(area.name)}** |" + " |" * (len(view.columns) + 1))
        for row in area.rows:
            title = f"{escape(row.scenario.title)}<br>{code(row.scenario.id)}"
            if row.scenario.documented_mistake:
                title += f"<br>{MISTAKE_MARK}"
            cells = [title]
            cells += [_cell(c, compact) for c in row.cells]
            cells.append(_agreement(row.agreement))
            out.append("| " + " | ".join(cells) + " |")
    scores = [f"{c.percent_text}<br>{c.formula}" for c in view.columns]
    out.append("| **Score** (pass / counted) | " + " | ".join(scores) + " | |")
    kinds = " · ".join(f"{k.emoji} {k.key}" for k in view.legend.kinds)
    out.append(f"| **Non-pass cells** ({kinds}) | " + " | ".join(deviations_md(c) for c in view.columns)
               + " | |")
    out.append("")
    if view.mistakes:
        out += ["### Documented mistakes (not scored)", "",
                "These scenarios show a mistake the runtimes document, and its remedy: their cells show "
                "which runtimes block, but they count in no score and in no bug / design count.", ""]
        out += [f"- {code(m.id)}: {escape(m.documented_mistake)}" for m in view.mistakes]
        out.append("")
    if view.coverage.hidden:
        out.append("Not shown (nothing to show): " + "; ".join(
            f"{h.runtime} on {h.os_name} ({escape(h.reason)})" for h in view.coverage.hidden) + ".")
        out.append("")
    out += predictions_lines(view.predictions)
    out += legend_lines()
    return "\n".join(out) + "\n"


def legend_lines() -> list[str]:
    lines = ["### Legend", "", "| | outcome | meaning |", "| :-: | :-- | :-- |"]
    for look in LEGEND.outcomes:
        if look.key == NOT_RUN_KEY:
            continue
        lines.append(f"| {look.emoji} {look.symbol} | `{look.key}` | {escape(look.meaning)} |")
    not_run = outcome(NOT_RUN_KEY)
    lines.append(f"| {not_run.emoji} | {not_run.word} | {escape(not_run.meaning)} |")
    lines += [
        "",
        "A cell summarises every Python (and architecture) that ran on that OS; where they differ, it "
        "lists each outcome with the Pythons that have it, the most severe first.",
        "",
        "**Score** = scenarios that pass (on every Python of the OS that ran them) / scenarios counted. "
        "`not-applicable` and `unavailable` cells, and cells no run has, are left out of the "
        "denominator; every other outcome (`skipped` included) counts as not passing.",
        "",
        "**Same as threads?** says whether every runtime has the outcome of `threads` (the blocking "
        "standard library, the reference) on every platform, `unavailable` cells aside.",
        "",
        "**Non-pass cells**: of each column's `blocking`, `fail`, `unsupported`, `error`, `timeout` and "
        "`crash` cells (one per Python), how many are each kind (its expectation's `kind`):",
        "",
    ]
    lines += [f"- {k.emoji} **{k.key}**: {escape(k.meaning)}" for k in LEGEND.kinds]
    lines += ["", f"{MISTAKE_MARK}: {escape(LEGEND.mistake_meaning)}.", "",
              f"{INTERMITTENT_MARK}: {escape(LEGEND.intermittent_meaning)}.", ""]
    return lines


def render_diff(change_set: Diff, *, heading: str = "##") -> str:
    out = [f"{heading} Changes: {code(change_set.old_name)} → {code(change_set.new_name)}", ""]
    counts = ", ".join(f"{change_set.count(k)} {k}" for k in KINDS)
    out += [counts + ".", ""]
    if change_set.empty:
        out += ["No cell changed.", ""]
        return "\n".join(out)
    rows = change_set.per_runtime_platform()
    if rows:
        out += ["| runtime | platform | " + " | ".join(KINDS) + " |",
                "| :-- | :-- | " + " | ".join("--:" for _ in KINDS) + " |"]
        out += [f"| {escape(r)} | {code(p)} | " + " | ".join(str(c[k] or "") for k in KINDS) + " |"
                for r, p, c in rows]
        out.append("")
    for kind in KINDS:
        changes = change_set.of_kind(kind)
        groups = change_set.groups_of_kind(kind)
        if not changes and not groups:
            continue
        out += [f"{heading}# {kind.capitalize()} ({change_set.count(kind)})", ""]
        out += [f"- {escape(g.what)} ({g.cells} cell{'s' * (g.cells != 1)})" for g in groups]
        if groups:
            out.append("")
        if changes:
            out += ["| runtime | platform | scenario | was | now | reason |",
                    "| :-- | :-- | :-- | :-- | :-- | :-- |"]
            for c in changes:
                was = outcome_md(c.old) if c.old else ""
                now = outcome_md(c.new) if c.new else ""
                out.append(f"| {escape(c.runtime)} | {code(c.platform)} | {code(c.scenario)} | {was} | "
                           f"{now} | {escape(c.reason[:300])} |")
            out.append("")
    return "\n".join(out)


def code(text: str) -> str:
    """An identifier as inline code (escaped text where a backtick would end the code span)."""
    return escape(text) if "`" in text or "|" in text else f"`{text}`"


# -- two runtimes side by side (conformance report --compare A B) -----------------------------------------


def _compare_entry(entry: EntryView, reason_chars: int) -> str:
    """One side of a difference: outcome, reason, kind, the expectation's link and issue, the reproducer."""
    parts = [outcome_md(entry.outcome.key)]
    cell = entry.cell
    if cell is not None and cell.reason:
        reason = cell.reason if len(cell.reason) <= reason_chars else cell.reason[:reason_chars - 1] + "…"
        parts.append(escape(reason))
    if entry.kind:
        parts.append(f"{KIND_EMOJI[entry.kind]} {entry.kind}")
    expectation = cell.expectation if cell is not None else None
    if expectation is not None:
        parts.append(link_md(LinkView(expectation.link)))
        if expectation.issue and expectation.issue != expectation.link:
            parts.append("issue " + link_md(LinkView(expectation.issue)))
    if entry.repro is not None:
        parts.append(f"reproducer: {code(entry.repro.command)}")
    return "<br>".join(parts)


def render_comparison(comparison: Comparison) -> str:
    """``compare-A-B.md``: the comparison for pasting into an issue or a pull request. GitHub takes at most
    65,536 characters in an issue or a comment: where the whole text would be longer, each reason is cut
    shorter (the page has them whole)."""
    text = ""
    for reason_chars in (300, 160, 80):
        text = _render_comparison(comparison, reason_chars)
        if len(text) <= GITHUB_COMMENT_CHARS:
            break
    return text


def _render_comparison(comparison: Comparison, reason_chars: int) -> str:
    a, b = comparison.a, comparison.b
    platforms = ", ".join(code(p.id) for p in comparison.platforms)
    out = [f"# {escape(a)} or {escape(b)}?", "",
           f"Platforms compared: {platforms}. The rules (what counts as a difference, a pass the other "
           "lacks, a bench ratio) are in `conformance/_report/compare.py` and docs/report.md.", ""]
    for runtime, platform, why in comparison.unavailable:
        out.append(f"- {code(runtime)} observed nothing on {code(platform.id)}: {escape(why[:300])}")
    if comparison.unavailable:
        out.append("")
    out += ["## Where one passes and the other does not", "",
            f"Scenarios per area (documented mistakes aside): compared where both have a pass or a finding "
            f"on some platform; \"{escape(a)} passes\" where, on some platform, {escape(a)} passes and "
            f"{escape(b)} does not.", "",
            f"| area | compared | {escape(a)} passes, {escape(b)} does not | "
            f"{escape(b)} passes, {escape(a)} does not |", "|---|---:|---:|---:|"]
    for tally in comparison.areas:
        out.append(f"| {escape(tally.name)} | {tally.compared} | {tally.only_a} | {tally.only_b} |")
    total = f"| **all** | **{comparison.compared}** | **{comparison.only_a}** | **{comparison.only_b}** |"
    out += [total, "",
            "## Non-pass cells: bug or design", "",
            "Each runtime's findings on the platforms compared (one per scenario and platform, documented "
            "mistakes aside).", "",
            "| runtime | " + " | ".join(f"{KIND_EMOJI[k]} {k}" for k in DEVIATION_KINDS) + " | all |",
            "|---|" + "---:|" * (len(DEVIATION_KINDS) + 1)]
    for runtime in (a, b):
        counts = comparison.kinds[runtime]
        out.append(f"| {escape(runtime)} | " + " | ".join(str(counts[k]) for k in DEVIATION_KINDS)
                   + f" | {sum(counts.values())} |")
    differences = len(comparison.differences)
    out += ["", f"## Where their outcomes differ ({differences} cell{'s' * (differences != 1)})", ""]
    if comparison.differences:
        out += ["One row per scenario where the platforms say the same (the first platform's reasons); "
                "*all*: every platform compared.", "",
                f"| scenario | platforms | {escape(a)} | {escape(b)} |", "|---|---|---|---|"]
        for group in comparison.groups:
            d = group.first
            mistake = f"<br>{MISTAKE_MARK}" if d.scenario.documented_mistake else ""
            where = "all" if len(group.platforms) == len(comparison.platforms) > 1 else \
                ", ".join(escape(p.id) for p in group.platforms)
            out.append(f"| {escape(d.scenario.title)}<br>{code(d.scenario.id)}{mistake} | {where} "
                       f"| {_compare_entry(d.a, reason_chars)} | {_compare_entry(d.b, reason_chars)} |")
    else:
        out.append("None: on every scenario and platform compared, both have the same outcome.")
    out += ["", "## Bench", ""]
    if not comparison.bench:
        out.append("No bench document of the platforms compared has both runtimes.")
    for pair in comparison.bench:
        section = pair.section
        out += [f"### {escape(section.heading)}", "",
                f"From {code(section.source)}. {escape(a)} / {escape(b)}: the median of the round-by-round "
                "ratios [lowest-highest round]; *within noise* where that range includes 1. ↑ more is "
                "better, ↓ less is better.", "",
                f"| workload | figure | {escape(a)} | {escape(b)} | {escape(a)} / {escape(b)} | better |",
                "|---|---|---:|---:|---:|---|"]
        for row in pair.rows:
            better = "*within noise*" if row.within_noise else \
                escape({"a": a, "b": b}[row.better]) if row.better else NO_FIGURE
            out.append(f"| {escape(row.workload)} | {code(row.figure)} {'↑' if row.higher_better else '↓'} "
                       f"| {_bench_value(row.a)} | {_bench_value(row.b)} | {row.headline or NO_FIGURE} "
                       f"| {better} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _bench_value(value: BenchValue) -> str:
    if value.median is None:
        return escape(value.outcome) if value.outcome != "pass" else NO_FIGURE
    return format_figure(value.median)
