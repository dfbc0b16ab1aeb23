"""The page (conformance._report.render_html and its templates): text from results stays text, the
details data cannot close its script element, the page is self-contained, documented mistakes and
bug / design reach the table, the details and the filters; the template is a page of sections."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import Expectation
from conformance._report.diff import diff
from conformance._report.merge import Merged
from conformance._report.render_html import TEMPLATES, render_html, script_json
from conformance._report.samples import LINUX_311, XSS, cell, document
from conformance._report.table import build_table
from conformance._report.view import build_view

MergedOf = Callable[..., Merged]
PageData = Callable[[str], Any]
Scripts = Callable[[str], Any]


def hostile(merged_of: MergedOf) -> Merged:
    bad = cell("sockets.tcp_echo", "gevent", "error", XSS,
               details={"exception": f"ValueError: {XSS}", "traceback": "</script><!-- <script>x</script>",
                        "stderr": "\u2028line separator & </SCRIPT>"})
    linked = cell("sockets.tls_echo", "gevent", "fail", "wrong").with_expectation(
        Expectation(Outcome.FAIL, "known", "javascript:alert(1)"))
    return merged_of(("x", document(LINUX_311, [cell("sockets.tcp_echo", "threads"), bad,
                                                cell("sockets.tls_echo", "threads"), linked])))


def test_html_shows_text_from_results_as_text(merged_of: MergedOf, page_scripts: Scripts) -> None:
    page = render_html(build_view(hostile(merged_of)))
    assert XSS not in page
    parser = page_scripts(page)
    assert len(parser.scripts) == 2  # the data and the page's script: nothing closed them early
    data_attrs, data_text = parser.scripts[0]
    assert data_attrs == {"type": "application/json", "id": "report-data"}
    data = json.loads(data_text)
    entry = data["cells"]["sockets.tcp_echo/gevent/linux"][0]
    assert entry["reason"] == XSS
    assert entry["message"] == f"ValueError: {XSS}"
    assert entry["stack"] == "</script><!-- <script>x</script>"
    assert entry["more"]["stderr"] == "\u2028line separator & </SCRIPT>"
    assert parser.external == []


def test_script_json_never_closes_its_script_element() -> None:
    text = str(script_json({"a": "</script><!--", "b": "\u2028&"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!--", "b": "\u2028&"}


def test_html_is_self_contained_and_has_a_fragment_per_cell(mixed: Merged) -> None:
    page = render_html(build_view(mixed))
    assert "<link" not in page and " src=" not in page and "@import" not in page and "url(" not in page
    assert 'href="#cell=sockets.tcp_echo/gevent/linux"' in page
    assert "✗</span> <span class=\"word\">fail</span></span> <span class=\"py\">3.12</span>" in page
    assert "No results for macOS" in page


def test_a_documented_mistake_on_the_page_escaped(with_a_documented_mistake: Merged,
                                                  page_data: PageData) -> None:
    merged = with_a_documented_mistake
    mistake = next(s.documented_mistake for s in merged.scenarios if s.id == "files.naive_read")
    page = render_html(build_view(merged))
    assert XSS not in page
    assert '<tr class="row mistake" id="s-files.naive_read"' in page
    assert "<b>documented mistake, not scored:</b> reading a file on the event loop&#39;s thread blocks " \
           "every task &lt;script&gt;" in page
    # the cell as it is (blocking, a design deviation), out of the score
    assert '<td class="cell c-1 o-blocking" data-rt="gevent" data-os="linux" data-out="blocking" ' \
           'data-score="excluded" data-kind="design design">' in page
    assert "Documented mistake, not scored." in page  # the legend
    data = page_data(page)
    assert data["scenarios"]["files.naive_read"]["documented_mistake"] == mistake
    assert "documented_mistake" not in data["scenarios"]["sockets.tcp_echo"]


def test_bug_or_design_on_the_page_in_the_details_and_as_a_filter(with_kinds: Merged,
                                                                  page_data: PageData) -> None:
    known = with_kinds.cells[("sockets.tcp_echo", "gevent", LINUX_311)].expectation
    assert known is not None and known.issue is not None
    issue = known.issue
    expectations = Expectations.from_data({"expectation": [{
        "scenario": "sockets.*", "runtime": "gevent", "outcome": "fail", "reason": "r",
        "link": "https://example.org/v1/base.py#L3", "kind": "bug", "issue": issue,
        "repro": "sockets/repro/peer_reset__gevent.py"}]})
    page = render_html(build_view(with_kinds, expectations=expectations))
    assert XSS not in page
    assert 'data-out="error fail" data-score="other" data-kind="bug unclassified">' in page
    assert '<span class="kinds"><span class="kind k-bug">bug</span><span class="kind k-unclassified">' \
           'unclassified</span></span>' in page
    chips = page[page.index('data-filter="kind"'):]
    chips = chips[:chips.index("</div>")]
    assert [value for value in ("bug", "design", "unclassified") if f'data-value="{value}"' in chips] == [
        "bug", "design", "unclassified"]
    assert '<span class="kind-count k-bug" data-kind="bug"><b>3</b> bug</span>' in page
    data = page_data(page)
    first, second = data["cells"]["sockets.tcp_echo/gevent/linux"]
    assert first["kind"] == "bug" and second["kind"] == "unclassified"
    assert first["expectation"]["issue"] == issue and first["expectation"]["fixed_in"] == "25.1"
    # the id `conformance repro --list` gives it: after its entry's scenario pattern
    assert first["repro"] == {"path": "scenarios/sockets/repro/peer_reset__gevent.py",
                              "id": "sockets.*[gevent]", "command": "conformance repro 'sockets.*[gevent]'",
                              "script": "python scenarios/sockets/repro/peer_reset__gevent.py gevent"}
    unreported = data["cells"]["dns.slow_lookup/gevent/linux"][0]
    assert unreported["expectation"]["issue"] == "not yet reported"
    # no entry names it: the cell's own scenario[runtime]
    assert unreported["repro"]["command"] == "conformance repro 'dns.slow_lookup[gevent]'"
    assert unreported["repro"]["path"] == f"scenarios/dns/repro/{XSS}.py"  # text in JSON, escaped in the page
    assert "kind" not in data["cells"]["sockets.tcp_echo/threads/linux"][0]
    script = TEMPLATES.joinpath("report.js").read_text(encoding="utf-8")
    assert ".innerHTML" not in script  # the details are built with textContent only


def test_the_page_shows_the_changes_since_a_baseline(mixed: Merged, merged_of: MergedOf) -> None:
    old = merged_of(("old", document(LINUX_311, [cell("sockets.tcp_echo", "gevent", "fail", "wrong"),
                                                 cell("files.naive_read", "gevent")])))
    page = render_html(build_view(mixed), change_set=diff(old, mixed, "old/support.json", "this report"))
    section = page[page.index('<section class="diff" id="changes"'):]
    section = section[:section.index("</section>")]
    assert "old/support.json → this report" in section
    assert '<summary>Regressed (1)</summary>' in section and '<summary>Fixed (1)</summary>' in section
    assert '<a href="#cell=sockets.tcp_echo/gevent/linux" data-cell="sockets.tcp_echo/gevent/linux">' \
           'sockets.tcp_echo</a>' in section
    assert '<span class="badge o-fail">✗ fail</span>' in section
    assert '<span class="badge o-blocking">◐ blocking</span>' in section


def test_the_page_is_a_short_template_of_sections_and_their_shared_markup() -> None:
    index = TEMPLATES.joinpath("index.html.j2").read_text(encoding="utf-8")
    included = re.findall(r'{% include "([^"]+)" %}', index)
    parts = sorted(p.name for p in TEMPLATES.glob("_*.html.j2"))
    nested = [name for part in parts
              for name in re.findall(r'{% include "([^"]+)" %}', TEMPLATES.joinpath(part).read_text("utf-8"))]
    # every section template is included exactly once (by the page, or by the section it belongs in)
    assert sorted(included + nested) == parts
    assert len(index.splitlines()) < 60
    for part in parts:
        text = TEMPLATES.joinpath(part).read_text(encoding="utf-8")
        if "m." in text:  # a section that uses the shared markup imports it
            assert '{% import "macros.html.j2" as m %}' in text, part
    # the page stays one self-contained file: style and script inline
    assert "{{ css }}" in index and "{{ script }}" in index


def test_the_table_cells_and_scores_come_from_the_view(mixed: Merged) -> None:
    table = build_table(mixed)
    page = render_html(build_view(mixed, table))
    assert '<b class="pct">50%</b> <span class="formula">= 2 / 4</span>' in page
    assert 'title="2 of 4 scenarios pass under gevent on Linux (on every platform that ran them); ' in page
    assert '<span class="differing">gevent (Linux), uvloop (Linux)</span>' in page
