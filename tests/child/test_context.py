"""The scenario-facing API (conformance._child.context.Context): what a body may call, and what each
call does to the cell. Run in this process, without a child: the Context is plain code."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from conformance._child.context import Address, Context
from conformance._child.heartbeat import StallMeter
from conformance._model.bench import BenchSettings
from conformance._model.control import SignalRequest
from conformance._model.outcomes import NotApplicable, ScenarioFailure, Skipped


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _context(tmp_path: Path, clock: FakeClock | None = None, **kwargs: object) -> Context:
    peers = {"tcp_echo": {"host": "127.0.0.1", "port": 4242}, "unix_echo": {"path": "/tmp/x.sock"}}
    meter = StallMeter(0.005, clock=clock or FakeClock())
    return Context(peers=peers, tmpdir=tmp_path, stall_meter=meter, **kwargs)  # type: ignore[arg-type]


def test_peers_are_addresses_with_their_fields(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    assert ctx.peers["tcp_echo"].tuple == ("127.0.0.1", 4242)
    assert ctx.peers["unix_echo"].path == "/tmp/x.sock"
    with pytest.raises(AttributeError, match=r"peer address has no 'port'; it has \['path'\]"):
        _ = ctx.peers["unix_echo"].port
    assert repr(Address({"host": "::1"})) == "Address({'host': '::1'})"


def test_measure_rounds_and_keeps_the_last_value(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    ctx.measure("connect_ms", 1.23456789)
    ctx.measure("connect_ms", 2)
    assert ctx.measurements == {"connect_ms": 2.0}
    ctx.measure("elapsed_ms", 1 / 3)
    assert ctx.measurements["elapsed_ms"] == 0.333333


def test_expect_and_expect_equal_fail_the_cell_with_the_message(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    ctx.expect(True, "never raised")
    ctx.expect_equal(b"ab", b"ab", "echo")
    with pytest.raises(ScenarioFailure, match=r"^the answer$"):
        ctx.expect(0, "the answer")
    with pytest.raises(ScenarioFailure, match=r"^echo: expected b'ab', got b'a'$"):
        ctx.expect_equal(b"a", b"ab", "echo")
    with pytest.raises(ScenarioFailure, match=r"\.\.\. \(1003 chars\)$"):  # long values are cut
        ctx.expect_equal(b"x" * 1000, b"", "big")


def test_expect_raises_accepts_only_the_named_exceptions(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    with ctx.expect_raises(ConnectionRefusedError, TimeoutError) as caught:
        raise ConnectionRefusedError(111, "refused")
    assert isinstance(caught[0], ConnectionRefusedError)
    with pytest.raises(ScenarioFailure, match=r"expected KeyError, got builtins\.ValueError: v"), \
            ctx.expect_raises(KeyError):
        raise ValueError("v")
    with pytest.raises(ScenarioFailure, match="expected KeyError, but nothing was raised"), \
            ctx.expect_raises(KeyError):
        pass
    # The outcomes a body reaches on purpose pass through: they are not the operation's exception.
    for passes_through in (NotApplicable("n"), Skipped("s"), NotImplementedError("u")):
        with pytest.raises(type(passes_through)), ctx.expect_raises(KeyError):
            raise passes_through


def test_not_applicable_and_skip_return_what_the_body_raises(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    assert isinstance(ctx.not_applicable("no AF_UNIX"), NotApplicable)
    assert str(ctx.skip("no resolver")) == "no resolver"


def test_measured_counts_stalls_inside_the_block_only(tmp_path: Path) -> None:
    clock = FakeClock()
    ctx = _context(tmp_path, clock)
    meter = ctx.stall_meter
    with ctx.whole_body_window():
        meter.tick()
        clock.now += 0.150  # a stall outside the measured block
        meter.tick()
        with ctx.measured():
            meter.tick()
            clock.now += 0.050
            meter.tick()
    # The measured window is preferred over the body's: its stall, not the 150 ms one before it.
    assert meter.max_stall_ms() == pytest.approx(45.0)


def test_payload_is_deterministic_and_sized(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    assert ctx.payload(1000) == ctx.payload(1000) != ctx.payload(1000, seed=1)
    assert len(ctx.payload(0)) == 0 and len(ctx.payload(3 * 1024 * 1024 + 5)) == 3 * 1024 * 1024 + 5


def test_send_signal_writes_a_request_the_parent_accepts(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    try:
        ctx = _context(tmp_path, control_fd=write_fd, signal_log=tmp_path / "signals.jsonl")
        ctx.send_signal("SIGUSR1", delay_s=0.2, count=3, interval_s=0.05)
        line = os.read(read_fd, 4096)
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert SignalRequest.from_line(line) == SignalRequest("SIGUSR1", 0.2, 3, 0.05)
    assert ctx.signals_sent() == []  # the parent has logged nothing yet
    (tmp_path / "signals.jsonl").write_text('{"signal": "SIGUSR1", "monotonic": 12.5}\n')
    assert ctx.signals_sent() == [12.5]


def test_send_signal_without_a_control_pipe_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(Skipped, match="cannot deliver signals from outside on this platform"):
        _context(tmp_path).send_signal("SIGTERM")


def test_a_bad_signal_request_fails_in_the_body_before_it_is_sent(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    try:
        ctx = _context(tmp_path, control_fd=write_fd)
        with pytest.raises(ValueError, match="unknown signal name 'SIGNOPE'"):
            ctx.send_signal("SIGNOPE")
        with pytest.raises(ValueError, match=r"count is 0, must be 1\.\.1000"):
            ctx.send_signal("SIGTERM", count=0)
        os.set_blocking(read_fd, False)
        with pytest.raises(BlockingIOError):
            os.read(read_fd, 1)  # nothing was written
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_check_leaks_sync_fails_for_a_descriptor_left_open(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    before = ctx.resources()
    ctx.check_leaks_sync(before, "nothing")
    leaked = socket.socket()
    try:
        with pytest.raises(ScenarioFailure, match="the socket left 1 descriptor behind"):
            ctx.check_leaks_sync(before, "the socket", sleep=lambda s: None)
        assert ctx.measurements["leaked_fds"] == 1
    finally:
        leaked.close()


def test_open_fd_count_sees_a_new_descriptor(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    before = ctx.open_fd_count()
    with open(tmp_path / "f", "w"):
        assert ctx.open_fd_count() == before + 1


def test_bench_settings_default_to_a_full_run(tmp_path: Path) -> None:
    assert _context(tmp_path).bench == BenchSettings()
    quick = _context(tmp_path, bench=BenchSettings(quick=True))
    assert quick.bench.scale(100, 1) == 1


def test_signal_names_follow_the_signal_module() -> None:
    assert SignalRequest("SIGTERM").signum is signal.SIGTERM
