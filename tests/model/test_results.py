"""Cells and run documents: JSON round trips, schema validation, and writes that survive a kill."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.results import (
    SCHEMA,
    Cell,
    DocumentError,
    Expectation,
    RunDocument,
    RunWriter,
    write_atomically,
)

RUN_INFO: dict[str, Any] = {"os": "Linux", "python_version": "3.12.4", "cpu_count": 2,
                            "runtimes": {"gevent": {"available": True, "version": "24.2.1"}}}


def _cell(n: int = 0, **fields: Any) -> Cell:
    return Cell(**{"scenario": f"sockets.case_{n}", "runtime": "gevent", "outcome": Outcome.PASS,
                   **fields})


def _through_json(data: object) -> Any:
    return json.loads(json.dumps(data, allow_nan=False))  # strict JSON, as any other reader sees it


def _document(*cells: object) -> dict[str, Any]:
    return {"schema": SCHEMA, "run_info": {}, "cells": list(cells)}


# -- round trips ----------------------------------------------------------------------------------


def test_cell_round_trips_through_json() -> None:
    cell = Cell(
        scenario="sockets.tcp_echo", runtime="eventlet", outcome=Outcome.BLOCKING,
        reason="the scheduler stalled for 412 ms (limit 100 ms)", duration_s=1.25,
        max_stall_ms=412.5, measurements={"mib_per_s": 812.25, "connections": 3},
        expected=Outcome.BLOCKING,
        expectation=Expectation(Outcome.BLOCKING, "getaddrinfo runs in the hub",
                                "https://example.org/issue/3"),
        harness_error=False,
        details={"traceback": "Traceback ...\nÉchec ✓", "stderr": "warning"},
    )
    again = Cell.from_json(_through_json(cell.to_json()))
    assert again == cell
    assert again.expectation == cell.expectation  # nested, typed again: not a dict
    assert again.outcome is Outcome.BLOCKING


def test_a_predicted_expectation_round_trips_through_a_run_document(tmp_path: Path) -> None:
    prediction = Expectation(Outcome.BLOCKING, "the Windows resolver runs in the hub",
                             "https://example.org/gevent/v24.2.1/resolver.py", predicted=True)
    cell = _cell(outcome=Outcome.BLOCKING, reason="stalled 300 ms").with_expectation(prediction)
    writer = RunWriter(tmp_path / "run.json", RUN_INFO)
    writer.add(cell)
    raw = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert raw["cells"][0]["expectation"]["predicted"] is True
    loaded = RunDocument.load(tmp_path / "run.json").cells[0]
    assert loaded == cell
    assert loaded.expectation is not None and loaded.expectation.predicted is True


def test_a_document_written_before_predictions_loads_as_observed() -> None:
    data = _cell(outcome=Outcome.FAIL, reason="r").with_expectation(
        Expectation(Outcome.FAIL, "known", "https://example.org/1")).to_json()
    del data["expectation"]["predicted"]  # what documents of earlier versions hold
    loaded = Cell.from_json(_through_json(data))
    assert loaded.expectation == Expectation(Outcome.FAIL, "known", "https://example.org/1", predicted=False)


@pytest.mark.parametrize(("expectation", "message"), [
    ({"outcome": "fail", "reason": "r", "link": "https://x", "predicted": "yes"},
     "expectation 'predicted' must be true or false, not 'yes'"),
    ({"outcome": "fail", "reason": "r"}, "expectation lacks link"),
    (["fail"], "expectation must be a JSON object, not list"),
])
def test_a_malformed_expectation_names_its_cell(expectation: object, message: str) -> None:
    data = _cell(outcome=Outcome.FAIL, reason="r").to_json() | {"expectation": expectation}
    with pytest.raises(DocumentError) as caught:
        Cell.from_json(data)
    assert str(caught.value) == f"cell sockets.case_0[gevent]: {message}"


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_round_trips(outcome: Outcome) -> None:
    cell = _cell(outcome=outcome, reason="" if outcome is Outcome.PASS else f"because {outcome}",
                 harness_error=outcome is Outcome.ERROR).with_expectation(None)
    assert Cell.from_json(_through_json(cell.to_json())) == cell


def test_run_document_round_trips_through_a_file(tmp_path: Path) -> None:
    document = RunDocument(run_info=RUN_INFO, cells=(
        _cell(1, max_stall_ms=3.5, measurements={"connect_ms": 0.25}),
        _cell(2, outcome=Outcome.CRASH, reason="the child was killed by SIGSEGV without a result"),
        _cell(3, outcome=Outcome.UNAVAILABLE, reason="not here").with_expectation(None),
    ))
    assert RunDocument.from_json(_through_json(document.to_json())) == document
    path = tmp_path / "run.json"
    path.write_text(json.dumps(document.to_json()), encoding="utf-8")
    loaded = RunDocument.load(path)
    assert loaded == document
    assert loaded.schema == SCHEMA
    assert [c.id for c in loaded.cells] == [
        "sockets.case_1[gevent]", "sockets.case_2[gevent]", "sockets.case_3[gevent]"]


# -- validation -----------------------------------------------------------------------------------


def test_unknown_outcome_lists_the_vocabulary() -> None:
    data = _cell(outcome=Outcome.FAIL, reason="r").to_json() | {"outcome": "flaky"}
    with pytest.raises(DocumentError) as caught:
        Cell.from_json(data)
    message = str(caught.value)
    assert message.startswith("cell sockets.case_0[gevent]: unknown outcome 'flaky'")
    assert message.endswith("the outcomes are: " + ", ".join(o.value for o in Outcome))


def test_unknown_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({**_document(), "schema": "conformance-run/99"}), encoding="utf-8")
    with pytest.raises(DocumentError, match=r"unknown schema 'conformance-run/99'; this suite reads "
                                            r"'conformance-run/1'"):
        RunDocument.load(path)


@pytest.mark.parametrize(("missing", "named"), [
    (["outcome"], "cell sockets.case_0[gevent] lacks outcome"),
    (["scenario", "runtime"], "cell ?[?] lacks scenario, runtime"),
])
def test_missing_cell_fields_are_named(missing: list[str], named: str) -> None:
    data = {k: v for k, v in _cell().to_json().items() if k not in missing}
    with pytest.raises(DocumentError) as caught:
        Cell.from_json(data)
    assert str(caught.value) == named


@pytest.mark.parametrize(("document", "message"), [
    pytest.param([], "a run document must be a JSON object", id="not-an-object"),
    pytest.param({"run_info": {}, "cells": []}, "unknown schema None", id="no-schema"),
    pytest.param({"schema": SCHEMA, "cells": []}, "run_info must be a JSON object",
                 id="no-run-info"),
    pytest.param({"schema": SCHEMA, "run_info": {}, "cells": {}}, "cells must be a JSON list",
                 id="cells-not-a-list"),
    pytest.param(_document("sockets.a[gevent]"), "a cell must be a JSON object, not str",
                 id="cell-not-an-object"),
])
def test_malformed_documents_are_refused(document: object, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        RunDocument.from_json(document)
    assert str(caught.value).startswith(message)


def test_non_pass_without_a_reason_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"cell sockets.case_0\[gevent\]: outcome 'timeout' "
                                            r"needs a reason"):
        _cell(outcome=Outcome.TIMEOUT)
    data = _cell(outcome=Outcome.FAIL, reason="wrong").to_json() | {"reason": ""}
    with pytest.raises(DocumentError, match="outcome 'fail' needs a reason"):
        Cell.from_json(data)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "fast", None])
def test_measurement_must_be_a_finite_number(value: object) -> None:
    with pytest.raises(DocumentError, match=r"measurement 'mib_per_s' must be a finite number"):
        _cell(measurements={"mib_per_s": value})


@pytest.mark.parametrize("field", ["duration_s", "max_stall_ms"])
@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_wall_time_and_stall_must_be_finite(field: str, value: float) -> None:
    fields: dict[str, Any] = {field: value}
    with pytest.raises(DocumentError, match=field):
        _cell(**fields)


def test_reason_must_be_a_string() -> None:
    data = _cell(outcome=Outcome.FAIL, reason="wrong").to_json() | {"reason": 404}
    with pytest.raises(DocumentError, match="reason"):
        Cell.from_json(data)


def test_duplicate_cell_is_refused(tmp_path: Path) -> None:
    cell = _cell(7).to_json()
    with pytest.raises(DocumentError, match=r"^duplicate cell sockets.case_7\[gevent\]$"):
        RunDocument.from_json(_document(cell, _cell(8).to_json(), cell))
    writer = RunWriter(tmp_path / "run.json", RUN_INFO)
    writer.add(_cell(7))
    with pytest.raises(DocumentError, match=r"duplicate cell sockets.case_7\[gevent\]"):
        writer.add(_cell(7, outcome=Outcome.FAIL, reason="again"))
    assert RunDocument.load(tmp_path / "run.json").cells == (_cell(7),)  # the first one stays


def test_unknown_cell_field_is_named() -> None:
    data = _cell().to_json() | {"colour": "green", "added_by": "a newer suite"}
    with pytest.raises(DocumentError) as caught:
        Cell.from_json(data)
    assert str(caught.value) == "cell sockets.case_0[gevent] has unknown fields: added_by, colour"


def test_load_names_the_file_and_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    with pytest.raises(DocumentError, match=r"run.json: cannot read"):
        RunDocument.load(path)
    path.write_text('{"schema": ', encoding="utf-8")
    with pytest.raises(DocumentError, match=r"run.json: not JSON"):
        RunDocument.load(path)
    path.write_text(json.dumps(_document(_cell().to_json() | {"outcome": "flaky"})), encoding="utf-8")
    with pytest.raises(DocumentError, match=r"run.json: cell sockets.case_0\[gevent\]: unknown "
                                            r"outcome 'flaky'"):
        RunDocument.load(path)


# -- writing: after every cell, atomically --------------------------------------------------------


def test_run_writer_writes_after_every_cell(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "linux.json"  # the folder does not exist yet
    writer = RunWriter(path, RUN_INFO)
    assert RunDocument.load(path) == RunDocument(run_info=RUN_INFO)  # readable before any cell
    cells = [_cell(n, duration_s=0.5 * n) for n in range(4)]
    for count, cell in enumerate(cells, 1):
        writer.add(cell)
        assert RunDocument.load(path).cells == tuple(cells[:count])
    document = writer.finish(finished="2024-07-01T12:00:00+00:00")
    assert RunDocument.load(path) == document
    assert document.run_info == {**RUN_INFO, "finished": "2024-07-01T12:00:00+00:00"}
    assert sorted(p.name for p in path.parent.iterdir()) == ["linux.json"]  # no temporary left


def test_run_writer_writes_what_json_dumps_writes_of_the_document(tmp_path: Path) -> None:
    # The writer joins each cell's text, serialized once; the file must be the document's own JSON.
    path = tmp_path / "run.json"
    writer = RunWriter(path, RUN_INFO)

    def expected() -> str:
        return json.dumps(writer.document().to_json(), indent=1, allow_nan=False) + "\n"

    assert path.read_text(encoding="utf-8") == expected()  # no cell: "cells": []
    cells = [_cell(n, details={"traceback": "Traceback ...\nÉchec ✓\t\"quoted\""},
                   measurements={"p99_us": 1.5 * n})
             for n in range(3)]
    for cell in cells:
        writer.add(cell)
        assert path.read_text(encoding="utf-8") == expected()
    writer.finish(wall_time_s=1.5)
    assert path.read_text(encoding="utf-8") == expected()


WRITER_PROGRAM = """
import sys, time
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, RunWriter

