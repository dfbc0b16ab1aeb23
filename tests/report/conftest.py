"""What the report's tests share: a small suite of four scenarios, the platforms they ran on, and the
merged results that several modules' tests read (the same data through merge, table, view and every
rendering).

Run documents are made with :mod:`conformance._report.samples` (real ``conformance-run/1`` documents
with invented contents) and written to tmp_path where reading them is part of what is tested. The
builders are fixtures: a test names the data it reads as an argument (its constants, the platforms and
the small suite, are :mod:`conformance._report.samples`'s).
"""

from __future__ import annotations

import html.parser
import json
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("jinja2", reason="the report builder needs the 'report' extra (jinja2, matplotlib)")
pytest.importorskip("matplotlib", reason="the report builder needs the 'report' extra (jinja2, matplotlib)")

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation, RunDocument
from conformance._report.merge import Merged, merge
from conformance._report.samples import (
    LINUX_311,
    LINUX_312,
    SMALL_SUITE,
    WIN_312,
    XSS,
    catalog,
    cell,
    document,
)

CATALOG = catalog(SMALL_SUITE)
# The texts the data sets carry; a test reads them back from the data it is given.
ISSUE = "https://github.com/eventlet/eventlet/issues/1"
MISTAKE = f"reading a file on the event loop's thread blocks every task {XSS}: offload it (to_thread)"

MergedOf = Callable[..., Merged]


def _merged_of(*docs: tuple[str, RunDocument], expected: tuple[str, ...] = ()) -> Merged:
    result, problems = merge(list(docs), CATALOG, expected_platforms=expected)
    assert not problems, problems
    return result


def _everything_passes(platform: str, runtimes: tuple[str, ...] = ("threads", "gevent", "asyncio"),
                       **info: object) -> RunDocument:
    return document(platform, [cell(s, r) for s in SMALL_SUITE for r in runtimes], runtimes=runtimes, **info)


@pytest.fixture
def merged_of() -> MergedOf:
    """``merged_of(("name", document), ...)``: the merge of these documents over the small suite, which
    must have no problem."""
    return _merged_of


@pytest.fixture
def everything_passes() -> Callable[..., RunDocument]:
    """``everything_passes(platform)``: a run document in which threads, gevent and asyncio pass every
    scenario of the small suite."""
    return _everything_passes


@pytest.fixture
def mixed() -> Merged:
    """Two Linux Pythons and one Windows; gevent fails on 3.12 only, uvloop is unavailable on Windows,
    files.naive_read is not applicable on Windows, and threads blocks nowhere."""
    def cells(platform: str) -> list[Cell]:
        out = []
        for s in SMALL_SUITE:
            for r in ("threads", "gevent", "uvloop"):
                if r == "uvloop" and platform == WIN_312:
                    out.append(cell(s, r, "unavailable", "uvloop does not run on win32"))
                elif s == "files.naive_read" and platform == WIN_312:
                    out.append(cell(s, r, "not-applicable", "no such file API on Windows"))
                elif s == "sockets.tcp_echo" and r == "gevent" and platform == LINUX_312:
                    out.append(cell(s, r, "fail", "wrong bytes"))
                elif s == "files.naive_read" and r != "threads":
                    out.append(cell(s, r, "blocking", "stalled 800 ms", max_stall_ms=800.0))
                else:
                    out.append(cell(s, r, max_stall_ms=2.0))
        return out
    return _merged_of(*((p, document(p, cells(p), runtimes=["threads", "gevent", "uvloop"]))
                        for p in (LINUX_311, LINUX_312, WIN_312)))


@pytest.fixture
def with_a_documented_mistake() -> Merged:
    """files.naive_read shows a documented mistake: it blocks under gevent (and passes under threads);
    gevent also fails sockets.tcp_echo, which is scored."""
    scenarios = catalog(SMALL_SUITE, mistakes={"files.naive_read": MISTAKE})

    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SMALL_SUITE]
        out += [cell("sockets.tcp_echo", "gevent", "fail", "wrong bytes"),
                cell("sockets.tls_echo", "gevent"), cell("dns.slow_lookup", "gevent"),
                cell("files.naive_read", "gevent", "blocking", "stalled 800 ms").with_expectation(
                    Expectation(Outcome.BLOCKING, "a file read blocks the hub", "https://example.org/d",
                                kind="design"))]
        return out
    docs = [(p, document(p, cells(p), runtimes=["threads", "gevent"])) for p in (LINUX_311, LINUX_312)]
    merged, problems = merge(docs, scenarios)
    assert not problems
    return merged


