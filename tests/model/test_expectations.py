"""Expectations data (conformance._model.expectations): observed and predicted entries, unreviewed
candidates, conditions, and the errors of a bad file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance._model.expectations import Expectations, ExpectationsError
from conformance._model.outcomes import Outcome
from conformance._runtimes import (
    RUNTIMES,
)

Environment = dict[str, str]

EXPECTATIONS_TOML = """
[[expectation]]
scenario = "dns.*"
runtime = "gevent"
outcome = "blocking"
reason = "  the threaded resolver is not the default on Windows  "
link = "https://example.org/gevent/resolver"
when = "sys_platform == 'win32'"

[[expectation]]
scenario = "dns.*"
runtime = "gevent"
outcome = "fail"
reason = "a different error on macOS before 3.13"
link = "https://example.org/gevent/dns-macos"
when = "platform_system == 'Darwin' and python_version < '3.13'"

[[expectation]]
scenario = "sockets.unix_*"
runtime = "*loop"
outcome = "unsupported"
reason = "no AF_UNIX in the alternative loops"
link = "http://example.org/loops/unix"
"""


def _entry(**fields: Any) -> dict[str, Any]:
    entry = {"scenario": "sockets.tcp_echo", "runtime": "gevent", "outcome": "fail",
             "reason": "known", "link": "https://example.org/issue/1"}
    entry.update(fields)
    return {key: value for key, value in entry.items() if value is not None}


@pytest.fixture
def expectations(tmp_path: Path) -> Expectations:
    path = tmp_path / "expectations.toml"
    path.write_text(EXPECTATIONS_TOML, encoding="utf-8")
    return Expectations.load(path, scenarios=["dns.slow_lookup", "sockets.unix_echo"],
                             runtimes=list(RUNTIMES))


# -- expectations: loading and matching -----------------------------------------------------------


def test_when_marker_is_decided_by_the_environment(
        expectations: Expectations, windows_environment: Environment,
        macos_environment: Environment, linux_environment: Environment) -> None:
    on_windows = expectations.match("dns.slow_lookup", "gevent", windows_environment)
    assert on_windows is not None
    assert (on_windows.outcome, on_windows.reason, on_windows.link) == (
        Outcome.BLOCKING, "the threaded resolver is not the default on Windows",
        "https://example.org/gevent/resolver")
    on_macos = expectations.match("dns.slow_lookup", "gevent", macos_environment)
    assert on_macos is None  # macOS with Python 3.13: the second entry's condition does not hold
    older_macos = {**macos_environment, "python_version": "3.12", "python_full_version": "3.12.7"}
    found = expectations.match("dns.slow_lookup", "gevent", older_macos)
    assert found is not None and found.outcome is Outcome.FAIL
    assert expectations.match("dns.slow_lookup", "gevent", linux_environment) is None
    assert expectations.match("dns.slow_lookup", "eventlet", windows_environment) is None


@pytest.mark.parametrize(("scenario", "runtime", "matched"), [
    ("sockets.unix_echo", "uvloop", True),
    ("sockets.unix_echo", "winloop", True),
    ("sockets.unix_stream_pair", "rloop", True),
    ("sockets.unix_echo", "asyncio", False),  # "*loop" is a pattern, not a substring
    ("sockets.tcp_echo", "uvloop", False),
    ("dns.unix_echo", "uvloop", False),
    ("Sockets.unix_echo", "uvloop", False),  # case-sensitive on every platform
])
def test_patterns_match_scenario_and_runtime(expectations: Expectations,
                                             linux_environment: Environment, scenario: str,
                                             runtime: str, matched: bool) -> None:
    found = expectations.match(scenario, runtime, linux_environment)
    assert (found is not None) is matched
    if found is not None:
        assert found.outcome is Outcome.UNSUPPORTED


def test_a_pattern_names_alternatives_between_bars(linux_environment: Environment) -> None:
    expectations = Expectations.from_data({"expectation": [
        _entry(scenario="libraries.*_timeout|sockets.tcp_echo", runtime="asyncio|uvloop|gevent*")]},
        source="expectations.toml")
    matched = {(scenario, runtime) for scenario in ("libraries.pg_timeout", "sockets.tcp_echo", "sockets.x")
               for runtime in ("asyncio", "uvloop", "rloop", "gevent-libuv", "trio")
               if expectations.match(scenario, runtime, linux_environment) is not None}
    assert matched == {(s, r) for s in ("libraries.pg_timeout", "sockets.tcp_echo")
                       for r in ("asyncio", "uvloop", "gevent-libuv")}
    with pytest.raises(ExpectationsError, match=r"no runtime matches 'nothing\|neither'"):
        Expectations.from_data({"expectation": [_entry(runtime="nothing|neither")]},
                               source="expectations.toml", runtimes=list(RUNTIMES))


def test_two_matching_entries_are_an_ambiguity_error(windows_environment: Environment) -> None:
    expectations = Expectations.from_data({"expectation": [
        _entry(scenario="sockets.*"),
        _entry(runtime="gev*", when="os_name == 'nt'"),
        _entry(runtime="eventlet"),
    ]}, source="expectations.toml")
    with pytest.raises(ExpectationsError) as caught:
        expectations.match("sockets.tcp_echo", "gevent", windows_environment)
    assert str(caught.value) == (
        "sockets.tcp_echo[gevent] matches more than one expectation: expectations.toml, entry 1; "
        "expectations.toml, entry 2; make their conditions exclusive")


def test_empty_file_expects_every_cell_to_pass(tmp_path: Path,
                                               linux_environment: Environment) -> None:
    path = tmp_path / "expectations.toml"
    path.write_text("# nothing known yet\n", encoding="utf-8")
    assert Expectations.load(path).match("sockets.tcp_echo", "gevent", linux_environment) is None


ALL_SCENARIOS = ["sockets.tcp_echo", "dns.slow_lookup"]


@pytest.mark.parametrize(("entry", "message"), [
    pytest.param(_entry(link=None), "'link' is required and must be a non-empty string",
                 id="missing-link"),
    pytest.param(_entry(reason=None), "'reason' is required and must be a non-empty string",
                 id="missing-reason"),
    pytest.param(_entry(reason=3), "'reason' is required and must be a non-empty string",
                 id="reason-not-a-string"),
    pytest.param(_entry(link="example.org/issue/1"),
                 "'link' must be an http(s) URL to the upstream doc, issue or source, not "
                 "'example.org/issue/1'", id="link-not-a-url"),
    pytest.param(_entry(outcome="pass"), "outcome 'pass' cannot be an expectation", id="pass"),
    pytest.param(_entry(outcome="not-applicable"), "outcome 'not-applicable' cannot be an "
                 "expectation", id="not-applicable"),
    pytest.param(_entry(outcome="unavailable"), "outcome 'unavailable' cannot be an expectation",
                 id="unavailable"),
    pytest.param(_entry(outcome="broken"), "unknown outcome 'broken'; the outcomes are: pass, "
                 "blocking, fail", id="unknown-outcome"),
    pytest.param(_entry(platform="win32"), "unknown keys ['platform']; the keys are fixed_in, intermittent, "
                 "issue, kind, link, outcome, predicted, reason, repro, runtime, scenario, when",
                 id="unknown-key"),
    pytest.param(_entry(kind="feature"), "'kind' is 'feature'; it is one of: bug, design", id="bad-kind"),
    pytest.param(_entry(kind="bug"), "a bug names its upstream 'issue'", id="bug-without-issue"),
    pytest.param(_entry(kind="bug", issue="#123"), "'issue' must be an http(s) URL or 'not yet reported'",
                 id="bug-with-a-bare-number"),
    pytest.param(_entry(repro="../../evil.py"), "'repro' is a .py file relative to the scenarios folder",
                 id="repro-outside-the-suite"),
    pytest.param(_entry(intermittent="often"), "'intermittent' must be true or false, not 'often'",
                 id="intermittent-not-a-boolean"),
    pytest.param(_entry(intermittent=True, kind="design", repro="sockets/repro/x.py"),
                 "'intermittent = true' needs kind = \"bug\" and 'repro'", id="intermittent-design"),
    pytest.param(_entry(intermittent=True, kind="bug", issue="not yet reported"),
                 "'intermittent = true' needs kind = \"bug\" and 'repro'", id="intermittent-without-repro"),
    pytest.param(_entry(intermittent=True, kind="bug", issue="not yet reported", repro="sockets/repro/x.py",
                        predicted=True), "and no 'predicted'", id="intermittent-predicted"),
    pytest.param(_entry(predicted="yes"), "'predicted' must be true or false, not 'yes'",
                 id="predicted-not-a-boolean"),
    pytest.param(_entry(predicted=True, outcome="error"), "a prediction cannot name 'error': error, "
                 "timeout and crash are never covered by a prediction", id="predicted-error"),
    pytest.param(_entry(predicted=True, outcome="timeout"), "a prediction cannot name 'timeout'",
                 id="predicted-timeout"),
    pytest.param(_entry(predicted=True, outcome="crash"), "a prediction cannot name 'crash'",
                 id="predicted-crash"),
    pytest.param(_entry(predicted=True, outcome="pass"), "outcome 'pass' cannot be an expectation",
                 id="predicted-pass"),
    pytest.param(_entry(predicted=True, outcome="unavailable"), "outcome 'unavailable' cannot be an "
                 "expectation", id="predicted-unavailable"),
    pytest.param(_entry(scenario="sockets.tcp_ech"), "no scenario matches 'sockets.tcp_ech'",
                 id="unknown-scenario"),
    pytest.param(_entry(runtime="geevent"), "no runtime matches 'geevent'; the runtimes are: "
                 "asyncio, eventlet, gevent", id="unknown-runtime"),
    pytest.param(_entry(when="sys_platform = 'win32'"), "'when' is not a PEP 508 marker",
                 id="bad-marker"),
    pytest.param(_entry(when="windows"), "'when' is not a PEP 508 marker", id="not-a-marker"),
])
def test_invalid_entries_are_refused_with_the_entry_named(entry: dict[str, Any],
                                                          message: str) -> None:
    data = {"expectation": [_entry(runtime="eventlet"), entry]}
    with pytest.raises(ExpectationsError) as caught:
        Expectations.from_data(data, "expectations.toml", ALL_SCENARIOS, list(RUNTIMES))
    assert str(caught.value).startswith("expectations.toml, entry 2: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(("fields", "empty"), [
    ({"reason": "", "link": ""}, "'reason' and 'link' are empty"),
    ({"reason": "   "}, "'reason' is empty"),
    ({"link": ""}, "'link' is empty"),
])
def test_an_empty_reason_or_link_is_an_unreviewed_candidate(fields: dict[str, str], empty: str) -> None:
    data = {"expectation": [_entry(runtime="eventlet"), _entry(**fields)]}
    with pytest.raises(ExpectationsError) as caught:
        Expectations.from_data(data, "expectations.toml", ALL_SCENARIOS, list(RUNTIMES))
    assert str(caught.value) == (
        f"expectations.toml, entry 2 (sockets.tcp_echo[gevent]): an unreviewed candidate: its {empty}; "
        "write the reason and a link pinned to the release, or fix the bug")
    # What `conformance expectations update` reads: the candidate is kept, and matches its cell.
    lenient = Expectations.from_data(data, "expectations.toml", ALL_SCENARIOS, list(RUNTIMES),
                                     candidates=True)
    assert [e.candidate for e in lenient.entries] == [False, True]


def test_a_prediction_matches_like_an_observed_entry(
        windows_environment: Environment, linux_environment: Environment) -> None:
    expectations = Expectations.from_data({"expectation": [
        _entry(runtime="gevent", when="sys_platform == 'win32'", outcome="blocking", predicted=True,
               reason="the threaded resolver is predicted"),
        _entry(runtime="gevent", when="sys_platform == 'linux'"),
    ]}, "expectations.toml", ALL_SCENARIOS, list(RUNTIMES))
    on_windows = expectations.match("sockets.tcp_echo", "gevent", windows_environment)
    assert on_windows is not None
    assert (on_windows.outcome, on_windows.predicted) == (Outcome.BLOCKING, True)
    on_linux = expectations.match("sockets.tcp_echo", "gevent", linux_environment)
    assert on_linux is not None and on_linux.predicted is False
    assert [e.where for e in expectations.predictions] == ["expectations.toml, entry 1"]


def test_a_prediction_and_an_observed_entry_on_one_cell_are_ambiguous(
        windows_environment: Environment) -> None:
    expectations = Expectations.from_data({"expectation": [
        _entry(when="sys_platform == 'win32'", predicted=True),
        _entry(runtime="gev*"),
    ]}, source="expectations.toml")
    with pytest.raises(ExpectationsError, match=r"matches more than one expectation: expectations.toml, "
                                                r"entry 1; expectations.toml, entry 2"):
        expectations.match("sockets.tcp_echo", "gevent", windows_environment)


@pytest.mark.parametrize(("when", "oses"), [
    (None, {"linux", "darwin", "win32"}),
    ("sys_platform == 'win32'", {"win32"}),
    ("os_name == 'posix'", {"linux", "darwin"}),
    ("sys_platform == 'darwin' and platform_machine == 'x86_64'", {"darwin"}),  # an Intel Mac runner
    ("sys_platform == 'win32' and python_version < '3.11'", {"win32"}),  # an older Python than the sample
    ("sys_platform == 'win32' and platform_machine == 'arm64'", set()),  # no such runner
    ("python_version >= '4'", set()),
])
def test_a_condition_can_hold_on_an_os_if_it_holds_for_some_python_and_architecture(
        when: str | None, oses: set[str]) -> None:
    (entry,) = Expectations.from_data({"expectation": [_entry(when=when, predicted=True)]}).entries
    assert {o for o in ("linux", "darwin", "win32") if entry.can_hold_on(o)} == oses


def test_the_engine_marker_environments_are_complete(linux_environment: Environment) -> None:
    from packaging.markers import default_environment

    from conformance._model.expectations import MARKER_ENVIRONMENTS

    for environment in MARKER_ENVIRONMENTS.values():
        assert set(environment) == set(default_environment())
        assert set(environment) == set(linux_environment)


@pytest.mark.parametrize("when", [3, ["sys_platform == 'win32'"]])
def test_non_string_when_is_refused_with_the_entry_named(when: object) -> None:
    with pytest.raises(ExpectationsError, match=r"entry 1: 'when'"):
        Expectations.from_data({"expectation": [_entry(when=when)]})


@pytest.mark.parametrize(("text", "message"), [
    ("[[expectation]\nscenario = 1", "not valid TOML"),
    ("[expectations]\nscenario = 'x'", "unknown top-level keys ['expectations']; write entries as "
                                       "[[expectation]] tables"),
    ("expectation = 'sockets.*'", "'expectation' must be an array of tables"),
])
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "expectations.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExpectationsError) as caught:
        Expectations.load(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExpectationsError, match="cannot read"):
        Expectations.load(tmp_path / "nowhere.toml")
