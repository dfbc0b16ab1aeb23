"""The sync style's heartbeat (conformance._runtimes._threads.run) hands on an exception raised in it.

Under gevent and eventlet the heartbeat is a greenlet of the main thread, and CPython runs a pending
signal handler in whichever greenlet is current, at a call or a backward jump: a SIGINT's
KeyboardInterrupt can be raised anywhere in the heartbeat's loop, its condition included. Whatever the
point, it must reach ``forward`` (the family's way to raise it in the body), never die with the heartbeat.
Here a real thread stands in for the greenlet, and an ``Event.is_set`` that raises stands in for the
signal handler running inside that call.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conformance._child.heartbeat import StallMeter
from conformance._runtimes import _threads

INTERVAL_S = 0.002


class _Ctx:
    def __init__(self) -> None:
        self.stall_meter = StallMeter(INTERVAL_S)

    @contextlib.contextmanager
    def whole_body_window(self) -> Iterator[None]:
        yield


class _InterruptedOnce(threading.Event):
    """``is_set`` raises KeyboardInterrupt on its 5th call, as a signal handler run there would."""

    calls = 0

    def is_set(self) -> bool:
        type(self).calls += 1
        if type(self).calls == 5:
            raise KeyboardInterrupt
        return super().is_set()


def test_a_keyboard_interrupt_raised_in_the_loop_condition_is_forwarded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "Event", _InterruptedOnce)
    _InterruptedOnce.calls = 0
    forwarded: list[BaseException] = []
    ctx = _Ctx()
    ticks_when_forwarded: list[int] = []

    def forward(exc: BaseException) -> None:
        forwarded.append(exc)
        ticks_when_forwarded.append(ctx.stall_meter.ticks)

    def body(_ctx: Any) -> None:
        deadline = time.monotonic() + 5.0
        while not (forwarded and ctx.stall_meter.ticks > ticks_when_forwarded[0] + 3):
            assert time.monotonic() < deadline, "the heartbeat died with the KeyboardInterrupt"
            time.sleep(INTERVAL_S)

    _threads.run(None, body, ctx, forward)  # type: ignore[arg-type]
    assert [type(e) for e in forwarded] == [KeyboardInterrupt]  # handed on once, and it beat on
