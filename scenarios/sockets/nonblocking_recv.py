"""A receive on a non-blocking socket with nothing pending fails at once.

Reference semantics: a program that runs its own readiness loop (``selectors``, a C library's
callbacks, asyncio's ``add_reader``) makes its connection non-blocking, either with ``SOCK_NONBLOCK`` in
the socket's type (Linux, FreeBSD) or with ``setblocking(False)``, connects, sends a line to an echo
peer, waits until the socket is readable, and drains it: it receives until ``recv`` raises
``BlockingIOError`` (EAGAIN), which tells it that nothing more is pending and it may go back to its
loop. Measured here with the blocking standard library: both sockets report ``gettimeout() == 0.0``,
the first ``recv`` returns the echoed line and the next raises ``BlockingIOError`` in a few
microseconds. Code that relies on it has no other way out of its drain loop: a ``recv`` that waits for
data instead hangs the program's loop (CPython's ``testInitNonBlocking`` hangs under gevent, whose
patched_tests_setup.py disables it: "We don't handle the Linux-only SOCK_NONBLOCK option").

The one contract: the program's connection, made non-blocking in each way the platform has (the
``SOCK_NONBLOCK`` way only where ``socket.SOCK_NONBLOCK`` exists), reports a timeout of ``0.0``, and
once its readiness mechanism has reported it readable, draining it gets the echoed line (or a first
part of it) and then ``BlockingIOError`` at once. A receive still waiting after 1 s is cut off (a
watchdog shuts the socket down) and fails the cell as "waited". Each style spells the connection and
the readiness mechanism its own way:

- sync: the program's standard socket, connected with ``connect_ex`` and waited on with a
  ``selectors`` selector;
- asyncio: the program's own standard socket, connected with ``loop.sock_connect`` and drained inside
  an ``add_reader`` callback, exactly as such code calls it. asyncio, uvloop and rloop do not wrap or
  patch the program's socket, so their cells check only that the loop leaves a socket it is handed as
  the standard library made it (a runtime whose set-up patches the ``socket`` module under the loop, as
  a green runtime's asyncio hub does, fails them);
- trio: a trio socket, probed for the standard interface's non-blocking mode (``gettimeout`` and
  ``setblocking``); trio's sockets have neither (every receive waits for data): ``unsupported``;
- Twisted: a TCP endpoint's transport (the reactor always makes its sockets non-blocking), probed for a
  receive the program calls; transports push data to ``Protocol.dataReceived`` and have none:
  ``unsupported``.

``sock_nonblock_drain_ms`` and ``setblocking_drain_ms`` are how long the receive that ended each drain
took (microseconds when it raises, 1 s when it was cut off).
"""

from __future__ import annotations

import errno
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from conformance import Context

PEERS = ("tcp_echo",)
TIMEOUT_S = 15.0
CONNECT_S = 5.0  # bounds the connect, the send and the wait for the echo
BOUND_S = 1.0  # a receive still waiting after this is cut off: the failing one takes microseconds
POLL_S = 0.01  # Twisted: how often the program looks for the echo while the reactor runs
LINE = b"ping\n"
SOCK_NONBLOCK_WAY = "SOCK_NONBLOCK"
SETBLOCKING_WAY = "setblocking(False)"
# connect_ex on a non-blocking socket: connected, or under way (Windows says WSAEWOULDBLOCK).
CONNECTING = {0, errno.EINPROGRESS, errno.EWOULDBLOCK, getattr(errno, "WSAEWOULDBLOCK", errno.EWOULDBLOCK)}
FIGURES = {SOCK_NONBLOCK_WAY: "sock_nonblock_drain_ms", SETBLOCKING_WAY: "setblocking_drain_ms"}


def _ways() -> list[str]:
    """The ways the platform has to make a socket non-blocking."""
    return ([SOCK_NONBLOCK_WAY] if hasattr(socket, "SOCK_NONBLOCK") else []) + [SETBLOCKING_WAY]


def _made_nonblocking(way: str) -> socket.socket:
    """The program's TCP socket, made non-blocking the way named, not yet connected. (Its waits are
    bounded by the program's own readiness loop and by the drain's watchdog: a runtime that takes it for
    a blocking socket is cut off after BOUND_S.)"""
    if way == SOCK_NONBLOCK_WAY:
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM | getattr(socket, "SOCK_NONBLOCK", 0))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    return sock


