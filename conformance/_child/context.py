"""What a scenario body receives: its peers, a private folder, the stall window, and measurements."""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance._child.heartbeat import StallMeter
from conformance._model.bench import BenchSettings
from conformance._model.outcomes import NotApplicable, ScenarioFailure, Skipped, Unavailable

if TYPE_CHECKING:
    from conformance._child.leaks import Resources

PAYLOAD_BLOCK = 64 * 1024 * 1024


class Context:
    """Handed to every scenario body as ``ctx``.

    ``peers`` maps each peer service the scenario declared in ``PEERS`` to its address (an object with
    ``host``/``port``, or ``path``, and for TLS peers ``ca_pem``). ``servers`` maps each database server
    the scenario declared in ``SERVERS`` to its address (``host``, ``port``, ``user``, ``database``,
    ``version``): servers are shared by every cell of the run, so a body tells its own work on them
    apart by a tag of its own (:attr:`tag`). ``tmpdir`` is a folder of this cell alone, removed by the
    parent afterwards.
    """

    def __init__(self, *, peers: Mapping[str, Mapping[str, Any]], tmpdir: Path,
                 stall_meter: StallMeter, control_fd: int | None = None,
                 signal_log: Path | None = None, bench: BenchSettings | None = None,
                 servers: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.peers = {name: Address(info) for name, info in peers.items()}
        self.servers = {name: Address(info) for name, info in (servers or {}).items()}
        # Unique to this cell among the cells that share a server: its process id and folder name.
        self.tag = f"cf{os.getpid()}{''.join(c for c in tmpdir.parent.name if c.isalnum())}".lower()[:40]
        self.tmpdir = tmpdir
        self.stall_meter = stall_meter
        self._control_fd = control_fd
        self._signal_log = signal_log
        self.measurements: dict[str, float] = {}
        # Words for a reader of the cell's details (what a runner saw around the body), never a verdict.
        self.notes: dict[str, str] = {}
        # Bench cells (``conformance bench``): how big and how long the work is (``--quick`` or not).
        self.bench = bench or BenchSettings()

    # -- measurements ---------------------------------------------------------------------------
    def measure(self, name: str, value: float) -> None:
        """Record a figure of this cell; the unit goes in the name (``connect_ms``, ``mib_per_s``)."""
        self.measurements[name] = round(float(value), 6)

    @contextlib.contextmanager
    def measured(self) -> Iterator[None]:
        """Count scheduler stalls only inside this block (default: the whole body).

        Use it to leave out set-up that is not what the scenario is about, such as writing a file.
        """
        self.stall_meter.open("measured")
        try:
            yield
        finally:
            self.stall_meter.close("measured")

    @contextlib.contextmanager
    def whole_body_window(self) -> Iterator[None]:
        """Used by the runtime runners around the body."""
        self.stall_meter.open("body")
        try:
            yield
        finally:
            self.stall_meter.close("body")

    # -- outcomes a body may reach on purpose ---------------------------------------------------
    def not_applicable(self, reason: str) -> NotApplicable:
        """Raise the returned exception: the platform lacks this for every runtime."""
        return NotApplicable(reason)

    def skip(self, reason: str) -> Skipped:
        """Raise the returned exception: the harness could not arrange a precondition."""
        return Skipped(reason)

    def unavailable(self, reason: str) -> Unavailable:
        """Raise the returned exception: a library the body needs is not installed here (say what
        installs it)."""
        return Unavailable(reason)

    @staticmethod
    def expect(condition: object, message: str) -> None:
        """Fail the cell with ``message`` unless ``condition`` holds."""
        if not condition:
            raise ScenarioFailure(message)

    @staticmethod
    def expect_equal(actual: object, expected: object, what: str) -> None:
        if actual != expected:
            raise ScenarioFailure(f"{what}: expected {_short(expected)}, got {_short(actual)}")

    @staticmethod
    @contextlib.contextmanager
    def expect_raises(*types: type[BaseException]) -> Iterator[list[BaseException]]:
        """The block must raise one of ``types`` (what blocking stdlib code raises); anything else,
        or nothing, fails the cell. The exception caught is appended to the yielded list."""
        caught: list[BaseException] = []
        names = " or ".join(t.__name__ for t in types)
        try:
            yield caught
        except types as exc:
            caught.append(exc)
            return
        except (NotApplicable, Skipped, NotImplementedError):
            raise
        except Exception as exc:
            raise ScenarioFailure(
                f"expected {names}, got {type(exc).__module__}.{type(exc).__qualname__}: {exc}"
            ) from exc
        raise ScenarioFailure(f"expected {names}, but nothing was raised")

    # -- signals from outside ---------------------------------------------------------------------
    def send_signal(self, name: str, *, delay_s: float = 0.1, count: int = 1,
                    interval_s: float = 0.0) -> None:
        """Ask the parent to send signal ``name`` to this process ``delay_s`` from now (``count``
        times, ``interval_s`` apart), as a terminal or a supervisor would. Returns at once."""
        from conformance._child.signals import request_signal

        request_signal(self._control_fd, name, delay_s, count, interval_s)

    def signals_sent(self) -> list[float]:
        """When the parent sent each signal so far, on ``time.monotonic()``'s clock (shared by
        the processes of one machine)."""
        from conformance._child.signals import read_signal_log

        return read_signal_log(self._signal_log) if self._signal_log else []

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def payload(size: int, seed: int = 0) -> bytes:
        """``size`` deterministic pseudo-random bytes (incompressible, so no layer can cheat).

        About 10 ms per MiB: make large payloads before the measured window.
        """
        rng = random.Random(seed)
        if size <= PAYLOAD_BLOCK:
            return rng.randbytes(size)
        # randbytes(n) needs n * 8 bits in a C int: past 256 MiB it overflows, so build in blocks.
        return b"".join(rng.randbytes(min(PAYLOAD_BLOCK, size - start))
                        for start in range(0, size, PAYLOAD_BLOCK))

    # -- what an operation leaves behind ------------------------------------------------------
    @staticmethod
    def resources() -> Resources:
        """Descriptors, OS threads and child processes held now, for :meth:`check_leaks`."""
        from conformance._child.leaks import count

        return count()

    async def check_leaks(self, before: Resources, what: str,
                          sleep: Callable[[float], Awaitable[object]]) -> None:
        """Fail the cell if ``what`` left descriptors, OS threads or child processes behind.

        ``sleep`` is the style's own (``asyncio.sleep``, ``trio.sleep``, ``lambda s:
        task.deferLater(reactor, s)``): the runtime gets a bounded time to release what it releases on
        a later turn of its loop, and its scheduler runs meanwhile.
        """
        from conformance._child.leaks import settle

        now, leaked = await settle(before, sleep)
        self._judge_leaks(now, leaked, what)

    def check_leaks_sync(self, before: Resources, what: str,
                         sleep: Callable[[float], object] = time.sleep) -> None:
        """:meth:`check_leaks` for sync bodies (``time.sleep`` is patched under gevent and eventlet)."""
        from conformance._child.leaks import settle_sync

        now, leaked = settle_sync(before, sleep)
        self._judge_leaks(now, leaked, what)

    def _judge_leaks(self, now: Resources, leaked: dict[str, int], what: str) -> None:
        from conformance._child.leaks import SETTLE_S, describe, omitted

        for kind, number in leaked.items():
            self.measure(f"leaked_{kind}", number)
        if omitted(now):
            self.notes["leak_check_omits"] = f"{', '.join(omitted(now))}: not countable on {sys.platform}"
        if any(leaked.values()):
            raise ScenarioFailure(f"{what} left {describe(leaked)} behind ({SETTLE_S:g} s after it ended)")

    @staticmethod
    def open_fd_count() -> int:
        """How many file descriptors this process has open (Linux and macOS).

        Where the suite cannot count them (Windows has handles, but no /proc/self/fd or /dev/fd), the
        cell is ``skipped``: the platform has what the scenario is about, the harness lacks the count.
        """
        for folder in ("/proc/self/fd", "/dev/fd"):
            if os.path.isdir(folder):
                return len(os.listdir(folder)) - 1  # listdir's own descriptor
        raise Skipped(f"the suite cannot count this process's open descriptors on {sys.platform} "
                      "(no /proc/self/fd or /dev/fd)")


class Address:
    """A peer's address: ``host`` and ``port`` (``.tuple``), or ``path``, plus extra fields."""

    def __init__(self, info: Mapping[str, Any]) -> None:
        self._info = dict(info)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._info[name]
        except KeyError:
            raise AttributeError(f"peer address has no {name!r}; it has {sorted(self._info)}") from None

    @property
    def tuple(self) -> tuple[str, int]:
        return (self._info["host"], self._info["port"])

    def __repr__(self) -> str:
        return f"Address({self._info!r})"


def _short(value: object, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"
