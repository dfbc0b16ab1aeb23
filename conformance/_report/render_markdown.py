"""The support table and the diff in GitHub-flavoured Markdown (README, GitHub job summary).

GitHub cuts a job summary at 1 MiB, so the table stays under it: where the full table would not, cells
whose Pythons disagree shortens to the most severe outcome and "varies".
"""

from __future__ import annotations

import re

from conformance._model.looks import LOOKS, NOT_RUN_KEY, SEVERITY, look, word
from conformance._report.diff import KINDS, Diff
from conformance._report.merge import Merged
from conformance._report.predictions import Predictions
from conformance._report.presentation import (
    DEVIATION_KINDS,
    DOCUMENTED_MISTAKE_MEANING,
    INTERMITTENT_MEANING,
    KIND_EMOJI,
    KIND_MEANINGS,
    area_name,
    os_name,
)
from conformance._report.table import Agreement, Deviations, Summary, Table, join_labels

LIMIT_BYTES = 1024 * 1024
_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
# A URL written as a Markdown link only where nothing in it could end the link or the table cell.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")
REFUTED_MARK = "⚠️ refuted prediction"
CONFIRMED_MARK = "(predicted)"
INTERMITTENT_MARK = "🎲 intermittent"
MISTAKE_MARK = "📝 *documented mistake, not scored*"