@dataclass
class Drained:
    """What a drain of a readable socket got, and how its last receive ended."""

    received: bytes = b""
    ended: str = ""  # "BlockingIOError", or what else ended the last receive
    last_s: float = 0.0  # how long the last receive took
    waited: bool = False  # the watchdog cut the last receive off


def _drain(recv: Callable[[int], bytes], release: Callable[[], None]) -> Drained:
    """Receive until nothing more is pending, as a readiness callback does; a watchdog calls ``release``
    (a shutdown) if a receive is still waiting after BOUND_S."""
    drained = Drained()

    def cut_off() -> None:
        drained.waited = True
        try:
            release()
        except OSError:
            pass

    watchdog = threading.Timer(BOUND_S, cut_off)
    watchdog.start()
    try:
        while len(drained.received) <= len(LINE):
            started = time.perf_counter()
            try:
                chunk = recv(1024)
            except BlockingIOError:
                drained.ended = "BlockingIOError"
            except OSError as exc:
                drained.ended = f"{type(exc).__name__}: {exc}"
            else:
                drained.ended = "" if chunk else "the end of the stream"
                drained.received += chunk
            drained.last_s = time.perf_counter() - started
            if drained.ended:
                break
        else:
            drained.ended = f"more data than the echo of {LINE!r}"
    finally:
        watchdog.cancel()
        watchdog.join(CONNECT_S)
    return drained


def _check(ctx: Context, seen: dict[str, tuple[float | None, Drained]]) -> None:
    """Every way's figures and notes first, then one verdict naming each way that broke the contract."""
    problems = []
    for way, (timeout, drained) in seen.items():
        ctx.measure(FIGURES.get(way, "drain_ms"), drained.last_s * 1000.0)
        ctx.notes[way] = (f"gettimeout() {timeout!r}; received {drained.received!r}; the last receive: "
                          f"{'cut off after ' if drained.waited else ''}{drained.ended} "
                          f"in {drained.last_s * 1000.0:.3f} ms")
        broken = []
        if timeout != 0.0:
            broken.append(f"it reports gettimeout() {timeout!r}, not 0.0")
        if drained.waited:
            broken.append(f"after {drained.received!r} a receive with nothing pending waited "
                          f"{BOUND_S:.0f} s for data instead of raising BlockingIOError (a shutdown cut "
                          f"it off: {drained.ended})")
        elif drained.ended != "BlockingIOError":
            broken.append(f"after {drained.received!r} the drain ended with {drained.ended}, not "
                          "BlockingIOError")
        if not drained.received or not LINE.startswith(drained.received):
            broken.append(f"the drain got {drained.received!r}, not the echo of {LINE!r}")
        if broken:
            problems.append(f"made non-blocking with {way}: " + "; ".join(broken))
    ctx.expect(not problems, "a connection " + " | ".join(problems))


def _shutdown(sock: socket.socket) -> Callable[[], None]:
    return lambda: sock.shutdown(socket.SHUT_RDWR)