@pytest.fixture
def with_kinds() -> Merged:
    """gevent: a bug with an issue (fixed in 25.1) and a reproducer on 3.11, the same cell unexpected on
    3.12; a design deviation; a bug nobody reported; a non-pass cell with no kind; and a predicted one."""
    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SMALL_SUITE]
        bug = Expectation(Outcome.FAIL, "a reset reads as EOF", "https://example.org/v1/base.py#L3",
                          kind="bug", issue=ISSUE, fixed_in="25.1",
                          repro="sockets/repro/peer_reset__gevent.py")
        out.append(cell("sockets.tcp_echo", "gevent", "fail" if platform == LINUX_311 else "error",
                        "wrong").with_expectation(bug))
        out.append(cell("sockets.tls_echo", "gevent", "unsupported", "no TLS").with_expectation(
            Expectation(Outcome.UNSUPPORTED, "documented", "https://example.org/docs", kind="design")))
        out.append(cell("dns.slow_lookup", "gevent", "blocking", "stalled").with_expectation(
            Expectation(Outcome.BLOCKING, "not filed", "https://example.org/v1/resolver.py#L9", kind="bug",
                        issue="not yet reported", repro=f"dns/repro/{XSS}.py")))
        out.append(cell("files.naive_read", "gevent", "fail", "odd"))  # no expectation
        out.append(cell("sockets.tcp_echo", "trio", "fail", "p").with_expectation(
            Expectation(Outcome.FAIL, "predicted", "https://example.org/v", predicted=True)))
        return out
    return _merged_of(*((p, document(p, cells(p), runtimes=["threads", "gevent", "trio"]))
                        for p in (LINUX_311, LINUX_312)))


def _predicted(outcome: str, reason: str = "predicted from upstream",
               link: str = "https://example.org/v1.0/source.py") -> Expectation:
    return Expectation(Outcome.parse(outcome), reason, link, predicted=True)


@pytest.fixture
def with_predictions() -> Merged:
    """Predictions the runs tested: confirmed on both Linux Pythons, refuted on Windows (it passes), and
    one that met a crash (a red cell, not a prediction to review)."""
    def cells(platform: str) -> list[Cell]:
        out = [cell(s, "threads") for s in SMALL_SUITE]
        observed = "pass" if platform == WIN_312 else "blocking"
        out.append(cell("sockets.tcp_echo", "gevent", observed, None if observed == "pass" else "stalled")
                   .with_expectation(_predicted("blocking", f"the hub blocks {XSS}")))
        out.append(cell("sockets.tls_echo", "gevent", "crash", "SIGSEGV")
                   .with_expectation(_predicted("fail")))
        out.append(cell("dns.slow_lookup", "gevent", "fail", "known").with_expectation(
            Expectation(Outcome.FAIL, "observed long ago", "https://example.org/v0.9/dns.py")))
        return out
    return _merged_of(*((p, document(p, cells(p), runtimes=["threads", "gevent"]))
                        for p in (LINUX_311, LINUX_312, WIN_312)))


class _Scripts(html.parser.HTMLParser):
    """The page's ``<script>`` elements (attributes and text), and any element that would load
    something."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._current = found
            self.scripts.append((found, ""))
        if found.get("src") or tag == "link" or (tag == "img"):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._current = None


def parse_scripts(page: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(page)
    return parser


@pytest.fixture
def page_scripts() -> Callable[[str], _Scripts]:
    """``page_scripts(page)``: the page's script elements, parsed as a browser would find them."""
    return parse_scripts


@pytest.fixture
def page_data() -> Callable[[str], Any]:
    """``page_data(page)``: the details data of a page (its JSON block), as the page's script reads it."""
    def data(page: str) -> Any:
        return json.loads(parse_scripts(page).scripts[0][1])
    return data
