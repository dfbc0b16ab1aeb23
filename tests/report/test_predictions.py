"""Predictions in the report (conformance._report.predictions): those the runs confirmed or refuted,
listed apart from the results, and those for the OSes no input ran, never in the table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conformance._model.expectations import Expectations
from conformance._report.build import write_report
from conformance._report.export import merged_from_support, support_json
from conformance._report.merge import Merged
from conformance._report.predictions import collect as collect_predictions
from conformance._report.render_html import render_html
from conformance._report.render_markdown import render_table
from conformance._report.samples import LINUX_311, SMALL_SUITE, WIN_312, XSS, cell, document
from conformance._report.table import build_table
from conformance._report.view import build_view

MergedOf = Callable[..., Merged]


def test_tested_predictions_are_listed_apart_as_confirmed_or_refuted(with_predictions: Merged) -> None:
    merged = with_predictions
    found = collect_predictions(merged, None)
    assert [(p.kind, p.scenario, p.os, tuple(x.label for x in p.platforms), p.predicted, p.observed)
            for p in found.to_review] == [
        ("refuted", "sockets.tcp_echo", "win32", ("3.12",), "blocking", "pass"),
        ("confirmed", "sockets.tcp_echo", "linux", ("3.11", "3.12"), "blocking", "blocking"),
    ]
    assert found.not_yet_observed == ()
    summaries = {s.id: s for row in build_table(merged).rows for s in row.summaries}
    assert summaries["sockets.tcp_echo/gevent/linux"].confirmed
    assert not summaries["sockets.tcp_echo/gevent/linux"].refuted
    assert summaries["sockets.tcp_echo/gevent/win32"].refuted
    assert summaries["sockets.tls_echo/gevent/linux"].unexpected  # the crash: red, whatever was predicted
    assert not summaries["sockets.tls_echo/gevent/linux"].refuted
    assert not summaries["dns.slow_lookup/gevent/linux"].confirmed  # observed entries are not predictions


def test_markdown_and_html_show_predictions_to_review_escaped(with_predictions: Merged) -> None:
    merged = with_predictions
    table = build_table(merged)
    predictions = collect_predictions(merged, None)
    view = build_view(merged, table, predictions=predictions)
    text = render_table(view)
    assert "🟡 blocking<br>(predicted)" in text  # the observed outcome, said to have been predicted
    assert "✅ pass<br>⚠️ refuted prediction" in text
    section = text[text.index("### Predictions to review"):text.index("### Legend")]
    assert ("| ⚠️ refuted prediction | `sockets.tcp_echo` | gevent | Windows (3.12) | 🟡 blocking | "
            "✅ pass | the hub blocks &lt;script&gt;alert(1)&lt;/script&gt; | "
            "[https://example.org/v1.0/source.py](https://example.org/v1.0/source.py) |") in section
    assert "| ✔️ confirmed | `sockets.tcp_echo` | gevent | Linux (3.11, 3.12) | 🟡 blocking | 🟡 blocking |" \
        in section
    assert "sockets.tls_echo" not in section and "dns.slow_lookup" not in section
    page = render_html(view)
    assert XSS not in page
    assert 'id="predictions-review"' in page and "<h2>Predictions to review</h2>" in page
    assert '<span class="pred refuted"' in page and '<span class="pred"' in page
    assert "the hub blocks &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>Linux <span class=\"muted\">(3.11, 3.12)</span></td>" in page  # the same Pythons as Markdown
    assert 'id="predicted"' not in page  # every OS ran: nothing is only predicted
    data = support_json(merged, table, predictions=predictions)
    assert [p["kind"] for p in data["predictions_to_review"]] == ["refuted", "confirmed"]
    assert data["predictions_to_review"][1]["platforms"] == ["3.11", "3.12"]
    assert data["predicted_not_yet_observed"] == []
    again = merged_from_support(json.loads(json.dumps(data)))
    tcp = again.cell("sockets.tcp_echo", "gevent", WIN_312)
    assert tcp is not None and tcp.expectation is not None and tcp.expectation.predicted


PREDICTED_TOML = f"""
[[expectation]]
scenario = "sockets.tcp_echo"
runtime = "gevent"
when = "sys_platform == 'darwin'"
predicted = true
outcome = "blocking"
reason = "kqueue {XSS} | *not* a result"
link = "https://example.org/gevent/v24.2.1/kqueue.py?q=<b>"

[[expectation]]
scenario = "dns.*"
runtime = "uvloop"
when = "sys_platform == 'darwin' and python_version < '3.11'"
predicted = true
outcome = "fail"
reason = "the resolver differs before 3.11"
link = "https://example.org/uvloop/v0.19.0/dns.pyx"

[[expectation]]
scenario = "sockets.tls_echo"
runtime = "uvloop"
predicted = true
outcome = "unsupported"
reason = "no TLS here"
link = "https://example.org/uvloop/v0.19.0/tls.pyx"

