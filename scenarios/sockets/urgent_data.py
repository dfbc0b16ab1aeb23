"""TCP urgent (out-of-band) data: the readiness wait reports it as an exceptional condition.

Reference semantics: a program waits on its connected, non-blocking TCP socket with
``select.select([], [], [sock], 2.0)``; 200 ms later the peer sends one byte with ``MSG_OOB``. The wait
returns at once with the socket in its exceptional list (measured here: about 200 ms after the wait
began, the time the peer took to send), and ``sock.recv(1, socket.MSG_OOB)`` gives the byte. The socket
is not readable meanwhile: the urgent byte is not part of the ordinary stream. telnet's interrupt
(IAC IP with the TCP urgent pointer), FTP's ABOR and STAT (RFC 959) and asyncore's ``handle_expt``
rely on this: a server busy sending data notices the client's interrupt through the exceptional
condition, not by reading.

The one contract: urgent data that arrives while the program waits is reported by the style's
readiness wait as an exceptional condition before the wait's bound (2 s), and the byte is then read
with ``MSG_OOB``. Each style spells the wait its own way: ``select.select``'s third list (sync, patched
by gevent and eventlet); a loop method that watches a descriptor for exceptional conditions (asyncio),
a ``trio.lowlevel`` wait for one (trio), a reactor method that adds a descriptor for them (Twisted).
The event-loop styles are probed for such an API (asyncio's loop has ``add_reader`` / ``add_writer``,
``trio.lowlevel`` ``wait_readable`` / ``wait_writable``, Twisted's reactor ``addReader`` /
``addWriter``): where none exists, the cell is ``unsupported``, naming what was probed. The peer is a
blocking socket in a thread of the cell, the same in every style.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

from conformance import Context

TIMEOUT_S = 10.0
WAIT_S = 2.0  # bounds the wait for the exceptional condition, the accept and the peer's thread
DELAY_S = 0.2  # the peer sends its urgent byte this long after it starts: the program is waiting by then
URGENT = b"!"
# Words in the name of an API that waits for an exceptional condition (urgent, out-of-band or priority
# data, EPOLLPRI / POLLPRI / UV_PRIORITIZED), should a release of an event-loop style add one.
_WORDS = ("urgent", "oob", "prior", "except")


class Peer:
    """The other end of the connection: a blocking socket in a thread sends the urgent byte."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            time.sleep(DELAY_S)
            self.sock.send(URGENT, socket.MSG_OOB)
        except OSError as exc:
            self.error = exc

    def close(self) -> None:
        self.thread.join(WAIT_S)
        self.sock.close()
        if self.thread.is_alive():
            raise AssertionError("the peer's thread did not send its urgent byte in time")
        if self.error is not None:
            raise AssertionError(f"the peer could not send: {type(self.error).__name__}: {self.error}")


