"""A connection put in blocking mode and handed to a child process is blocking for the child.

Reference semantics: a program connects to a peer, sends a line, calls ``sock.setblocking(True)`` and
hands the descriptor to a child (``pass_fds``), as a program hands a connection to a worker process or
a C library. ``setblocking(True)`` clears ``O_NONBLOCK`` on the descriptor (the flag belongs to the
open file description the child shares), so the child finds it blocking (``fcntl(F_GETFL)``), and its
``os.read`` waits for the peer's answer (300 ms later) instead of failing at once with ``EAGAIN``
(measured here: ``O_NONBLOCK`` clear after the call, the child reads the line). A program that asked for
blocking mode relies on it: code outside the runtime's reach (a child, a C library) does not retry
on ``EAGAIN``.

The one contract: after the style's call that puts the connection in blocking mode, a child handed the
descriptor sees it blocking and reads the peer's answer with one ``os.read``. Each style makes the
connection and spawns the child with its own API: ``socket.create_connection`` and ``subprocess.run``
(sync); a socket the program made, ``loop.sock_connect`` / ``sock_sendall`` and
``asyncio.create_subprocess_exec`` (asyncio: the loop's transports cannot be blocking, so the program
uses a standard socket of its own); a trio socket and ``trio.run_process`` (trio); a TCP endpoint's
transport and ``reactor.spawnProcess`` (Twisted). The blocking-mode call is probed where the style's
connection may lack one (trio's sockets, Twisted's transports): its absence is ``unsupported``, naming
it.

A socket made non-blocking (``SOCK_NONBLOCK`` in its type, or ``setblocking(False)``) is the other
direction, and about the runtime's own socket object rather than the descriptor handed on:
``sockets.nonblocking_recv``.
"""

from __future__ import annotations

import socket
import subprocess
import sys

from conformance import Context

PEERS = ("slow_echo",)
NOT_APPLICABLE = {"win32": "Windows has no O_NONBLOCK flag to read and no pass_fds"}
TIMEOUT_S = 15.0
WAIT_S = 5.0  # bounds the connect, the send and the child (which waits 300 ms for the answer)
LINE = b"ping\n"
# The child: reports whether the descriptor is O_NONBLOCK, then reads once (an alarm bounds the read).
CHILD = """\
import fcntl, os, signal, sys
signal.alarm(5)
fd = int(sys.argv[1])
mode = "O_NONBLOCK" if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK else "blocking"
try:
    data = os.read(fd, 64).decode()
except BlockingIOError:
    data = "EAGAIN"
sys.stdout.write(mode + " " + data)
"""


def _command(fd: int) -> list[str]:
    return [sys.executable, "-I", "-c", CHILD, str(fd)]


def _check(ctx: Context, report: bytes) -> None:
    mode, _, data = report.decode(errors="replace").partition(" ")
    ctx.notes["child_saw"] = report.decode(errors="replace")
    ctx.expect(mode == "blocking",
               f"the descriptor handed to the child is {mode or 'unknown'} after the call that put the "
               f"connection in blocking mode; the child's read got {data!r}")
    ctx.expect_equal(data, LINE.decode(), "what the child's one read returned")


def run_sync(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on Windows (NOT_APPLICABLE)")
    with socket.create_connection(ctx.peers["slow_echo"].tuple, timeout=WAIT_S) as sock:
        sock.sendall(LINE)
        sock.setblocking(True)
        child = subprocess.run(_command(sock.fileno()), pass_fds=(sock.fileno(),), stdout=subprocess.PIPE,
                               timeout=WAIT_S, check=False)
    _check(ctx, child.stdout)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    if sys.platform == "win32":
        raise AssertionError("not applicable on Windows (NOT_APPLICABLE)")
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)
        await asyncio.wait_for(loop.sock_connect(sock, ctx.peers["slow_echo"].tuple), WAIT_S)
        await asyncio.wait_for(loop.sock_sendall(sock, LINE), WAIT_S)
        sock.setblocking(True)
        child = await asyncio.wait_for(asyncio.create_subprocess_exec(
            *_command(sock.fileno()), pass_fds=(sock.fileno(),), stdout=asyncio.subprocess.PIPE), WAIT_S)
        try:
            report, _ = await asyncio.wait_for(child.communicate(), WAIT_S)
        finally:
            if child.returncode is None:
                child.kill()
                await asyncio.wait_for(child.wait(), WAIT_S)
    _check(ctx, report)


async def run_trio(ctx: Context) -> None:
    import trio

    if sys.platform == "win32":
        raise AssertionError("not applicable on Windows (NOT_APPLICABLE)")
    with trio.socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with trio.fail_after(WAIT_S):
            await sock.connect(ctx.peers["slow_echo"].tuple)
            await sock.send(LINE)
        # trio's socket objects document what they leave out of the standard interface; probed.
        setblocking = getattr(sock, "setblocking", None)
        if setblocking is None:
            raise NotImplementedError("trio.socket.SocketType has no setblocking: trio documents that its "
                                      "sockets leave out setblocking and settimeout "
                                      "(https://trio.readthedocs.io/en/v0.35.0/reference-io.html"
                                      "#socket-objects)")
        setblocking(True)
        with trio.fail_after(WAIT_S):
            child = await trio.run_process(_command(sock.fileno()), pass_fds=(sock.fileno(),),
                                           capture_stdout=True, check=False)
    _check(ctx, child.stdout)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn
    from conformance.support.twisted_streams import Stream

    if sys.platform == "win32":
        raise AssertionError("not applicable on Windows (NOT_APPLICABLE)")
    host, port = ctx.peers["slow_echo"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    stream = await within_twisted(WAIT_S, endpoints.connectProtocol(endpoint, Stream()))
    try:
        stream.transport.write(LINE)
        # A TCP transport (ITCPTransport) is the style's connection; probed for a blocking mode.
        setblocking = getattr(stream.transport, "setblocking", None)
        if setblocking is None:
            raise NotImplementedError("Twisted's TCP transport has no setblocking: ITCPTransport offers no "
                                      "blocking mode for a connection the reactor owns "
                                      "(https://docs.twisted.org/en/twisted-26.10.0/api/"
                                      "twisted.internet.interfaces.ITCPTransport.html)")
        stream.transport.pauseProducing()  # the child reads the answer, not the reactor
        setblocking(True)
        fd = stream.transport.fileno()
        child = spawn(_command(3), childFDs={0: "w", 1: "r", 2: 2, 3: fd})
        report = await within_twisted(WAIT_S, child.read_to_eof())
        await within_twisted(WAIT_S, child.wait_ended())
    finally:
        await stream.close()
    _check(ctx, report)
