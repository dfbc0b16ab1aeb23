"""The support table in GitHub-flavoured Markdown (conformance._report.render_markdown): words,
symbols, scores, legend, coverage, documented mistakes and bug / design, all escaped, under 1 MiB."""

from __future__ import annotations

import pytest

from conformance._report import render_markdown
from conformance._report.merge import Merged, merge
from conformance._report.render_markdown import escape, render_table
from conformance._report.samples import PLATFORMS_20, XSS, catalog, synthetic_documents, synthetic_scenarios
from conformance._report.view import build_view


def test_markdown_table_has_words_symbols_scores_legend_and_coverage(mixed: Merged) -> None:
    text = render_table(build_view(mixed))
    assert "| Scenario | threads<br>Linux | threads<br>Windows | gevent<br>Linux |" in text
    assert "| **Sockets** |" in text
    assert "❌ fail 3.12<br>✅ pass 3.11" in text
    assert "🟡 blocking" in text
    assert "| **Score** (pass / counted) | 100%<br>4 / 4 | 100%<br>3 / 3 | 50%<br>2 / 4 |" in text
    assert "### Legend" in text and "`not-applicable`" in text
    assert "**No results for:** macOS" in text
    assert "uvloop on Windows (unavailable: uvloop does not run on win32)" in text
    assert "| ≠ gevent, uvloop |" in text  # the runtimes that differ from threads, without their OSes


def test_markdown_escapes_text_from_results() -> None:
    assert escape(f"a | b {XSS} *x* [l](u)\nnext") == \
        r"a \| b &lt;script&gt;alert(1)&lt;/script&gt; \*x\* \[l\](u) next"


def test_markdown_of_a_large_matrix_stays_under_a_mebibyte(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = synthetic_documents(PLATFORMS_20, scenarios=100)
    merged, problems = merge([(str(i), d) for i, d in enumerate(docs)], catalog(synthetic_scenarios(100)))
    assert not problems
    view = build_view(merged)
    text = render_table(view)
    assert len(text.encode()) < render_markdown.LIMIT_BYTES
    # and where even that would not fit, disagreeing cells shorten to "varies"
    monkeypatch.setattr(render_markdown, "LIMIT_BYTES", len(text.encode()) - 1)
    shorter = render_table(view)
    assert "(varies)" in shorter and len(shorter) < len(text)


def test_a_documented_mistake_in_markdown_escaped(with_a_documented_mistake: Merged) -> None:
    text = render_table(build_view(with_a_documented_mistake))
    row = next(line for line in text.splitlines() if "`files.naive_read`" in line and line.startswith("|"))
    assert row.startswith("| Naive read<br>`files.naive_read`<br>📝 *documented mistake, not scored* | "
                          "✅ pass |")
    assert "| **Score** (pass / counted) | 100%<br>3 / 3 | 67%<br>2 / 3 | |" in text
    section = text[text.index("### Documented mistakes (not scored)"):text.index("### Legend")]
    assert "- `files.naive_read`: reading a file on the event loop's thread blocks every task " \
           "&lt;script&gt;alert(1)&lt;/script&gt;: offload it (to\\_thread)" in section


def test_bug_or_design_in_markdown(with_kinds: Merged) -> None:
    text = render_table(build_view(with_kinds))
    row = next(line for line in text.splitlines() if line.startswith("| Tcp echo"))
    assert "❗ error 3.12<br>❌ fail 3.11<br>🐛 bug ❔ unclassified" in row
    assert ("| **Non-pass cells** (🐛 bug · 📘 design · ❔ unclassified) | 🐛 0 · 📘 0 · ❔ 0 | "
            "🐛 3 · 📘 2 · ❔ 3 | 🐛 0 · 📘 0 · ❔ 2 | |") in text
    assert "- 🐛 **bug**: a defect of the runtime" in text