def _connection() -> tuple[socket.socket, Peer]:
    """The program's connected socket (non-blocking: the readiness wait is the only wait), and its peer."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(WAIT_S)
        peer = socket.create_connection(listener.getsockname(), timeout=WAIT_S)
        try:
            conn, _ = listener.accept()
        except BaseException:
            peer.close()
            raise
    conn.setblocking(False)
    return conn, Peer(peer)


def _exceptional_waits(names: Iterable[str], prefix: str) -> list[str]:
    """The public names starting with ``prefix`` that speak of urgent data or exceptional conditions."""
    return sorted(name for name in names
                  if name.lower().startswith(prefix) and any(word in name.lower() for word in _WORDS))


def _read_urgent(ctx: Context, sock: socket.socket, reported: bool, elapsed_s: float, wait: str) -> None:
    ctx.measure("reported_ms", elapsed_s * 1000.0)
    ctx.expect(reported, f"{wait} did not report the urgent data as an exceptional condition within "
                         f"{WAIT_S:.0f} s (it returned after {elapsed_s * 1000:.0f} ms)")
    ctx.expect_equal(sock.recv(1, socket.MSG_OOB), URGENT, "the byte read with MSG_OOB")


def run_sync(ctx: Context) -> None:
    sock, peer = _connection()
    with sock:
        try:
            started = time.perf_counter()
            peer.start()
            _, _, exceptional = select.select([], [], [sock], WAIT_S)
            elapsed = time.perf_counter() - started
        finally:
            peer.close()
        _read_urgent(ctx, sock, sock in exceptional, elapsed, "select.select's exceptional list")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    # asyncio's descriptor watching is add_reader / add_writer; a loop method that adds a descriptor
    # for exceptional conditions is probed for (with add_reader's signature and a remove_* twin).
    found = _exceptional_waits(dir(loop), "add_")
    if not found:
        watchers = [name for name in dir(loop) if name.startswith("add_")]
        raise NotImplementedError(
            f"the loop ({type(loop).__module__}.{type(loop).__name__}) has no method that waits for an "
            f"exceptional condition (urgent data) on a descriptor: probed its add_* methods for "
            f"{'/'.join(_WORDS)} and found only {watchers}")
    add = getattr(loop, found[0])
    remove = getattr(loop, "remove_" + found[0].removeprefix("add_"))
    sock, peer = _connection()
    with sock:
        reported: asyncio.Future[None] = loop.create_future()

        def exceptional() -> None:
            if not reported.done():
                reported.set_result(None)

        try:
            started = time.perf_counter()
            add(sock.fileno(), exceptional)
            try:
                peer.start()
                await asyncio.wait({reported}, timeout=WAIT_S)
            finally:
                remove(sock.fileno())
            elapsed = time.perf_counter() - started
        finally:
            peer.close()
        _read_urgent(ctx, sock, reported.done(), elapsed, f"loop.{found[0]}")


async def run_trio(ctx: Context) -> None:
    import trio

    # trio.lowlevel waits for a descriptor with wait_readable / wait_writable; a wait for an exceptional
    # condition is probed for (called as they are, with the socket).
    found = _exceptional_waits(dir(trio.lowlevel), "wait_")
    if not found:
        waits = [name for name in dir(trio.lowlevel) if name.startswith("wait_")]
        raise NotImplementedError(
            f"trio.lowlevel has no wait for an exceptional condition (urgent data) on a descriptor: "
            f"probed its wait_* functions for {'/'.join(_WORDS)} and found only {waits}")
    wait = getattr(trio.lowlevel, found[0])
    sock, peer = _connection()
    with sock:
        reported = False
        try:
            started = time.perf_counter()
            peer.start()
            with trio.move_on_after(WAIT_S):
                await wait(sock)
                reported = True
            elapsed = time.perf_counter() - started
        finally:
            peer.close()
        _read_urgent(ctx, sock, reported, elapsed, f"trio.lowlevel.{found[0]}")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer
    from twisted.internet import reactor as installed

    from conformance.support.net import within_twisted

    reactor: Any = installed  # IReactorFDSet's methods read wrong to mypy without mypy-zope
    # The reactor watches descriptors with addReader / addWriter (IReactorFDSet); a method that adds
    # one for exceptional conditions is probed for (taking a descriptor as addReader does, whose doRead
    # it calls, and with a remove* twin).
    found = _exceptional_waits(dir(reactor), "add")
    if not found:
        watchers = [name for name in dir(reactor) if name.startswith("add")]
        raise NotImplementedError(
            f"Twisted's reactor ({type(reactor).__name__}) has no method that waits for an exceptional "
            f"condition (urgent data) on a descriptor: probed its add* methods for {'/'.join(_WORDS)} "
            f"and found only {watchers}")
    add = getattr(reactor, found[0])
    remove = getattr(reactor, "remove" + found[0].removeprefix("add"))

    class Exceptional:
        """A descriptor whose doRead (or its loss) ends the wait."""

        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock
            self.done: defer.Deferred[bool] = defer.Deferred()

        def fileno(self) -> int:
            return self.sock.fileno()

        def doRead(self) -> None:
            if not self.done.called:
                self.done.callback(True)

        def connectionLost(self, reason: object) -> None:
            if not self.done.called:
                self.done.callback(False)

        def logPrefix(self) -> str:
            return "urgent_data"

    sock, peer = _connection()
    with sock:
        descriptor = Exceptional(sock)
        reported = False
        try:
            started = time.perf_counter()
            add(descriptor)
            try:
                peer.start()
                reported = await within_twisted(WAIT_S, descriptor.done)
            except defer.TimeoutError:
                pass
            finally:
                remove(descriptor)
            elapsed = time.perf_counter() - started
        finally:
            peer.close()
        _read_urgent(ctx, sock, reported, elapsed, f"reactor.{found[0]}")
