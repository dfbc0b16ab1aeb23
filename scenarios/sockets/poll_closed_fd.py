"""A readiness wait on a closed descriptor says so at once.

Reference semantics: a program registers a descriptor with ``select.poll()``, the descriptor is closed
(by another part of the program, a library, a peer's handler), and the program polls with a 2 s
timeout: ``poll`` returns at once with ``POLLNVAL`` for that descriptor (measured here: within
microseconds), and the process goes on. A program relies on this to find a descriptor that went away
and drop it, instead of sleeping out its timeout on it, or losing the process (libev built with
``EV_VERIFY`` aborts on an invalid descriptor).

The one contract: a readiness wait begun on a descriptor that is closed ends within 1 s (every wait
is bounded at 2 s) and says the descriptor is invalid, and the process survives. Each style spells the
wait and the answer its own way: ``select.poll`` and ``POLLNVAL`` in its result (sync, patched by gevent
and eventlet); ``loop.add_reader`` (asyncio), ``trio.lowlevel.wait_readable`` (trio) and
``reactor.addReader`` (Twisted) raising ``OSError`` with ``errno.EBADF``. Where the style lacks the
wait (``select.poll``), the cell is ``unsupported``, naming it. The descriptor is a number no other
descriptor of the process takes meanwhile (a high one, closed).
"""

from __future__ import annotations

import errno
import os
import select
import sys
import time
from typing import Any

from conformance import Context

NOT_APPLICABLE = {"win32": "Windows has no select.poll, and its event loops no add_reader for a pipe"}
TIMEOUT_S = 10.0
WAIT_S = 2.0  # bounds every wait: a runtime that misses the closed descriptor sleeps it out
PROMPT_S = 1.0  # a wait that said so later than this did not say so at once
HIGH_FD = 900  # above what the child holds: the closed number is not reused while the cell runs


def _closed_descriptor() -> int:
    """A descriptor number that was open (a pipe's read end) and is now closed."""
    read_end, write_end = os.pipe()
    try:
        fd = HIGH_FD
        while True:
            try:
                os.fstat(fd)
            except OSError:
                break
            fd += 1  # taken: the next one
        os.dup2(read_end, fd)
        os.close(fd)
    finally:
        os.close(read_end)
        os.close(write_end)
    return fd


def _check_prompt(ctx: Context, elapsed_s: float) -> None:
    ctx.measure("answered_ms", elapsed_s * 1000.0)
    ctx.expect(elapsed_s < PROMPT_S,
               f"the wait on the closed descriptor ended after {elapsed_s * 1000:.0f} ms, not at once")


def _check_ebadf(ctx: Context, raised: BaseException | None, elapsed_s: float, api: str) -> None:
    ctx.expect(raised is not None,
               f"{api} on a closed descriptor neither raised nor reported it within {WAIT_S:.0f} s")
    ctx.expect(isinstance(raised, OSError) and raised.errno == errno.EBADF,
               f"{api} on a closed descriptor raised {type(raised).__name__}: {raised}, not OSError EBADF")
    _check_prompt(ctx, elapsed_s)


def run_sync(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on Windows (NOT_APPLICABLE)")
    # gevent patches select.poll; eventlet's patched select module may leave it out: probed.
    poll = getattr(select, "poll", None)
    if poll is None:
        raise NotImplementedError("select.poll is missing from the (patched) select module")
    fd = _closed_descriptor()
    poller = poll()
    poller.register(fd, select.POLLIN)
    started = time.perf_counter()
    events = poller.poll(WAIT_S * 1000)
    elapsed = time.perf_counter() - started
    ctx.notes["events"] = repr(events)
    ctx.expect(any(got == fd and mask & select.POLLNVAL for got, mask in events),
               f"poll on a closed descriptor returned {events!r} after {elapsed * 1000:.0f} ms, not POLLNVAL "
               "for it")
    _check_prompt(ctx, elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    fd = _closed_descriptor()
    readable: asyncio.Future[None] = loop.create_future()

    def ready() -> None:
        if not readable.done():
            readable.set_result(None)

    raised: BaseException | None = None
    started = time.perf_counter()
    try:
        loop.add_reader(fd, ready)
        try:
            await asyncio.wait({readable}, timeout=WAIT_S)
        finally:
            loop.remove_reader(fd)
    except OSError as exc:
        raised = exc
    elapsed = time.perf_counter() - started
    if readable.done():
        raised = AssertionError("the reader was called back, as if the descriptor were readable")
    _check_ebadf(ctx, raised, elapsed, "loop.add_reader")


async def run_trio(ctx: Context) -> None:
    import trio

    fd = _closed_descriptor()
    raised: BaseException | None = None
    started = time.perf_counter()
    with trio.move_on_after(WAIT_S):
        try:
            await trio.lowlevel.wait_readable(fd)
            raised = AssertionError("wait_readable returned, as if the descriptor were readable")
        except OSError as exc:
            raised = exc
    elapsed = time.perf_counter() - started
    _check_ebadf(ctx, raised, elapsed, "trio.lowlevel.wait_readable")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer
    from twisted.internet import reactor as installed

    from conformance.support.net import within_twisted

    class Reader:
        """An IReadDescriptor for the descriptor: its read or its loss ends the wait."""

        def __init__(self, fd: int) -> None:
            self.fd = fd
            self.done: defer.Deferred[str] = defer.Deferred()

        def fileno(self) -> int:
            return self.fd

        def doRead(self) -> None:
            if not self.done.called:
                self.done.callback("doRead: readable")

        def connectionLost(self, reason: object) -> None:
            if not self.done.called:
                self.done.callback(f"connectionLost: {reason}")

        def logPrefix(self) -> str:
            return "poll_closed_fd"

    reactor: Any = installed  # IReactorFDSet's methods read wrong to mypy without mypy-zope
    reader = Reader(_closed_descriptor())
    raised: BaseException | None = None
    started = time.perf_counter()
    try:
        reactor.addReader(reader)
        try:
            got = await within_twisted(WAIT_S, reader.done)
            raised = AssertionError(f"the reader's {got}, not an error")
        except defer.TimeoutError:
            pass
        finally:
            reactor.removeReader(reader)
    except OSError as exc:
        raised = exc
    elapsed = time.perf_counter() - started
    _check_ebadf(ctx, raised, elapsed, "reactor.addReader")
