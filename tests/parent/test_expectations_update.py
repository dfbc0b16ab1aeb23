"""``conformance expectations update``, run as a maintainer runs it (``conformance._parent.cli.main``) on run
documents written by the engine's own writer, one of them by a real ``conformance run``: the candidates
it appends and how it narrows them, what it never proposes, the predictions it reports, bad input, and
a second run that adds nothing.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conformance._model.expectations import Expectations, run_environment
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation, RunDocument, RunWriter
from conformance._parent.cli import main
from conformance._report.samples import cell, run_info
from conformance._runtimes import RUNTIMES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

BODY = '''
"""{name}."""
def run_sync(ctx): {body}
async def run_asyncio(ctx): {body}
'''
SCENARIOS = {"right": "pass", "wrong": "ctx.expect_equal(1, 2, 'the answer')",
             "broken": "raise RuntimeError('the scenario broke')", "slow": "pass", "other": "pass"}
EXISTING = """# Known deviations: a maintainer's comment, kept as it is.

[[expectation]]
scenario = "sockets.slow"
runtime = "gevent"
when = "sys_platform == 'win32' and python_version < '3.12'"
outcome = "blocking"
reason = "the resolver blocks before 3.12"
link = "https://example.org/gevent/v24.2.1/resolver.py"

[[expectation]]
scenario = "sockets.other"
runtime = "trio"
outcome = "fail"
reason = "a known failure"
link = "https://example.org/trio/v0.25.0/other.py"

[[expectation]]
scenario = "sockets.right"
runtime = "trio"
predicted = true
when = "sys_platform == 'win32'"
outcome = "unsupported"
reason = "predicted missing on Windows"
link = "https://example.org/trio/v0.25.0/windows.py"

