"""Expectations data (observed and predicted entries, unreviewed candidates), the verdict on a cell,
runtime availability on other platforms, the stall meter's arithmetic and -k expressions: the engine's
decisions that need no child process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conformance._child.heartbeat import StallMeter
from conformance._model.expectations import Expectations, ExpectationsError
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation
from conformance._model.scenarios import ScenarioError, keyword_matches
from conformance._model.verdict import FAILING, Kind, Verdict, judge
from conformance._runtimes import (
    RUNTIMES,
    RuntimeUnavailable,
    UnknownRuntime,
    availability,
    get_runtime,
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


# -- the verdict on a cell whose expectation is a prediction --------------------------------------

PREDICTION = Expectation(Outcome.FAIL, "the loop drops empty datagrams", "https://example.org/v1.2/udp.py",
                         predicted=True)


def _judged(outcome: Outcome, expectation: Expectation | None = PREDICTION, **fields: Any) -> Verdict:
    reason = "" if outcome is Outcome.PASS else f"observed {outcome.value}"
    return judge(Cell("sockets.udp_empty", "winloop", outcome, reason=reason, **fields)
                 .with_expectation(expectation))


def test_a_prediction_observed_as_predicted_is_confirmed_and_says_how_to_promote_it() -> None:
    verdict = _judged(Outcome.FAIL)
    assert verdict.kind is Kind.CONFIRMED
    assert verdict.message == ("fail: predicted and now observed: the loop drops empty datagrams "
                               "<https://example.org/v1.2/udp.py> (observed: observed fail); promote it: "
                               "delete `predicted = true` from its entry")
    assert verdict.kind not in FAILING


@pytest.mark.parametrize("outcome", [Outcome.PASS, Outcome.BLOCKING, Outcome.UNSUPPORTED])
def test_a_prediction_contradicted_without_a_breakage_is_refuted_not_failed(outcome: Outcome) -> None:
    verdict = _judged(outcome)
    assert verdict.kind is Kind.REFUTED
    assert verdict.kind not in FAILING
    assert verdict.message.startswith(f"prediction refuted: sockets.udp_empty[winloop]: predicted fail "
                                      f"(the loop drops empty datagrams <https://example.org/v1.2/udp.py>), "
                                      f"observed {outcome.value}")


@pytest.mark.parametrize("outcome", [Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASH])
def test_an_error_timeout_or_crash_is_unexpected_whatever_was_predicted(outcome: Outcome) -> None:
    verdict = _judged(outcome)
    assert verdict.kind is Kind.UNEXPECTED
    assert verdict.message == (f"sockets.udp_empty[winloop]: predicted fail (the loop drops empty "
                               f"datagrams), got {outcome.value}: observed {outcome.value}")


def test_a_harness_error_is_unexpected_even_where_it_matches_nothing_predicted() -> None:
    verdict = _judged(Outcome.ERROR, harness_error=True)
    assert verdict.kind is Kind.UNEXPECTED


@pytest.mark.parametrize("outcome", [Outcome.SKIPPED, Outcome.UNAVAILABLE, Outcome.NOT_APPLICABLE])
def test_a_cell_that_did_not_run_contradicts_no_prediction(outcome: Outcome) -> None:
    assert _judged(outcome).kind is Kind.NOT_RUN


def test_the_same_entry_observed_keeps_its_verdicts() -> None:
    observed = replace(PREDICTION, predicted=False)
    assert _judged(Outcome.FAIL, observed).kind is Kind.KNOWN
    assert _judged(Outcome.PASS, observed).kind is Kind.UNEXPECTED  # an unexpected pass fails
    assert _judged(Outcome.BLOCKING, observed).kind is Kind.UNEXPECTED



def test_an_intermittent_bug_accepts_a_pass_and_its_outcome_and_nothing_else() -> None:
    # A race the runtime loses in some runs only: either result is as expected; any other is not.
    intermittent = replace(PREDICTION, predicted=False, kind="bug", issue="not yet reported",
                           repro="sockets/repro/udp_empty__winloop.py", intermittent=True)
    passed = _judged(Outcome.PASS, intermittent)
    assert passed.kind is Kind.KNOWN and passed.kind not in FAILING
    assert passed.message == ("passed this run; known to give fail in some runs: the loop drops empty "
                              "datagrams")
    assert _judged(Outcome.FAIL, intermittent).kind is Kind.KNOWN
    assert _judged(Outcome.BLOCKING, intermittent).kind is Kind.UNEXPECTED
    assert _judged(Outcome.ERROR, intermittent).kind is Kind.UNEXPECTED
    # Carried in run documents, and read back.
    assert intermittent.to_json()["intermittent"] is True
    assert Expectation.from_json(intermittent.to_json()) == intermittent
    assert "intermittent" not in replace(intermittent, intermittent=False).to_json()

# -- runtime availability on another platform -----------------------------------------------------


def test_uvloop_is_unavailable_on_windows(windows_environment: Environment,
                                          macos_environment: Environment) -> None:
    found = availability(get_runtime("uvloop"), windows_environment)
    assert not found.available
    assert found.version is None
    assert found.reason == "uvloop does not run on win32 (it installs where sys_platform != 'win32')"
    assert availability(get_runtime("uvloop"), macos_environment).available


def test_winloop_is_available_on_windows_only(windows_environment: Environment,
                                              linux_environment: Environment) -> None:
    on_windows = availability(get_runtime("winloop"), windows_environment)
    assert on_windows.available
    assert on_windows.version is None  # what is installed on another machine is not known here
    on_linux = availability(get_runtime("winloop"), linux_environment)
    assert not on_linux.available
    assert on_linux.reason == "winloop does not run on linux (it installs where sys_platform == 'win32')"


def test_standard_library_runtimes_run_everywhere(windows_environment: Environment) -> None:
    for name in ("threads", "asyncio"):
        found = availability(get_runtime(name), windows_environment)
        assert (found.available, found.version) == (True, "3.12.4")


def test_unknown_runtime_lists_the_known_ones() -> None:
    with pytest.raises(UnknownRuntime) as caught:
        get_runtime("curio")
    assert caught.value.name == "curio"
    assert str(caught.value) == ("unknown runtime 'curio'; the runtimes are: threads, gevent, "
                                 "eventlet, asyncio, uvloop, winloop, rloop, trio, twisted, "
                                 "twisted-asyncio")
    assert not isinstance(caught.value, RuntimeUnavailable)  # a usage error, not "not installed"


# -- the stall meter's arithmetic, on a fake clock ------------------------------------------------


def fake_clock(*readings: float) -> Callable[[], float]:
    """A clock that returns ``readings`` in order, one per call; a call too many fails the test."""
    remaining: Iterator[float] = iter(readings)

    def clock() -> float:
        reading = next(remaining, None)
        assert reading is not None, "the meter read the clock more often than the test planned"
        return reading

    return clock


def test_largest_gap_between_ticks_beyond_the_interval_is_the_stall() -> None:
    #                             init  open   ticks...........................  close
    meter = StallMeter(0.005, fake_clock(0.0, 0.0, 0.005, 0.010, 0.310, 0.315, 0.320, 0.325))
    meter.open("body")
    for _ in range(5):
        meter.tick()
    meter.close("body")
    assert meter.ticks == 5
    assert meter.max_stall_ms() == pytest.approx(295.0)  # 0.310 - 0.010 - 0.005


def test_stall_still_open_at_close_is_counted() -> None:
    # The body blocks right after the last tick and returns just before the window closes.
    meter = StallMeter(0.005, fake_clock(0.0, 0.0, 0.005, 0.010, 0.810))
    meter.open("body")
    meter.tick()
    meter.tick()
    meter.close("body")  # at 0.810: no tick since 0.010
    assert meter.max_stall_ms() == pytest.approx(795.0)


def test_time_outside_a_window_is_not_counted() -> None:
    # A stall of 2 s before the window opens counts only from the opening on.
    meter = StallMeter(0.005, fake_clock(0.0, 1.9, 2.0, 2.005, 2.010))
    meter.open("body")  # at 1.9, the last tick was at 0.0
    meter.tick()  # at 2.0
    meter.tick()
    meter.close("body")
    assert meter.max_stall_ms() == pytest.approx(95.0)  # 2.0 - 1.9 - 0.005
    # And ticks after the window closed change nothing.
    closed = StallMeter(0.005, fake_clock(0.0, 0.0, 0.005, 0.010, 5.0))
    closed.open("body")
    closed.tick()
    closed.close("body")
    closed.tick()  # at 5.0, outside any window
    assert closed.max_stall_ms() == 0.0


def test_measured_window_is_preferred_over_the_body_window() -> None:
    meter = StallMeter(0.005, fake_clock(
        0.0,
        0.0,          # open body
        0.005,        # tick
        1.005,        # tick: a 995 ms stall of set-up, in the body but outside any measured block
        1.010,        # open measured
        1.015,        # tick
        1.065,        # tick: a 45 ms stall in the first measured block
        1.070,        # close measured
        3.000,        # tick: a stall between the measured blocks
        3.001,        # open measured
        3.006,        # tick
        3.031,        # close measured: a 20 ms stall still open at the close
        3.035,        # close body
    ))
    meter.open("body")
    meter.tick()
    meter.tick()
    meter.open("measured")
    meter.tick()
    meter.tick()
    meter.close("measured")
    meter.tick()
    meter.open("measured")
    meter.tick()
    meter.close("measured")
    meter.close("body")
    assert meter.opened == {"body": 1, "measured": 2}
    assert meter.max_stall_ms() == pytest.approx(45.0)  # the measured blocks alone
    # Without measured blocks the body window decides: the same set-up stall is then charged.
    body_only = StallMeter(0.005, fake_clock(0.0, 0.0, 0.005, 1.005, 1.010))
    body_only.open("body")
    body_only.tick()
    body_only.tick()
    body_only.close("body")
    assert body_only.max_stall_ms() == pytest.approx(995.0)


def test_no_stall_when_ticks_keep_time() -> None:
    readings = [0.0, 0.0, *(0.005 * n for n in range(1, 101)), 0.505]
    meter = StallMeter(0.005, fake_clock(*readings))
    meter.open("body")
    for _ in range(100):
        meter.tick()
    meter.close("body")
    assert meter.max_stall_ms() == pytest.approx(0.0, abs=1e-6)


# -- -k expressions -------------------------------------------------------------------------------


def _names(scenario_id: str) -> list[str]:
    return [scenario_id, *scenario_id.split(".")]


@pytest.mark.parametrize(("keyword", "scenario_id", "selected"), [
    ("dns or signals", "dns.slow_lookup", True),
    ("dns or signals", "signals.sigterm_during_read", True),
    ("dns or signals", "sockets.tcp_echo", False),
    ("tcp and not tls", "sockets.tcp_echo", True),
    ("tcp and not tls", "sockets.tcp_tls_echo", False),
    ("tcp and not tls", "sockets.udp_echo", False),
    ("TCP", "sockets.tcp_echo", True),  # case-insensitive, like pytest
    ("echo", "sockets.tcp_echo", True),  # a substring of a name
    ("not (dns or sockets)", "files.large_read", True),
    ("not (dns or sockets)", "sockets.tcp_echo", False),
    ("(tcp or udp) and tls", "sockets.udp_tls_echo", True),
    ("(tcp or udp) and tls", "sockets.tcp_echo", False),
    ("tcp or udp and tls", "sockets.tcp_echo", True),  # 'and' binds tighter than 'or'
    ("not not tcp", "sockets.tcp_echo", True),
    ("", "sockets.tcp_echo", True),
])
def test_keyword_expressions(keyword: str, scenario_id: str, selected: bool) -> None:
    assert keyword_matches(keyword, _names(scenario_id)) is selected


@pytest.mark.parametrize(("keyword", "problem"), [
    ("dns or", "it ends too early"),
    ("(dns or signals", "it ends too early"),
    ("dns)", "unexpected ')'"),
    ("and dns", "unexpected 'and'"),
    ("dns signals", "unexpected 'signals'"),
    ("()", "unexpected ')'"),
    ("not", "it ends too early"),
])
def test_bad_keyword_expressions_are_scenario_errors(keyword: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        keyword_matches(keyword, _names("sockets.tcp_echo"))
    assert str(caught.value) == (f"bad -k expression {keyword!r}: {problem}; write words joined by "
                                 "'and', 'or', 'not' and parentheses")
