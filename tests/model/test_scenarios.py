"""Selecting scenarios with -k expressions (conformance._model.scenarios)."""

from __future__ import annotations

import pytest

from conformance._model.scenarios import ScenarioError, keyword_matches

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
