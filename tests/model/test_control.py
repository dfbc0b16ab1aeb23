"""The control pipe's messages (conformance._model.control): what the child writes is exactly what the
parent accepts, and a malformed request says what is wrong with it."""

from __future__ import annotations

import signal

import pytest

from conformance._model.control import MAX_SIGNALS_PER_REQUEST, SignalRequest, log_line, sent_times


def test_a_request_round_trips_through_its_line() -> None:
    request = SignalRequest("SIGINT", delay_s=0.25, count=7, interval_s=0.01, to_group=True)
    line = request.to_line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert SignalRequest.from_line(line) == request


@pytest.mark.parametrize(("line", "problem"), [
    (b"not json\n", "not JSON"),
    (b"[1, 2]\n", "a JSON list, not an object"),
    (b'{"delay_s": 1}\n', "a request has 'signal'"),
    (b'{"signal": "SIGTERM", "then": 1}\n', "fields ['signal', 'then']"),
    (b'{"signal": "SIGNOPE"}\n', "unknown signal name 'SIGNOPE'"),
    (b'{"signal": "SIGTERM", "count": 0}\n', f"count is 0, must be 1..{MAX_SIGNALS_PER_REQUEST}"),
    (b'{"signal": "SIGTERM", "count": "x"}\n', "invalid literal"),
    (b'{"signal": "SIGTERM", "delay_s": -1}\n', "must not be negative"),
    (b'{"signal": "SIGINT", "to_group": "yes"}\n', "to_group is 'yes', not true or false"),
])
def test_a_malformed_request_is_refused_with_the_reason(line: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=None) as refused:
        SignalRequest.from_line(line)
    assert problem in str(refused.value)


def test_the_log_of_signals_sent_reads_back() -> None:
    text = log_line(signal.SIGTERM, 1.5) + log_line(signal.SIGUSR1, 2.25) + "\n"
    assert sent_times(text) == [1.5, 2.25]
