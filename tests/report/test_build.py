"""A whole report written into a folder (conformance._report.build): every output, nothing stale."""

from __future__ import annotations

import json
from pathlib import Path

from conformance._model.scenarios import PlottedMeasurement
from conformance._report.build import write_report
from conformance._report.merge import merge
from conformance._report.samples import LINUX_311, SMALL_SUITE, catalog, cell, document


def test_write_report_writes_every_output_and_nothing_stale(tmp_path: Path) -> None:
    out = tmp_path / "report"
    stale = out / "plots" / "gone.svg"
    stale.parent.mkdir(parents=True)
    stale.write_text("<svg/>", encoding="utf-8")
    (out / "diff.md").write_text("old", encoding="utf-8")
    # sockets.tcp_echo declares its plot, and the inputs have its measurement
    scenarios = catalog(SMALL_SUITE, plots={
        "sockets.tcp_echo": [PlottedMeasurement("elapsed_ms", "time for all clients", "ms")]})
    cells = [cell("sockets.tcp_echo", r, measurements={"elapsed_ms": ms}, max_stall_ms=stall)
             for r, ms, stall in (("threads", 300.0, 2.0), ("gevent", 450.5, 3.0))]
    cells.append(cell("sockets.tcp_echo", "trio", "fail", "wrong"))
    merged, problems = merge([("m", document(LINUX_311, cells))], scenarios)
    assert not problems
    written = write_report(merged, out)
    names = sorted(p.relative_to(out).as_posix() for p in written.files)
    assert names == ["index.html", "plots/sockets-tcp-echo-elapsed-ms.svg", "support-table.md", "support.csv",
                     "support.json"]
    assert not stale.exists() and not (out / "diff.md").exists()
    assert (out / "index.html").stat().st_mode & 0o444 == 0o444
    assert json.loads((out / "support.json").read_text(encoding="utf-8"))["schema"] == \
        "conformance-support/2"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="plot-sockets-tcp-echo-elapsed-ms"' in page
    assert "Tcp echo: time for all clients" in page