path, count = sys.argv[1], int(sys.argv[2])
writer = RunWriter(path, {"os": "test"})
n = 0
while count == 0 or n < count:
    details = {"padding": "x" * 200_000}  # big writes: a kill is likely to land inside one
    writer.add(Cell(f"sockets.case_{n}", "threads", Outcome.PASS, details=details))
    n += 1
    print(n, flush=True)
while True:
    time.sleep(60)
"""


def _start_writer(path: Path, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER_PROGRAM, str(path), str(count)],
                            stdout=subprocess.PIPE, text=True)


def test_killed_writer_leaves_every_finished_cell(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    writer = _start_writer(path, 3)
    try:
        assert writer.stdout is not None
        assert [writer.stdout.readline() for _ in range(3)] == ["1\n", "2\n", "3\n"]
    finally:
        writer.kill()  # SIGKILL: no clean-up of any kind runs in the writer
        writer.wait()
    document = RunDocument.load(path)
    assert [c.scenario for c in document.cells] == ["sockets.case_0", "sockets.case_1",
                                                    "sockets.case_2"]
    assert document.run_info == {"os": "test"}


def test_writer_killed_in_the_middle_of_a_write_leaves_a_whole_document(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    writer = _start_writer(path, 0)  # writes cells until killed
    try:
        assert writer.stdout is not None
        for _ in range(5):
            writer.stdout.readline()
    finally:
        writer.kill()
        writer.wait()
    cells = RunDocument.load(path).cells
    assert len(cells) >= 5
    assert [c.scenario for c in cells] == [f"sockets.case_{n}" for n in range(len(cells))]


def test_write_atomically_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_atomically(path, "old version\n")
    # A lone surrogate cannot be encoded: the write fails after part of the text reached the disk.
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "x" * 100_000 + "\ud800")
    assert path.read_text(encoding="utf-8") == "old version\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # the partial temporary is gone
    write_atomically(path, "new version\n")
    assert path.read_text(encoding="utf-8") == "new version\n"


@pytest.mark.skipif(os.name != "posix", reason="Windows refuses to replace a file a reader holds open")
def test_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    versions = [json.dumps({"version": n, "padding": str(n) * 300_000}) for n in range(2)]
    write_atomically(path, versions[0])
    seen: set[str] = set()
    stop = threading.Event()

    def read_all_the_time() -> None:
        while not stop.is_set():
            seen.add(path.read_text(encoding="utf-8"))

    reader = threading.Thread(target=read_all_the_time)
    reader.start()
    try:
        for n in range(60):
            write_atomically(path, versions[n % 2])
    finally:
        stop.set()
        reader.join()
    assert seen, "the reader never read"
    assert seen <= set(versions), "the reader saw a file that is neither version, whole"
