"""The engine's platform-dependent decisions, made here for Windows and macOS (and Linux): which
expectations apply, which runtimes are available, which real scenarios are not applicable, what a
Windows or macOS leg records for a cell it cannot run, and the platform id of each leg's run document.

The CI matrix runs on those platforms; these tests make the same decisions from this machine, from the
PEP 508 marker environments of tests/conftest.py (and, where the engine reads ``sys.platform`` itself, a
``sys.platform`` set for the length of one test that starts no process).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conformance._model.expectations import Expectations
from conformance._model.outcomes import Outcome
from conformance._model.results import platform_id
from conformance._model.scenarios import Scenario, default_scenarios_dir, discover
from conformance._model.verdict import Kind, judge
from conformance._parent.cells import CellRunner
from conformance._parent.install import install
from conformance._parent.resolver import isolated_resolver_command
from conformance._parent.run_info import ci_job_url
from conformance._runtimes import INSTALL_RECORD_VARIABLE, RUNTIMES, availability, get_runtime

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

Environment = dict[str, str]
ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = ("linux", "darwin", "win32")
FIXTURE = {"linux": "linux_environment", "darwin": "macos_environment", "win32": "windows_environment"}


def _environment(request: pytest.FixtureRequest, platform: str, python: str | None = None) -> Environment:
    """The marker environment of ``platform`` (one of tests/conftest.py's), on another Python if given."""
    environment: Environment = dict(request.getfixturevalue(FIXTURE[platform]))
    if python is not None:
        environment.update(python_version=python, python_full_version=f"{python}.0",
                           implementation_version=f"{python}.0")
    return environment


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return discover(default_scenarios_dir())


@pytest.fixture(scope="module")
def expectations(scenarios: list[Scenario]) -> Expectations:
    return Expectations.load(default_scenarios_dir() / "expectations.toml", [s.id for s in scenarios],
                             list(RUNTIMES))


# -- scenarios/expectations.toml, read for every platform -----------------------------------------


@pytest.mark.parametrize("python", ["3.10", "3.11", "3.12", "3.13", "3.14"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_cell_has_two_expectations_on_any_platform(
        request: pytest.FixtureRequest, scenarios: list[Scenario], expectations: Expectations,
        platform: str, python: str) -> None:
    # Two entries claiming one cell is an error the run only meets on the platform where both hold: a
    # Windows leg would stop there. Every cell is asked here, for every platform and Python of the matrix.
    environment = _environment(request, platform, python)
    for scenario in scenarios:
        for runtime in RUNTIMES:
            expectations.match(scenario.id, runtime, environment)  # raises ExpectationsError


def test_linux_only_deviations_do_not_follow_to_windows_or_macos(
        expectations: Expectations, windows_environment: Environment,
        macos_environment: Environment, linux_environment: Environment) -> None:
    linux_only = [e for e in expectations.entries if e.when == "sys_platform == 'linux'"]
    assert linux_only, "the expectations have no Linux-only entry any more: pick another example"
    for entry in linux_only:
        assert entry.matches(entry.scenario, entry.runtime, linux_environment)
        assert not entry.matches(entry.scenario, entry.runtime, windows_environment), entry.where
        assert not entry.matches(entry.scenario, entry.runtime, macos_environment), entry.where


def test_a_python_version_condition_is_read_from_the_platform_python(
        expectations: Expectations, windows_environment: Environment,
        macos_environment: Environment) -> None:
    # asyncio's DatagramTransport.sendto(b"") sends nothing before 3.13 (python/cpython#113812).
    on_windows_312 = expectations.match("sockets.udp_empty_datagram", "asyncio", windows_environment)
    assert on_windows_312 is not None and on_windows_312.outcome is Outcome.FAIL
    assert expectations.match("sockets.udp_empty_datagram", "asyncio", macos_environment) is None  # 3.13


# -- runtime availability -------------------------------------------------------------------------

# gevent's configurations install where gevent does (gevent-dnspython then says in its cells that
# gevent does not support it on this Python: conformance/_runtimes/_gevent.py).
GEVENTS = {"gevent", "gevent-ares", "gevent-dnspython", "gevent-libuv"}
AVAILABLE = {
    "linux": {"threads", *GEVENTS, "eventlet", "asyncio", "uvloop", "rloop", "trio", "twisted",
              "twisted-asyncio"},
    "darwin": {"threads", *GEVENTS, "eventlet", "asyncio", "uvloop", "rloop", "trio", "twisted",
               "twisted-asyncio"},
    "win32": {"threads", *GEVENTS, "eventlet", "asyncio", "winloop", "trio", "twisted", "twisted-asyncio"},
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_which_runtimes_each_platform_has(request: pytest.FixtureRequest, platform: str) -> None:
    environment = _environment(request, platform)
    for name, runtime in RUNTIMES.items():
        found = availability(runtime, environment)
        assert found.available is (name in AVAILABLE[platform]), name
        if not found.available:
            assert found.version is None
            assert found.reason == (f"{name} does not run on {platform} "
                                    f"(it installs where {runtime.platform_marker})")
        elif runtime.distribution is None:  # the standard library: the platform's Python
            assert found.version == environment["python_full_version"]
        else:  # installed or not on that machine cannot be known from here
            assert found.version is None


def test_the_all_extra_installs_every_runtime() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    everything = Requirement(extras["all"][0])
    assert everything.extras == {r.extra or n for n, r in RUNTIMES.items() if r.distribution is not None}


def test_twisted_needs_pywin32_on_windows_only(windows_environment: Environment,
                                               linux_environment: Environment) -> None:
    # Twisted's processes on Windows import pywin32 (twisted/internet/_dumbwin32proc.py): without it
    # five subprocess cells would be published as Twisted findings instead of an incomplete install.
    for name in ("twisted", "twisted-asyncio"):
        needed = {str(Requirement(r).name) for r in get_runtime(name).requirements
                  if Requirement(r).marker is None or Requirement(r).marker.evaluate(windows_environment)}
        assert needed == {"twisted", "pywin32"}
        elsewhere = {str(Requirement(r).name) for r in get_runtime(name).requirements
                     if Requirement(r).marker is None or Requirement(r).marker.evaluate(linux_environment)}
        assert elsewhere == {"twisted"}


# -- not applicable: the real scenarios -----------------------------------------------------------

# Values sys.platform takes (a NOT_APPLICABLE key outside them, "windows" say, would never apply).
SYS_PLATFORMS = {"linux", "darwin", "win32", "cygwin", "emscripten", "wasi", "ios", "android", "aix"}


def test_not_applicable_keys_are_sys_platform_values(scenarios: list[Scenario]) -> None:
    for scenario in scenarios:
        for key, reason in scenario.not_applicable.items():
            assert key in SYS_PLATFORMS or key.startswith(("freebsd", "openbsd", "netbsd", "sunos")), \
                f"{scenario.id}: NOT_APPLICABLE key {key!r} is not a sys.platform value"
            assert isinstance(reason, str) and reason.strip(), f"{scenario.id}: empty reason for {key}"


def test_unix_sockets_and_posix_signals_are_not_applicable_on_windows(scenarios: list[Scenario]) -> None:
    by_id = {s.id: s for s in scenarios}
    on_windows = {s.id for s in scenarios if s.not_applicable_reason("win32")}
    # _thread.interrupt_main() simulates SIGINT inside the process, which Windows has too: it runs there.
    in_process = {"signals.interrupt_main"}
    signals = {s.id for s in scenarios if s.area == "signals"} - in_process
    assert signals, "no signals scenario found"
    assert not on_windows & in_process
    assert {"sockets.unix_echo"} | signals <= on_windows
    assert "AF_UNIX" in (by_id["sockets.unix_echo"].not_applicable_reason("win32") or "")
    for scenario_id in signals:
        assert (by_id[scenario_id].not_applicable_reason("win32") or "").startswith("POSIX signals")
    # what every platform has is never excluded on Windows
    for scenario_id in ("sockets.tcp_echo", "sockets.udp_roundtrip", "subprocess.run_capture"):
        assert by_id[scenario_id].not_applicable_reason("win32") is None


# What only Linux has, for every runtime: Popen(pipesize=...) sets F_SETPIPE_SZ, a Linux fcntl; macOS
# configures one loopback address only, where the several-addresses scenarios need two.
LINUX_ONLY = {"subprocess.pipesize": "F_SETPIPE_SZ", "dns.connect_several_addresses": "127.0.0.1 alone",
              "dns.connect_happy_eyeballs": "127.0.0.1 alone"}


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_every_scenario_applies_on_linux_and_macos(scenarios: list[Scenario], platform: str) -> None:
    excluded = {s.id: s.not_applicable_reason(platform) or "" for s in scenarios
                if s.not_applicable_reason(platform)}
    expected = {} if platform == "linux" else LINUX_ONLY
    assert set(excluded) == set(expected)
    for scenario_id, what in expected.items():
        assert what in excluded[scenario_id]


# -- what a Windows or macOS leg records for a cell it cannot run ---------------------------------


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine reads sys.platform itself for applicability: set it for one test. (Availability is
    read from packaging's marker environment, which packaging caches per process: it is tested above
    with the marker environments.) Only decisions taken before a child would start run under it."""
    monkeypatch.setattr(sys, "platform", "win32")


def _scenario(scenarios: list[Scenario], scenario_id: str) -> Scenario:
    return next(s for s in scenarios if s.id == scenario_id)


@pytest.mark.usefixtures("on_windows")
def test_windows_leg_records_not_applicable_before_starting_anything(
        scenarios: list[Scenario], expectations: Expectations,
        windows_environment: Environment) -> None:
    runner = CellRunner(expectations, windows_environment)
    for scenario_id in ("sockets.unix_echo", "signals.sigint_idle", "signals.sigterm_handler"):
        cell = runner.run(_scenario(scenarios, scenario_id), get_runtime("threads"))
        assert cell.outcome is Outcome.NOT_APPLICABLE, (scenario_id, cell.outcome, cell.reason)
        assert cell.reason == _scenario(scenarios, scenario_id).not_applicable_reason("win32")
        assert judge(cell).kind is Kind.NOT_RUN  # a skip under pytest, never a failure


def test_a_runtime_whose_install_failed_is_unavailable_with_pips_reason(
        scenarios: list[Scenario], expectations: Expectations, windows_environment: Environment,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a leg records when the runtime's install failed (no wheel for that Python, no compiler): tox
    # runs `python -m conformance._parent.install RUNTIME`, a real pip that fails here (no index, a
    # requirement nothing satisfies); every cell then says `unavailable` with pip's own reason, and
    # nothing fails.
    failed = replace(get_runtime("winloop"), requirements=("winloop-that-cannot-install>=1",))
    record = tmp_path / "runtime-install.json"
    status = install(failed, record, [sys.executable, "-m", "pip", "install", "--no-index", "--quiet",
                                      *failed.requirements])
    assert status != 0
    monkeypatch.setenv(INSTALL_RECORD_VARIABLE, str(record))
    cell = CellRunner(expectations, windows_environment).run(_scenario(scenarios, "sockets.tcp_echo"), failed)
    assert cell.outcome is Outcome.UNAVAILABLE
    assert cell.reason.startswith("winloop-that-cannot-install is not installed; `pip install "
                                  "--prefer-binary winloop-that-cannot-install>=1` failed (exit status ")
    assert "No matching distribution found for winloop-that-cannot-install>=1" in cell.reason
    assert judge(cell).kind is Kind.NOT_RUN
    # Without a record (installed by hand, not by tox), the reason says how to install it.
    monkeypatch.delenv(INSTALL_RECORD_VARIABLE)
    cell = CellRunner(expectations, windows_environment).run(_scenario(scenarios, "sockets.tcp_echo"), failed)
    assert cell.reason == ("winloop-that-cannot-install is not installed: "
                           "pip install 'conformance[winloop]'")


def test_a_partial_install_is_unavailable_with_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # twisted without its [tls] extra would turn every TLS cell into an ImportError `error`.
    from importlib import metadata

    real_version = metadata.version

    def version(name: str) -> str:
        if name.lower() == "pyopenssl":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(metadata, "version", version)
    found = availability(get_runtime("twisted"))
    assert not found.available
    assert found.reason.startswith(
        "twisted is installed without its [tls] extra (pyopenssl is not installed)")
    too_old = replace(get_runtime("trio"), requirements=("trio>=999",))
    assert availability(too_old).reason.startswith(
        f"trio {real_version('trio')} is installed, but the suite needs >=999")


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_dns_scenarios_are_skipped_with_the_reason_off_linux(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str) -> None:
    # A run changes the machine's resolver only where the environment allows it (docs/dns.md): by
    # default a dns cell on macOS or Windows is skipped, and the reason names the variable.
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.delenv("CONFORMANCE_SYSTEM_RESOLVER", raising=False)
    stub = {"host": "127.0.0.1", "port": 53, "zone": "c0123456789.conformance.test",
            "query_log": str(tmp_path / "queries.log"), "every_query": False,
            "resolver_timeout_s": None, "resolver_timeout_setting": None}
    reason = isolated_resolver_command(stub)
    assert isinstance(reason, str)
    assert reason.startswith(f"no controllable resolver on {platform} unless allowed: "
                             "set CONFORMANCE_SYSTEM_RESOLVER=1 to let the run ")
    assert not (tmp_path / "nsswitch.conf").exists()  # nothing was arranged
    # Allowed (as CI does), the child runs as it is, with the system resolver configured around it by
    # the runner (tests/os/test_system_resolver.py); nothing is configured before the runner asks.
    monkeypatch.setenv("CONFORMANCE_SYSTEM_RESOLVER", "1")
    allowed = isolated_resolver_command(stub)
    assert not isinstance(allowed, str)
    assert allowed.command[-2:] == ["-m", "conformance._child"]
    assert allowed.system is not None and allowed.system.zone.name == stub["zone"]


# -- the platform id of each leg's run document ---------------------------------------------------


def _info(environment: Mapping[str, str], arch: str, **more: object) -> dict[str, object]:
    return {"sys_platform": environment["sys_platform"], "arch": arch,
            "python_implementation": environment["platform_python_implementation"],
            "python_version": environment["python_full_version"], **more}


def test_platform_ids_of_windows_macos_and_pypy_legs(
        windows_environment: Environment, macos_environment: Environment,
        linux_environment: Environment) -> None:
    assert platform_id(_info(windows_environment, "AMD64")) == "win32-AMD64-cpython3.12"
    assert platform_id(_info(macos_environment, "arm64")) == "darwin-arm64-cpython3.13"
    assert platform_id(_info(macos_environment, "x86_64")) == "darwin-x86_64-cpython3.13"
    pypy = {**linux_environment, "platform_python_implementation": "PyPy", "python_full_version": "3.11.13"}
    assert platform_id(_info(pypy, "x86_64")) == "linux-x86_64-pypy3.11"


def test_free_threaded_build_has_a_platform_id_of_its_own(linux_environment: Environment) -> None:
    default = platform_id(_info(linux_environment, "x86_64", free_threaded=False,
                                python_build="main Oct  7 2025 10:00:00"))
    free_threaded = platform_id(_info(linux_environment, "x86_64", free_threaded=True,
                                      python_build="main Oct  7 2025 10:00:00"))
    assert default != free_threaded
    assert free_threaded == default + "t"


def test_a_ci_run_document_links_the_attempt_that_made_it() -> None:
    # A re-run of a failed leg is another attempt of the same run: its documents must say which.
    env = {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "42", "GITHUB_REPOSITORY": "o/r",
           "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ATTEMPT": "2"}
    assert ci_job_url(env) == "https://github.com/o/r/actions/runs/42/attempts/2"
    assert ci_job_url({**env, "GITHUB_RUN_ATTEMPT": ""}) == "https://github.com/o/r/actions/runs/42"
    assert ci_job_url({}) is None


def test_the_first_macos_and_windows_legs_meet_predictions_not_linux_findings(
        expectations: Expectations, macos_environment: Environment, windows_environment: Environment,
        linux_environment: Environment) -> None:
    """Deviations observed on Linux whose mechanism is the same elsewhere are predictions there (a
    prediction never fails a leg); those whose mechanism is Linux's own do not follow at all."""
    def predicted(scenario: str, runtime: str, environment: Environment) -> tuple[str, bool] | None:
        found = expectations.match(scenario, runtime, environment)
        return (found.outcome.value, found.predicted) if found else None

    for environment in (macos_environment, windows_environment):
        for runtime in ("gevent", "eventlet"):
            assert predicted("files.offload_write_fsync", runtime, environment) == ("blocking", True)
            assert predicted("files.offload_write_fsync", runtime, linux_environment) == ("blocking", False)
    for runtime in ("gevent", "eventlet", "asyncio", "uvloop", "rloop", "trio", "twisted", "twisted-asyncio"):
        assert predicted("files.naive_read", runtime, macos_environment) == ("blocking", True), runtime
        # Windows cannot keep the file out of the page cache: the cell is skipped, nothing to predict
        assert predicted("files.naive_read", runtime, windows_environment) is None, runtime
    # libuv on macOS watches children with kqueue: no SIGCHLD finding follows from Linux
    assert predicted("signals.sigchld_subprocess", "uvloop", macos_environment) is None
    assert predicted("signals.sigchld_subprocess", "uvloop", linux_environment) == ("fail", False)
    assert predicted("subprocess.pass_fds_close_fds", "uvloop", macos_environment) == ("fail", True)
    for entry in expectations.entries:
        if entry.expectation.predicted:
            assert entry.expectation.outcome.value not in ("error", "timeout", "crash"), entry.where
            assert not entry.matches(entry.scenario, entry.runtime.replace("*", ""), linux_environment), \
                f"{entry.where}: a prediction for Linux, where every leg has run"