def escape(text: str) -> str:
    """Text from results as inert Markdown on one line: no HTML, no emphasis, no table breaks."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def outcome_md(outcome: str) -> str:
    return f"{look(outcome).emoji} {word(outcome)}"


def _cell(summary: Summary, compact: bool) -> str:
    if summary.uniform:
        text = outcome_md(summary.worst)
    elif compact:
        text = f"{outcome_md(summary.worst)} (varies)"
    else:
        text = "<br>".join(f"{outcome_md(o)} {escape(where)}" for o, where in summary.lines)
    # The outcome is observed either way; these say it had been predicted (listed under the table).
    if summary.refuted:
        text += f"<br>{REFUTED_MARK}"
    if summary.confirmed:
        text += f"<br>{CONFIRMED_MARK}"
    if summary.intermittent:
        text += f"<br>{INTERMITTENT_MARK}"
    if summary.kinds_present:
        text += "<br>" + " ".join(kind_md(k) for k in summary.kinds_present)
    return text


def kind_md(kind: str) -> str:
    return f"{KIND_EMOJI.get(kind, '')} {escape(kind)}".strip()


def deviations_md(deviations: Deviations) -> str:
    return " · ".join(f"{KIND_EMOJI.get(k, '')} {n}" for k, n in deviations.counts)


def _agreement(agreement: Agreement) -> str:
    if agreement.status == "agrees":
        return "✓ same"
    if agreement.status == "differs":
        return "≠ " + escape(", ".join(d.split(" (")[0] for d in agreement.differing))
    return "? no threads result"


def platforms_line(merged: Merged) -> str:
    parts = []
    for os_ in merged.oses:
        labels = [f"{p.python_version} {p.arch}".strip() for p in merged.platforms if p.sys_platform == os_]
        parts.append(f"{os_name(os_)} ({escape(', '.join(labels))})")
    line = f"**Platforms:** {', '.join(parts) if parts else 'none'}"
    if merged.missing_oses:
        line += f". **No results for:** {', '.join(os_name(o) for o in merged.missing_oses)}"
    return line + "."


def coverage_lines(merged: Merged) -> list[str]:
    lines = [platforms_line(merged)]
    if merged.missing_platforms:
        lines.append(f"**Expected but missing:** {escape(', '.join(merged.missing_platforms))}.")
    if merged.problems:
        lines.append("**Left out (bad input):** " + "; ".join(escape(str(p)) for p in merged.problems) + ".")
    if merged.unrun_scenarios:
        count = len(merged.unrun_scenarios)
        lines.append(f"<details><summary>{count} scenario{'s' * (count != 1)} of the suite "
                     f"{'are' if count != 1 else 'is'} in no run (not in the table)</summary>\n\n"
                     + ", ".join(code(s) for s in merged.unrun_scenarios) + "\n\n</details>")
    return lines


def render_table(merged: Merged, table: Table, *, title: str = "Support table",
                 predictions: Predictions | None = None) -> str:
    text = _render_table(merged, table, title=title, compact=False, predictions=predictions)
    if len(text.encode()) > LIMIT_BYTES:
        text = _render_table(merged, table, title=title, compact=True, predictions=predictions)
    return text


def link_md(url: str) -> str:
    """An upstream link: a Markdown link where it is a plain http(s) URL, escaped text otherwise."""
    return f"[{escape(url)}]({url})" if _PLAIN_URL.fullmatch(url) else escape(url)


def predictions_lines(merged: Merged, predictions: Predictions) -> list[str]:
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
        for p in predictions.to_review:
            mark = REFUTED_MARK if p.kind == "refuted" else "✔️ confirmed"
            lines.append(f"| {mark} | {code(p.scenario)} | {escape(p.runtime)} | "
                         f"{escape(p.os_name)} ({escape(join_labels(p.platforms))}) | "
                         f"{outcome_md(p.predicted)} | {outcome_md(p.observed)} | {escape(p.reason)} | "
                         f"{link_md(p.link)} |")
        lines.append("")
    for os_, found in predictions.unobserved_by_os():
        name = escape(os_name(os_))
        lines += [
            f"### Predicted, not yet observed: {name}", "",
            f"No run document from {name} is among the inputs. These are **predictions**, not results: "
            "entries marked `predicted = true` in the expectations whose condition can hold on "
            f"{name}, each drawn from the upstream source it links. The table has no {name} column.", "",
            "| scenario | runtime | when | predicted | reason | link |",
            "| :-- | :-- | :-- | :-- | :-- | :-- |",
        ]
        for u in found:
            lines.append(f"| {code(u.scenario)} | {escape(u.runtime)} | "
                         f"{code(u.when) if u.when else 'always'} | {outcome_md(u.outcome)} | "
                         f"{escape(u.reason)} | {link_md(u.link)} |")
        lines.append("")
    return lines


def _render_table(merged: Merged, table: Table, *, title: str, compact: bool,
                  predictions: Predictions | None = None) -> str:
    out = [f"# {escape(title)}", "",
           f"<!-- Generated by `conformance report` from {len(merged.sources)} run document(s): "
           "do not edit by hand. -->", ""]
    out += [line + "\n" for line in coverage_lines(merged)]
    unobserved = [os_name(o) for o, _ in (predictions.unobserved_by_os() if predictions else [])]
    if unobserved:
        out.append(f"**Predicted, not yet observed:** {escape(', '.join(unobserved))}: predictions listed "
                   "under the table, not results.\n")
    header = ["Scenario"] + [f"{c.runtime}<br>{c.os_name}" for c in table.columns] + ["Same as threads?"]
    out.append("| " + " | ".join(header) + " |")
    out.append("| " + " | ".join([":--", *(":-:" for _ in table.columns), ":--"]) + " |")
    for area, rows in table.areas:
        out.append(f"| **{escape(area_name(area))}** |" + " |" * (len(table.columns) + 1))
        for row in rows:
            title = f"{escape(row.scenario.title)}<br>{code(row.scenario.id)}"
            if row.scenario.documented_mistake:
                title += f"<br>{MISTAKE_MARK}"
            cells = [title]
            cells += [_cell(s, compact) for s in row.summaries]
            cells.append(_agreement(row.agreement))
            out.append("| " + " | ".join(cells) + " |")
    scores = [f"{s.percent_text}<br>{s.formula}" for s in table.scores]
    out.append("| **Score** (pass / counted) | " + " | ".join(scores) + " | |")
    kinds = " · ".join(f"{KIND_EMOJI[k]} {k}" for k in DEVIATION_KINDS)
    out.append(f"| **Non-pass cells** ({kinds}) | " + " | ".join(deviations_md(d) for d in table.deviations)
               + " | |")
    out.append("")
    if table.mistakes:
        out += ["### Documented mistakes (not scored)", "",
                "These scenarios show a mistake the runtimes document, and its remedy: their cells show "
                "which runtimes block, but they count in no score and in no bug / design count.", ""]
        out += [f"- {code(m.id)}: {escape(m.documented_mistake)}" for m in table.mistakes]
        out.append("")
    if table.hidden:
        out.append("Not shown (nothing to show): " + "; ".join(
            f"{h.runtime} on {os_name(h.os)} ({escape(h.reason)})" for h in table.hidden) + ".")
        out.append("")
    if predictions is not None:
        out += predictions_lines(merged, predictions)
    out += legend_lines()
    return "\n".join(out) + "\n"


def legend_lines() -> list[str]:
    lines = ["### Legend", "", "| | outcome | meaning |", "| :-: | :-- | :-- |"]
    for outcome in SEVERITY:
        if outcome == NOT_RUN_KEY:
            continue
        lines.append(f"| {LOOKS[outcome].emoji} {LOOKS[outcome].symbol} | `{outcome}` | "
                     f"{escape(LOOKS[outcome].meaning)} |")
    lines.append(f"| {LOOKS[NOT_RUN_KEY].emoji} | not run | {escape(LOOKS[NOT_RUN_KEY].meaning)} |")
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
    lines += [f"- {KIND_EMOJI[k]} **{k}**: {escape(KIND_MEANINGS[k])}" for k in DEVIATION_KINDS]
    lines += ["", f"{MISTAKE_MARK}: {escape(DOCUMENTED_MISTAKE_MEANING)}.", "",
              f"{INTERMITTENT_MARK}: {escape(INTERMITTENT_MEANING)}.", ""]
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
