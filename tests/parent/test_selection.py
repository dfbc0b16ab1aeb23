"""Which cells a command selects, and the expectations they are judged by (conformance._parent.selection):
one home for `conformance run`, `conformance bench` and the pytest plugin, each problem one clear line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from conformance._model.scenarios import BENCH_AREAS, CONFORMANCE_AREAS
from conformance._parent.selection import (
    UsageError,
    add_selection_arguments,
    expectations_for,
    runtimes_named,
    scenarios_in,
    selection,
)

BODY = '"""A scenario."""\ndef run_sync(ctx): pass\n'


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for area, name in (("sockets", "echo"), ("dns", "lookup"), ("bench", "echo_rate")):
        (tmp_path / area).mkdir(exist_ok=True)
        (tmp_path / area / f"{name}.py").write_text(BODY, encoding="utf-8")
    return tmp_path


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_selection_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_options_select_scenarios_of_the_areas_and_runtimes(root: Path) -> None:
    chosen = selection(_args("--scenarios", str(root), "--runtime", "gevent", "-k", "echo"))
    assert [s.id for s in chosen.scenarios] == ["sockets.echo"]  # bench.echo_rate is not a conformance area
    assert [r.name for r in chosen.runtimes] == ["gevent"] and chosen.root == root
    bench = selection(_args("--scenarios", str(root), "-k", "echo"), BENCH_AREAS)
    assert [s.id for s in bench.scenarios] == ["bench.echo_rate"]


def test_every_runtime_when_none_is_named_and_a_clear_error_for_an_unknown_one() -> None:
    assert "threads" in [r.name for r in runtimes_named([])]
    with pytest.raises(UsageError, match=r"^unknown runtime 'geventt'; the runtimes are: threads, gevent"):
        runtimes_named(["geventt"])


def test_a_keyword_that_matches_nothing_says_so(root: Path) -> None:
    with pytest.raises(UsageError, match=r"^no sockets or .* scenario matches -k 'nothing'$"):
        scenarios_in(root, CONFORMANCE_AREAS, "nothing")


def test_expectations_of_a_folder_without_a_file_are_none_but_a_named_file_must_exist(root: Path) -> None:
    assert expectations_for(root).entries == []
    with pytest.raises(UsageError, match=r"missing\.toml: cannot read"):
        expectations_for(root, root / "missing.toml")


def test_expectations_are_checked_against_every_area_of_the_folder(root: Path) -> None:
    entry = ('[[expectation]]\nscenario = "{}"\nruntime = "gevent"\noutcome = "fail"\n'
             'reason = "r"\nlink = "https://example.org/1"\n')
    (root / "expectations.toml").write_text(entry.format("bench.echo_rate"), encoding="utf-8")
    assert len(expectations_for(root).entries) == 1
    (root / "expectations.toml").write_text(entry.format("files.gone"), encoding="utf-8")
    with pytest.raises(UsageError, match=r"entry 1: no scenario matches 'files\.gone'"):
        expectations_for(root)