[[expectation]]
scenario = "files.naive_read"
runtime = "gevent"
when = "sys_platform == 'win32'"
predicted = true
outcome = "blocking"
reason = "predicted for Windows only"
link = "https://example.org/gevent/v24.2.1/os.py"

[[expectation]]
scenario = "sockets.tcp_echo"
runtime = "trio"
when = "sys_platform == 'darwin'"
outcome = "fail"
reason = "observed, not predicted"
link = "https://example.org/trio/v0.25.0/x.py"
"""


def test_oses_no_input_ran_get_their_predictions_never_in_the_table(tmp_path: Path, mixed: Merged,
                                                                     merged_of: MergedOf) -> None:
    path = tmp_path / "expectations.toml"
    path.write_text(PREDICTED_TOML, encoding="utf-8")
    expectations = Expectations.load(path, SMALL_SUITE)
    merged = mixed  # Linux and Windows ran; macOS did not
    found = collect_predictions(merged, expectations)
    assert [(u.os, u.scenario, u.runtime, u.outcome) for u in found.not_yet_observed] == [
        ("darwin", "sockets.tcp_echo", "gevent", "blocking"),
        ("darwin", "dns.*", "uvloop", "fail"),  # can hold: on a macOS Python older than 3.11
        ("darwin", "sockets.tls_echo", "uvloop", "unsupported"),
        # not files.naive_read (Windows ran, and it is for Windows only), not the observed trio entry
    ]
    windows_missing = merged_of(("l", document(LINUX_311, [cell("sockets.tcp_echo", "uvloop")])))
    on_windows = [u for u in collect_predictions(windows_missing, expectations).not_yet_observed
                  if u.os == "win32"]
    # uvloop does not run on Windows: its predictions there cannot hold
    assert [(u.scenario, u.runtime) for u in on_windows] == [("files.naive_read", "gevent")]
    table = build_table(merged)
    assert all(c.os != "darwin" for c in table.columns)  # a prediction never makes a column or a cell
    view = build_view(merged, table, predictions=found)
    text = render_table(view)
    assert "**Predicted, not yet observed:** macOS: predictions listed under the table, not results." in text
    section = text[text.index("### Predicted, not yet observed: macOS"):text.index("### Legend")]
    assert "These are **predictions**, not results" in section
    assert ("| `sockets.tcp_echo` | gevent | `sys_platform == 'darwin'` | 🟡 blocking | kqueue "
            "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*not\\* a result | "
            "https://example.org/gevent/v24.2.1/kqueue.py?q=&lt;b&gt; |") in section  # text, not a link
    tls = "https://example.org/uvloop/v0.19.0/tls.pyx"
    assert f"[{tls}]({tls})" in section
    assert "observed, not predicted" not in text
    page = render_html(view)
    assert XSS not in page
    start = page.index('<section class="predictions unobserved" id="predicted"')
    section_html = page[start:page.index("</section>", start)]
    assert "<h3>macOS: predictions, not results</h3>" in section_html
    assert "kqueue &lt;script&gt;alert(1)&lt;/script&gt; | *not* a result" in section_html
    assert "?q=<b>" not in page
    assert 'href="https://example.org/gevent/v24.2.1/kqueue.py?q=&lt;b&gt;"' in section_html
    assert '<a href="https://example.org/uvloop/v0.19.0/tls.pyx" rel="noopener">' in section_html
    assert 'under <a href="#predicted">Predicted, not yet observed</a>' in page
    data = support_json(merged, table, predictions=found)
    assert data["predicted_not_yet_observed"][0] == {
        "os": "darwin", "scenario": "sockets.tcp_echo", "runtime": "gevent",
        "when": "sys_platform == 'darwin'", "predicted": "blocking",
        "reason": f"kqueue {XSS} | *not* a result", "link": "https://example.org/gevent/v24.2.1/kqueue.py?q=<b>"}
    assert all(c["platform"].split("-")[0] != "darwin" for c in data["cells"])


def test_write_report_lists_the_predictions_of_its_expectations(tmp_path: Path, mixed: Merged) -> None:
    path = tmp_path / "expectations.toml"
    path.write_text(PREDICTED_TOML, encoding="utf-8")
    out = tmp_path / "report"
    write_report(mixed, out, expectations=Expectations.load(path, SMALL_SUITE))
    data = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert [p["scenario"] for p in data["predicted_not_yet_observed"]] == [
        "sockets.tcp_echo", "dns.*", "sockets.tls_echo"]
    assert "### Predicted, not yet observed: macOS" in (out / "support-table.md").read_text(encoding="utf-8")
    write_report(mixed, out)  # without expectations: nothing predicted is said
    assert json.loads((out / "support.json").read_text(encoding="utf-8"))["predicted_not_yet_observed"] == []