[[expectation]]
scenario = "sockets.wrong"
runtime = "trio"
predicted = true
when = "sys_platform == 'win32'"
outcome = "fail"
reason = "predicted to fail on Windows"
link = "https://example.org/trio/v0.25.0/wrong.py"
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A scenarios folder (sockets.right, .wrong, .broken, .slow, .other) with an expectations file."""
    root = tmp_path / "scenarios"
    (root / "sockets").mkdir(parents=True)
    for name, body in SCENARIOS.items():
        (root / "sockets" / f"{name}.py").write_text(textwrap.dedent(BODY.format(name=name, body=body)),
                                                     encoding="utf-8")
    (root / "expectations.toml").write_text(EXISTING, encoding="utf-8", newline="\n")
    return root


def update(suite: Path, *documents: Path | str, capsys: pytest.CaptureFixture[str],
           expectations: Path | None = None) -> tuple[int, str, str]:
    args = ["expectations", "update", *map(str, documents), "--scenarios", str(suite)]
    if expectations is not None:
        args += ["--expectations", str(expectations)]
    status = main(args)
    out, err = capsys.readouterr()
    return status, " ".join(out.split()), err


def written(folder: Path, platform: str, cells: list[Cell], **info: Any) -> Path:
    """A run document of ``platform``, written as a run writes it."""
    path = folder / f"{platform}.json"
    writer = RunWriter(path, run_info(platform, runtimes=sorted({c.runtime for c in cells}), **info))
    writer.extend(cells)
    writer.finish()
    return path


def appended(suite: Path) -> str:
    text = (suite / "expectations.toml").read_text(encoding="utf-8")
    assert text.startswith(EXISTING)  # byte for byte: append only
    return text[len(EXISTING):]


def entries(text: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tomllib.loads(text)["expectation"]
    return found


# -- a real run, proposed and refused ----------------------------------------------------------------


def test_a_real_run_becomes_candidates_the_loader_refuses_until_reviewed(
        suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run.json"
    status = main(["run", "--scenarios", str(suite), "--runtime", "threads", "-k", "wrong or broken or right",
                   "--jobs", "3", "--output", str(run)])
    capsys.readouterr()
    assert status == 1  # wrong fails and broken errs: nothing covers them yet
    # The candidate is narrowed to the OS the run was on (this machine's), as its document says.
    on = RunDocument.load(run).run_info["sys_platform"]
    status, out, err = update(suite, run, capsys=capsys)
    assert status == 0, err
    assert f"1 candidate(s) appended to {suite / 'expectations.toml'}" in out
    assert f"sockets.wrong[threads] fail when sys_platform == '{on}'" in out
    # An error is first assumed to be the suite's bug: listed, never proposed.
    assert ("not proposed: investigate (1): error, timeout, crash and harness errors are first assumed "
            "to be the suite's bug") in out
    assert f"sockets.broken[threads] on {on}-" in out and "RuntimeError: the scenario broke" in out
    tail = appended(suite)
    assert tail.startswith("\n# -- candidates from `conformance expectations update`, unreviewed")
    assert f"#   {run}\n" in tail
    assert f"\n# observed on {on}-" in tail and ": the answer: expected 2, got 1\n" in tail
    (candidate,) = entries(tail)
    assert candidate == {"scenario": "sockets.wrong", "runtime": "threads", "when": f"sys_platform == '{on}'",
                         "outcome": "fail", "reason": "", "link": ""}
    # Nothing unreviewed reaches CI: the run (and the plugin, and the report) refuse the file.
    assert main(["run", "--scenarios", str(suite), "--runtime", "threads", "-k", "right",
                 "--output", str(tmp_path / "again.json")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "entry 5 (sockets.wrong[threads]): an unreviewed candidate: its 'reason' and 'link' are empty; " \
           "write the reason and a link pinned to the release, or fix the bug" in err
    # Twice: nothing more is appended.
    before = (suite / "expectations.toml").read_bytes()
    status, out, _ = update(suite, run, capsys=capsys)
    assert status == 0
    assert "no new candidate" in out
    assert (f"unreviewed candidates in {suite / 'expectations.toml'} (1): write the reason and a link "
            f"pinned to the release, or fix the bug {suite / 'expectations.toml'}, entry 5: "
            f"sockets.wrong[threads] fail when sys_platform == '{on}'") in out
    assert (suite / "expectations.toml").read_bytes() == before
    # Reviewed (a reason and a link written in), the entry covers the cell where it was seen.
    reviewed = before.decode().replace('reason = ""', 'reason = "the answer differs"').replace(
        'link = ""', 'link = "https://example.org/threads/3.12/answer"')
    (suite / "expectations.toml").write_text(reviewed, encoding="utf-8")
    expectations = Expectations.load(suite / "expectations.toml")
    document = RunDocument.load(run)
    found = expectations.match("sockets.wrong", "threads", run_environment(document.run_info))
    assert found is not None and found.outcome is Outcome.FAIL


# -- narrowing: one entry per outcome per OS, a python_version only where the Pythons disagree -------


def matrix(folder: Path) -> list[Path]:
    """Windows on 3.10 to 3.13 and macOS on 3.12 and 3.13, with deviations of every kind."""
    documents = []
    for python in ("3.10", "3.11", "3.12", "3.13"):
        platform = f"win32-AMD64-cpython{python}"
        cells = [
            cell("sockets.wrong", "gevent", "fail", f"wrong bytes on {python}"),  # every Python: one entry
            # fixed upstream in 3.12: python_version < '3.12'
            cell("sockets.right", "gevent", "blocking" if python < "3.12" else "pass", "stalled 400 ms"),
            # 3.12 only: python_version == '3.12'
            cell("sockets.other", "gevent", "unsupported" if python == "3.12" else "pass", "no such API"),
            # two outcomes on two sets of Pythons: two entries
            cell("sockets.broken", "gevent", "fail" if python in ("3.10", "3.11") else "blocking", "differs"),
            # covered by an entry before 3.12: the candidate must not claim those Pythons too
            cell("sockets.slow", "gevent", "blocking", "stalled 900 ms").with_expectation(None),
            cell("sockets.other", "trio", "pass"),  # an unexpected pass: the entry must go, none be added
            cell("sockets.right", "trio", "unsupported", "missing"),  # a prediction, confirmed
            cell("sockets.wrong", "trio", "pass"),  # a prediction, refuted
            cell("sockets.slow", "trio", "crash" if python == "3.13" else "pass", "killed by SIGSEGV"),
            cell("sockets.broken", "trio", "skipped", "no resolver here"),  # did not run: nothing to say
        ]
        documents.append(written(folder, platform, cells))
    for python in ("3.12", "3.13"):
        documents.append(written(folder, f"darwin-arm64-cpython{python}",
                                 [cell("sockets.wrong", "gevent", "fail", "wrong bytes on macOS")]))
    return documents


def test_candidates_are_narrowed_to_the_platforms_that_showed_them(
        suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents = matrix(tmp_path / "runs")
    status, out, err = update(suite, tmp_path / "runs", capsys=capsys)
    assert status == 0, err
    found = {(e["scenario"], e["runtime"], e["outcome"], e["when"]) for e in entries(appended(suite))}
    assert found == {
        ("sockets.wrong", "gevent", "fail", "sys_platform == 'win32'"),  # every Python of each OS: one entry
        ("sockets.wrong", "gevent", "fail", "sys_platform == 'darwin'"),
        ("sockets.right", "gevent", "blocking", "sys_platform == 'win32' and python_version < '3.12'"),
        ("sockets.other", "gevent", "unsupported", "sys_platform == 'win32' and python_version == '3.12'"),
        ("sockets.broken", "gevent", "fail", "sys_platform == 'win32' and python_version < '3.12'"),
        ("sockets.broken", "gevent", "blocking", "sys_platform == 'win32' and python_version >= '3.12'"),
        # 3.10 and 3.11 are the existing entry's: the candidate leaves them to it
        ("sockets.slow", "gevent", "blocking", "sys_platform == 'win32' and python_version >= '3.12'"),
    }
    tail = appended(suite)
    assert ("# observed on win32-AMD64-cpython3.10: wrong bytes on 3.10\n"
            "# observed on win32-AMD64-cpython3.11: wrong bytes on 3.11\n") in tail
    assert "# observed on darwin-arm64-cpython3.12, darwin-arm64-cpython3.13: wrong bytes on macOS\n" in tail
    for document in documents:
        assert f"#   {document}\n" in tail  # the header names every document
    # Not proposed: the crash (investigate) and the unexpected pass (an existing entry to edit).
    assert "sockets.slow[trio] on win32-AMD64-cpython3.13: crash: killed by SIGSEGV" in out
    assert ("not proposed: contradicts an existing entry (4); edit or remove the entry by hand" in out)
    windows = ", ".join(f"win32-AMD64-cpython{v}" for v in ("3.10", "3.11", "3.12", "3.13"))
    assert (f"{suite / 'expectations.toml'}, entry 2 (sockets.other[trio], expected fail): observed pass "
            f"on {windows}") in out
    # The predictions: confirmed (promote) and refuted (correct), each with its entry.
    assert ("confirmed predictions (4): promote it: delete `predicted = true` from its entry "
            f"{suite / 'expectations.toml'}, entry 3 (sockets.right[trio], predicted unsupported): "
            f"observed unsupported on {windows}") in out
    assert ("refuted predictions (4): correct or remove the prediction "
            f"{suite / 'expectations.toml'}, entry 4 (sockets.wrong[trio], predicted fail): observed pass on "
            f"{windows}") in out


def test_reviewed_candidates_cover_exactly_the_cells_they_came_from(
        suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents = matrix(tmp_path / "runs")
    assert update(suite, *documents, capsys=capsys)[0] == 0
    text = (suite / "expectations.toml").read_text(encoding="utf-8")
    reviewed = text.replace('reason = ""', 'reason = "reviewed"').replace(
        'link = ""', 'link = "https://example.org/v1.0/reviewed"')
    (suite / "expectations.toml").write_text(reviewed, encoding="utf-8")
    expectations = Expectations.load(suite / "expectations.toml", runtimes=list(RUNTIMES))
    # Every deviation is now covered on the platform it was seen on, and no pass is claimed.
    for path in documents:
        document = RunDocument.load(path)
        environment = run_environment(document.run_info)
        for found in document.cells:
            if found.outcome in (Outcome.CRASH, Outcome.SKIPPED) or found.runtime == "trio":
                continue
            expectation = expectations.match(found.scenario, found.runtime, environment)
            expected = None if found.outcome is Outcome.PASS else found.outcome
            assert (expectation.outcome if expectation else None) is expected, (path.name, found.id)
    # And another run of the command proposes nothing more.
    status, out, _ = update(suite, *documents, capsys=capsys)
    assert status == 0 and "no new candidate" in out
    assert (suite / "expectations.toml").read_text(encoding="utf-8") == reviewed


# -- the file is appended to, byte for byte ---------------------------------------------------------


def test_appending_keeps_crlf_and_a_last_line_without_newline(
        suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "windows-style.toml"
    original = EXISTING.replace("\n", "\r\n").rstrip("\r\n").encode()  # no newline at the end
    path.write_bytes(original)
    document = written(tmp_path / "runs", "win32-AMD64-cpython3.12",
                       [cell("sockets.wrong", "gevent", "fail")])
    status, _, err = update(suite, document, capsys=capsys, expectations=path)
    assert status == 0, err
    data = path.read_bytes()
    assert data.startswith(original)
    added = data[len(original):]
    assert added.startswith(b"\r\n\r\n# -- candidates")
    assert b"\n" not in added.replace(b"\r\n", b"")  # the file's own line endings
    assert entries(data.decode())[-1]["when"] == "sys_platform == 'win32'"


# -- bad input: one line, exit status 2, nothing written ---------------------------------------------


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "absent.json", "absent.json: cannot read: "),
    (lambda d: (d / "empty").mkdir() or d / "empty", "empty: a folder with no run documents (*.json) in it"),
    (lambda d: (d / "truncated.json").write_text("{", encoding="utf-8") and d / "truncated.json",
     "truncated.json: not JSON: "),
    (lambda d: written(d, "linux-x86_64-cpython3.12", [cell("sockets.carrier_pigeon", "gevent", "fail")]),
     "unknown scenario 'sockets.carrier_pigeon' (1 cell): the suite has no such scenario"),
])
def test_bad_input_is_one_line_and_status_2(suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            make: Any, message: str) -> None:
    given = make(tmp_path)
    status, _, err = update(suite, given, capsys=capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"conformance: error: {given}"), err
    assert message in lines[0]
    assert "Traceback" not in err
    assert (suite / "expectations.toml").read_text(encoding="utf-8") == EXISTING


def test_a_broken_expectations_file_is_one_line_and_status_2(
        suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = written(tmp_path, "linux-x86_64-cpython3.12", [cell("sockets.wrong", "gevent", "fail")])
    (suite / "expectations.toml").write_text("[[expectation]\n", encoding="utf-8")
    status, _, err = update(suite, document, capsys=capsys)
    assert status == 2
    assert err.startswith(f"conformance: error: {suite / 'expectations.toml'}: not valid TOML")
    status, _, err = update(suite, document, capsys=capsys, expectations=tmp_path / "none.toml")
    assert status == 2
    assert "none.toml: cannot read" in err


def test_an_old_document_without_predicted_or_markers_is_judged_on_its_platform(
        suite: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Written before predictions existed: no "predicted", no "markers": the entry for Windows before
    # 3.12 covers the cell from its sys_platform and python_version alone.
    old = Cell("sockets.slow", "gevent", Outcome.BLOCKING, reason="stalled").with_expectation(
        Expectation(Outcome.BLOCKING, "the resolver blocks before 3.12", "https://example.org/x"))
    data = RunDocument(run_info("win32-AMD64-cpython3.11"), (old,)).to_json()
    del data["cells"][0]["expectation"]["predicted"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    status, out, err = update(suite, path, capsys=capsys)
    assert status == 0, err
    assert "no new candidate" in out
    assert (suite / "expectations.toml").read_text(encoding="utf-8") == EXISTING