def run_sync(ctx: Context) -> None:
    peer = ctx.peers["tcp_echo"].tuple
    seen: dict[str, tuple[float | None, Drained]] = {}
    for way in _ways():
        with _made_nonblocking(way) as sock, selectors.DefaultSelector() as selector:
            code = sock.connect_ex(peer)
            if code not in CONNECTING:
                raise OSError(code, f"connect_ex to the echo peer: {errno.errorcode.get(code)}")
            selector.register(sock, selectors.EVENT_WRITE)
            ctx.expect(bool(selector.select(CONNECT_S)), f"not connected after {CONNECT_S:.0f} s")
            ctx.expect_equal(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 0, "the connect's error")
            sock.send(LINE)
            selector.modify(sock, selectors.EVENT_READ)
            ctx.expect(bool(selector.select(CONNECT_S)), f"no echo after {CONNECT_S:.0f} s")
            timeout = sock.gettimeout()
            seen[way] = timeout, _drain(sock.recv, _shutdown(sock))
    _check(ctx, seen)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    peer = ctx.peers["tcp_echo"].tuple
    loop = asyncio.get_running_loop()
    seen: dict[str, tuple[float | None, Drained]] = {}
    for way in _ways():
        with _made_nonblocking(way) as sock:
            await asyncio.wait_for(loop.sock_connect(sock, peer), CONNECT_S)
            await asyncio.wait_for(loop.sock_sendall(sock, LINE), CONNECT_S)
            done: asyncio.Future[Drained] = loop.create_future()

            def on_readable(sock: socket.socket = sock, done: asyncio.Future[Drained] = done) -> None:
                # The program's reader callback: drain the socket, then go back to the loop.
                loop.remove_reader(sock.fileno())
                if not done.done():
                    done.set_result(_drain(sock.recv, _shutdown(sock)))

            loop.add_reader(sock.fileno(), on_readable)
            try:
                drained = await asyncio.wait_for(done, CONNECT_S)
            finally:
                loop.remove_reader(sock.fileno())
            seen[way] = sock.gettimeout(), drained
    _check(ctx, seen)


async def run_trio(ctx: Context) -> None:
    import trio

    peer = ctx.peers["tcp_echo"].tuple
    seen: dict[str, tuple[float | None, Drained]] = {}
    for way in _ways():
        kind = socket.SOCK_STREAM | (getattr(socket, "SOCK_NONBLOCK", 0) if way == SOCK_NONBLOCK_WAY else 0)
        with trio.socket.socket(socket.AF_INET, kind) as sock:
            # The standard interface's non-blocking mode, probed: trio documents what it leaves out.
            gettimeout, setblocking = getattr(sock, "gettimeout", None), getattr(sock, "setblocking", None)
            if gettimeout is None or setblocking is None:
                raise NotImplementedError(
                    "trio.socket.SocketType has no gettimeout / setblocking: trio sockets have no "
                    "non-blocking mode, every receive waits for data "
                    "(https://trio.readthedocs.io/en/v0.35.0/reference-io.html#socket-objects)")
            if way == SETBLOCKING_WAY:
                setblocking(False)
            with trio.fail_after(CONNECT_S):
                await sock.connect(peer)
                await sock.send(LINE)
                await trio.lowlevel.wait_readable(sock)
            drained = Drained()
            started = time.perf_counter()
            with trio.move_on_after(BOUND_S) as scope:
                try:
                    while not drained.ended:
                        chunk = await sock.recv(1024)
                        drained.received += chunk
                        drained.ended = "" if chunk else "the end of the stream"
                except BlockingIOError:
                    drained.ended = "BlockingIOError"
            drained.last_s = time.perf_counter() - started
            drained.waited = scope.cancelled_caught
            seen[way] = gettimeout(), drained
    _check(ctx, seen)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor, task

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = ctx.peers["tcp_echo"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    stream = await within_twisted(CONNECT_S, endpoints.connectProtocol(endpoint, Stream()))
    try:
        # A TCP transport (ITCPTransport) is the style's connection, always non-blocking underneath;
        # probed for a receive the program calls.
        recv = getattr(stream.transport, "recv", None)
        if recv is None:
            raise NotImplementedError(
                "Twisted's TCP transport has no recv: ITCPTransport hands received data to "
                "Protocol.dataReceived, and offers no receive call that fails when nothing is pending "
                "(https://docs.twisted.org/en/twisted-26.10.0/api/twisted.internet.interfaces."
                "ITCPTransport.html)")
        stream.transport.pauseProducing()  # the program receives, not the reactor
        stream.transport.write(LINE)
        handle = stream.transport.getHandle()
        with selectors.DefaultSelector() as selector:
            selector.register(handle, selectors.EVENT_READ)
            for _ in range(int(CONNECT_S / POLL_S)):  # the reactor sends the line between two looks
                if selector.select(0):
                    break
                await within_twisted(CONNECT_S, task.deferLater(reactor, POLL_S, lambda: None))
        seen = {"the reactor's own socket": (handle.gettimeout(), _drain(recv, _shutdown(handle)))}
    finally:
        await stream.close()
    _check(ctx, seen)
