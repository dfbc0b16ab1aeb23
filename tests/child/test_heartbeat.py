"""The stall meter's arithmetic (conformance._child.heartbeat), on a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance._child.heartbeat import StallMeter

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
