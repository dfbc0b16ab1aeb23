"""The standalone reproducers behind the known deviations (``conformance repro``): each still shows its
deviation here, with the runtime and the standard library only.

One that no longer reproduces means the deviation is gone (an upstream fix: update the entry) or was
the suite's own artefact (fix the scenario): either way the table would be wrong, so the test fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance._model.expectations import Expectations
from conformance._model.scenarios import default_scenarios_dir, discover
from conformance._parent.repro import REPRODUCED, reproducers, run, servers_of
from conformance._parent.run_info import marker_environment
from conformance._parent.servers import Servers
from conformance._runtimes import RUNTIMES, availability, get_runtime

SCENARIOS = default_scenarios_dir()
DISCOVERED = discover(SCENARIOS)
EXPECTATIONS = Expectations.load(SCENARIOS / "expectations.toml", [s.id for s in DISCOVERED], list(RUNTIMES))
ALL = reproducers(EXPECTATIONS, SCENARIOS)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """The database servers the libraries area's reproducers talk to, started on first use."""
    with Servers() as started:
        yield started


def test_every_reproducer_named_exists() -> None:
    missing = [f"{r.entry.where}: {r.script}" for r in ALL if not r.script.is_file()]
    assert not missing, missing


@pytest.mark.parametrize("reproducer", ALL, ids=[r.id for r in ALL])
def test_the_deviation_still_reproduces(reproducer: object, servers: Servers) -> None:
    from conformance._parent.repro import Reproducer

    assert isinstance(reproducer, Reproducer)
    why = reproducer.applies_here(marker_environment())
    if why:
        pytest.skip(why)
    variables = servers.environment(servers_of(reproducer, DISCOVERED))
    if isinstance(variables, str):
        pytest.skip(variables)
    result = run(reproducer, variables=variables)
    assert result.status == REPRODUCED, f"{reproducer.id} ({reproducer.script.name}): " \
                                         f"{result.status}\n{result.output}"


# -- the command ------------------------------------------------------------------------------------

SCRIPTS = {
    "shows.py": 'import sys\nprint("ran under", sys.argv[1])\nprint("REPRODUCED: it does")\nsys.exit(0)\n',
    "fixed.py": 'import sys\nprint("NOT REPRODUCED: it behaves like the reference now")\nsys.exit(1)\n',
    "broken.py": 'raise ImportError("no such runtime")\n',
    # what a configuration of a runtime is given: the runtime's name, and its variables
    "config.py": 'import os, sys\nprint("ran as", sys.argv[1], "with", os.environ.get("GEVENT_LOOP"),\n'
                 '      os.environ.get("GEVENT_RESOLVER"))\nprint("REPRODUCED: it does")\n',
}


def _suite(tmp_path: Path) -> Path:
    root = tmp_path / "scenarios"
    (root / "sockets" / "repro").mkdir(parents=True)
    (root / "sockets" / "thing.py").write_text('"""A thing."""\ndef run_sync(ctx):\n    pass\n',
                                                encoding="utf-8")
    entries = []
    for name, text in SCRIPTS.items():
        (root / "sockets" / "repro" / name).write_text(text, encoding="utf-8")
        runtime = {"shows.py": "threads", "fixed.py": "asyncio", "broken.py": "trio",
                   "config.py": "gevent-libuv"}[name]
        entries.append(f'[[expectation]]\nscenario = "sockets.thing"\nruntime = "{runtime}"\n'
                       f'outcome = "fail"\nreason = "r"\nlink = "https://example.org/x"\n'
                       f'kind = "design"\nrepro = "sockets/repro/{name}"\n')
    (root / "expectations.toml").write_text("\n".join(entries), encoding="utf-8")
    return root


@pytest.mark.parametrize(("ident", "status", "says"), [
    ("sockets.thing[threads]", 0, "sockets.thing[threads]: reproduced"),
    ("sockets.thing[asyncio]", 1, "sockets.thing[asyncio]: not reproduced"),
    ("sockets.thing[trio]", 2, "sockets.thing[trio]: broken"),
])
def test_repro_runs_one_and_says_what_it_found(tmp_path: Path, ident: str, status: int, says: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from conformance._parent.cli import main

    assert main(["repro", ident, "--scenarios", str(_suite(tmp_path))]) == status
    out = capsys.readouterr().out
    assert says in out
    if status == 0:
        assert "ran under threads" in out  # the runtime's name is the script's argument


def test_a_configuration_runs_as_its_runtime_with_its_variables_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance._parent.cli import main

    monkeypatch.setenv("GEVENT_RESOLVER", "ares")  # the user's own: never a configuration's
    root = _suite(tmp_path)
    assert main(["repro", "--list", "--scenarios", str(root)]) == 0
    assert "sockets.thing[gevent-libuv]  GEVENT_LOOP=libuv sockets/repro/config.py gevent" in \
        capsys.readouterr().out
    if availability(get_runtime("gevent-libuv")).available:
        assert main(["repro", "sockets.thing[gevent-libuv]", "--scenarios", str(root)]) == 0
        assert "ran as gevent with libuv None" in capsys.readouterr().out


def test_repro_lists_and_refuses_an_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance._parent.cli import main

    root = _suite(tmp_path)
    assert main(["repro", "--list", "--scenarios", str(root)]) == 0
    listed = capsys.readouterr().out
    assert "sockets.thing[threads]  sockets/repro/shows.py threads" in listed
    assert main(["repro", "sockets.thing[gevent]", "--scenarios", str(root)]) == 2
    assert "no reproducer sockets.thing[gevent]" in capsys.readouterr().err
