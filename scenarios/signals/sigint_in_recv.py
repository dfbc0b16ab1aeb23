"""SIGINT (Ctrl-C) while blocked in a socket receive interrupts the receive.

Reference semantics (POSIX): the program is connected to a peer that never sends (``silent``) and is
blocked in ``sock.recv`` (with a 3 s timeout as the bound); the parent sends SIGINT as a terminal's
Ctrl-C would. Python's default handler raises ``KeyboardInterrupt`` in the main thread, and PEP 475
does not retry a system call whose signal handler raised, so ``recv`` raises ``KeyboardInterrupt``
at once: no data, no timeout, and the socket can still be closed cleanly. Each style's documented form
of the interruption (see ``signals.sigint_idle``):

- sync (threads, gevent, eventlet): ``KeyboardInterrupt`` out of ``sock.recv``;
- asyncio (every loop, started as its users start it): ``asyncio.CancelledError`` out of ``await
  reader.read()``, as the runner cancels the main task (3.11+: its SIGINT handler; before 3.11,
  ``asyncio.run()`` after ``KeyboardInterrupt`` left the loop's ``select()``:
  https://github.com/python/cpython/issues/83803); ``asyncio.run()`` raises ``KeyboardInterrupt``
  only afterwards, outside the body, so the body stops the cancellation at its top;
- trio: ``KeyboardInterrupt`` out of ``await stream.receive_some()``.

``latency_ms`` is the time from the parent's ``kill()`` to the program's code getting control back. A
network client or server spends most of its life blocked in a receive: if Ctrl-C cannot get it out of
there, the program cannot be stopped from the terminal. If this process inherited SIGINT ignored, the
cell is skipped.
"""

from __future__ import annotations

import signal
import socket
import time

from conformance import Context, sibling_module

_tw = sibling_module(__file__, "_twisted_signals")

PEERS = ("silent",)
NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no kill() of SIGINT (its Ctrl-C is a console event)"}
TIMEOUT_S = 15.0
DELAY_S = 0.3  # the body is blocked in the receive by then
WAIT_S = 3.0   # the receive's own timeout: a lost signal fails after it


def _precondition(ctx: Context) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        raise ctx.skip("SIGINT is ignored in this process (inherited SIG_IGN), so Ctrl-C cannot be observed")


def _check(ctx: Context, sent: list[float], received: object, interrupted_at: float | None,
           what: str) -> None:
    ctx.expect(interrupted_at is not None,
               f"the receive from a silent peer was not interrupted by SIGINT ({what} never reached it); "
               f"it ended with {received!r}")
    assert interrupted_at is not None
    ctx.expect_equal(len(sent), 1, "SIGINTs the parent logged")
    ctx.expect(interrupted_at >= sent[0],
               f"interrupted before the signal was sent: {interrupted_at} < {sent[0]}")
    ctx.measure("latency_ms", (interrupted_at - sent[0]) * 1000)


def run_sync(ctx: Context) -> None:
    _precondition(ctx)
    received: object = None
    interrupted_at = None
    with socket.create_connection(ctx.peers["silent"].tuple, timeout=WAIT_S) as sock:
        ctx.send_signal("SIGINT", delay_s=DELAY_S)
        try:
            received = sock.recv(1024)
        except KeyboardInterrupt:
            interrupted_at = time.monotonic()
        except TimeoutError as exc:
            received = exc
    deadline = time.monotonic() + WAIT_S  # the parent logs the send just after kill()
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        time.sleep(0.01)
    _check(ctx, sent, received, interrupted_at, "KeyboardInterrupt")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    _precondition(ctx)
    received: object = None
    interrupted_at = None
    reader, writer = await asyncio.wait_for(asyncio.open_connection(*ctx.peers["silent"].tuple), WAIT_S)
    try:
        ctx.send_signal("SIGINT", delay_s=DELAY_S)
        try:
            received = await asyncio.wait_for(reader.read(1024), WAIT_S)
        except asyncio.CancelledError:
            # The runner cancelled the main task: asyncio's form of Ctrl-C (stopped at the top).
            interrupted_at = time.monotonic()
        except asyncio.TimeoutError as exc:
            received = exc
    finally:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), WAIT_S)
    deadline = time.monotonic() + WAIT_S
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    _check(ctx, sent, received, interrupted_at, "the cancellation of the main task")


async def run_trio(ctx: Context) -> None:
    import trio

    _precondition(ctx)
    received: object = None
    interrupted_at = None
    with trio.fail_after(WAIT_S):
        stream = await trio.open_tcp_stream(*ctx.peers["silent"].tuple)
    async with stream:
        ctx.send_signal("SIGINT", delay_s=DELAY_S)
        try:
            with trio.fail_after(WAIT_S):
                received = await stream.receive_some(1024)
        except KeyboardInterrupt:
            interrupted_at = time.monotonic()
        except trio.TooSlowError as exc:
            received = exc
    deadline = time.monotonic() + WAIT_S
    while not (sent := ctx.signals_sent()) and time.monotonic() < deadline:
        await trio.sleep(0.01)
    _check(ctx, sent, received, interrupted_at, "KeyboardInterrupt")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, endpoints, protocol, reactor

    class Receiver(protocol.Protocol):
        def __init__(self) -> None:
            self.received: defer.Deferred[bytes] = defer.Deferred()  # the first bytes, or b"" at EOF
            self.closed: defer.Deferred[None] = defer.Deferred()

        def dataReceived(self, data: bytes) -> None:
            if not self.received.called:
                self.received.callback(data)

        # the default only matches Protocol.connectionLost's signature: Twisted always passes the reason
        def connectionLost(self, reason: object = None) -> None:
            if not self.received.called:
                self.received.callback(b"")
            self.closed.callback(None)

    _precondition(ctx)
    received: object = None
    interrupted_at = None
    winner, stopped_at = 0, 0.0
    # reactor.run() installed Twisted's SIGINT handler (reactor.sigInt), which stops the reactor. The
    # documented place where a Twisted program gets control then is a "before" "shutdown" trigger.
    watch = _tw.ShutdownWatch()
    try:
        endpoint = endpoints.TCP4ClientEndpoint(reactor, *ctx.peers["silent"].tuple, timeout=WAIT_S)
        receiver = await endpoints.connectProtocol(endpoint, Receiver()).addTimeout(WAIT_S, reactor)
        try:
            ctx.send_signal("SIGINT", delay_s=DELAY_S)
            try:
                # The receive, or the reactor's shutdown if that comes first.
                winner, result = await defer.race([receiver.received, watch.stopping]).addTimeout(
                    WAIT_S, reactor)
                if winner == 0:
                    received = result
                else:
                    stopped_at = result
            except KeyboardInterrupt:  # the reference's form of Ctrl-C, if it ever reached the await
                interrupted_at = time.monotonic()
            except defer.TimeoutError as exc:
                received = exc
        finally:
            receiver.transport.loseConnection()
            await receiver.closed.addTimeout(WAIT_S, reactor)
        sent = await _tw.signals_sent(ctx, WAIT_S)
        # the reactor began to stop instead of raising in the awaiting coroutine
        ctx.expect(interrupted_at is not None or winner != 1,
                   _tw.stopped_instead("awaited receive from a silent peer", stopped_at, sent))
        _check(ctx, sent, received, interrupted_at, "KeyboardInterrupt")
    finally:
        watch.close()
