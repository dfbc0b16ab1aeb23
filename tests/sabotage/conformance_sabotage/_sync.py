"""The sync sabotages: the ``threads`` runtime, with the standard library patched in ``setup()`` (as gevent
and eventlet patch it) so that it has one defect.

Imported by the child before the runtime is set up: the standard library modules a defect patches are
imported inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance._runtimes import Runtime, get_runtime

from . import BASES, __version__
from ._common import (
    SHELL,
    ignore_signal,
    ignore_sock_nonblock,
    install_reaper,
    invert_first,
    invert_first_in_place,
    shell_status,
    waits_from_reaper,
)

BASE = BASES["sync"]
# The file sabotage's read piece and the most it writes of one write.
PIECE = 1024
SHORT_WRITE = 64 * 1024


def setup(runtime: Runtime) -> str:
    base = get_runtime(BASE)
    base.family_module().setup(base)
    DEFECTS[runtime.name.rsplit("-", 1)[1]]()
    return __version__


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
    base = get_runtime(BASE)
    base.family_module().run(base, body, ctx)


def _data() -> None:
    import socket

    sockets: Any = socket.socket
    real_recv, real_recv_into, real_recvfrom = sockets.recv, sockets.recv_into, sockets.recvfrom

    def recv(self: socket.socket, size: int, flags: int = 0) -> bytes:
        return invert_first(real_recv(self, size, flags))

    def recv_into(self: socket.socket, buffer: Any, size: int = 0, flags: int = 0) -> int:
        count: int = real_recv_into(self, buffer, size, flags)
        invert_first_in_place(buffer, count)
        return count

    def recvfrom(self: socket.socket, size: int, flags: int = 0) -> tuple[bytes, Any]:
        while True:
            data, address = real_recvfrom(self, size, flags)
            if data:  # an empty datagram has nothing to hand on: wait for the next one
                return invert_first(data), address

    sockets.recv, sockets.recv_into, sockets.recvfrom = recv, recv_into, recvfrom


def _errors() -> None:
    import socket
    import ssl

    def plain(method: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except OSError as exc:
                raise OSError(str(exc)) from None  # no errno: OSError's constructor picks no subclass
        return call

    for name in ("connect", "recv", "recv_into", "recvfrom", "send", "sendall", "accept"):
        setattr(socket.socket, name, plain(getattr(socket.socket, name)))
    setattr(ssl.SSLSocket, "do_handshake", plain(ssl.SSLSocket.do_handshake))  # noqa: B010


def _abort() -> None:
    import socket
    import struct

    sockets: Any = socket.socket
    real_close = sockets.close

    def close(self: socket.socket) -> None:
        if self.fileno() != -1 and self.type == socket.SOCK_STREAM:
            try:  # SO_LINGER on, timeout 0: the close resets the connection
                self.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        real_close(self)

    sockets.close = close


def _gil() -> None:
    import ctypes
    import errno
    import os
    import select
    import socket

    # PyDLL: the interpreter lock stays held for the whole C call, which is the defect.
    libc = ctypes.PyDLL(None, use_errno=True)
    libc.read.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
    libc.read.restype = ctypes.c_ssize_t

    class PollFd(ctypes.Structure):
        _fields_ = [("fd", ctypes.c_int), ("events", ctypes.c_short), ("revents", ctypes.c_short)]

    libc.poll.argtypes = [ctypes.POINTER(PollFd), ctypes.c_ulong, ctypes.c_int]

    class HostEnt(ctypes.Structure):
        _fields_ = [("h_name", ctypes.c_char_p), ("h_aliases", ctypes.POINTER(ctypes.c_char_p)),
                    ("h_addrtype", ctypes.c_int), ("h_length", ctypes.c_int),
                    ("h_addr_list", ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)))]

    libc.gethostbyname.argtypes = [ctypes.c_char_p]
    libc.gethostbyname.restype = ctypes.POINTER(HostEnt)

    def failed() -> None:
        """After a failed call: EINTR goes round again (a signal handler runs first, and may raise, as
        PEP 475 says), anything else is raised."""
        code = ctypes.get_errno()
        if code != errno.EINTR:
            raise OSError(code, os.strerror(code))

    def read(fd: int, size: int) -> bytes:
        buffer = ctypes.create_string_buffer(size)
        while True:
            got = libc.read(fd, buffer, size)
            if got >= 0:
                return buffer.raw[:got]
            failed()

    sockets: Any = socket.socket
    real_recv, real_recv_into = sockets.recv, sockets.recv_into

    def wait_readable(sock: socket.socket) -> None:
        timeout = sock.gettimeout()
        waiting = PollFd(sock.fileno(), select.POLLIN, 0)
        while True:
            ready = libc.poll(ctypes.byref(waiting), 1, -1 if timeout is None else int(timeout * 1000))
            if ready > 0:
                return
            if ready == 0:
                raise TimeoutError("timed out")
            failed()

    def recv(self: socket.socket, size: int, flags: int = 0) -> bytes:
        wait_readable(self)
        data: bytes = real_recv(self, size, flags)
        return data

    def recv_into(self: socket.socket, buffer: Any, size: int = 0, flags: int = 0) -> int:
        wait_readable(self)
        count: int = real_recv_into(self, buffer, size, flags)
        return count

    def gethostbyname(name: str) -> str:
        found = libc.gethostbyname(name.encode("idna"))
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        entry = found.contents
        return socket.inet_ntop(entry.h_addrtype, bytes(entry.h_addr_list[0][:entry.h_length]))

    os.read = read
    sockets.recv, sockets.recv_into = recv, recv_into
    socket.gethostbyname = gethostbyname


def _hub() -> None:
    """gevent's monkey-patching with select left alone: threads and sockets are green, and a C library
    that waits in C, or in the real select(), holds every other thread."""
    from gevent import monkey

    monkey.patch_all(select=False)


def _files() -> None:
    import builtins
    import io
    import os

    real_open = io.open

    class File(io.RawIOBase):
        """The runtime's own file object over a descriptor: it reads in 1 KiB pieces and takes a piece
        shorter than asked for the end of the file; it writes at most 64 KiB of what it is given, and
        says it wrote it all."""

        def __init__(self, fd: int, name: Any, mode: str) -> None:
            super().__init__()
            self._fd, self.name, self.mode, self._ended = fd, name, mode, False

        def readable(self) -> bool:
            return "r" in self.mode

        def writable(self) -> bool:
            return "w" in self.mode

        def fileno(self) -> int:
            return self._fd

        def readinto(self, buffer: Any) -> int:
            if self._ended:
                return 0
            data = os.read(self._fd, min(len(buffer), PIECE))
            self._ended = len(data) < len(buffer)
            buffer[:len(data)] = data
            return len(data)

        def write(self, data: Any) -> int:
            os.write(self._fd, bytes(data[:SHORT_WRITE]))
            return len(data)

        def close(self) -> None:
            if not self.closed:
                os.close(self._fd)
            super().close()

    def open_(file: Any, mode: str = "r", buffering: int = -1, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, int) or set(mode) not in ({"r", "b"}, {"w", "b"}):
            return real_open(file, mode, buffering, *args, **kwargs)
        flags = os.O_RDONLY if "r" in mode else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        try:
            fd = os.open(file, flags, 0o666)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror) from None  # the filename is lost
        raw = File(fd, file, mode)
        if buffering == 0:
            return raw
        return io.BufferedReader(raw) if "r" in mode else io.BufferedWriter(raw)

    builtins.open = io.open = open_


def _sqlite() -> None:
    import sqlite3

    real_connect = sqlite3.connect

    def connect(database: Any, timeout: float = 5.0, *args: Any, **kwargs: Any) -> Any:
        return real_connect(database, 0.0, *args, **kwargs)

    sqlite3.connect = connect


def _coarse_wait() -> None:
    """A Popen whose wait(timeout) polls the child once a second (as a green Popen that sleeps between
    polls): a timeout runs out on the next whole second, not when it was asked to."""
    import subprocess
    import time

    class Popen(subprocess.Popen[Any]):
        def wait(self, timeout: float | None = None) -> int:
            if timeout is None:
                return super().wait()
            deadline = time.monotonic() + timeout
            while (returncode := self.poll()) is None:
                if time.monotonic() >= deadline:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                time.sleep(1.0)
            return returncode

    subprocess.Popen = Popen  # type: ignore[misc]


def _popen(*, inverted_pipes: bool = False, shell: bool = False) -> None:
    """Install a subprocess.Popen of the runtime's own (gevent's is one) with the defects asked for."""
    import io
    import os
    import subprocess
    import threading
    import time

    class Pipe(io.RawIOBase):
        """A pipe from the child, read by the runtime's own code."""

        def __init__(self, file: Any) -> None:
            super().__init__()
            self._file = file

        def readable(self) -> bool:
            return True

        def fileno(self) -> int:
            fd: int = self._file.fileno()
            return fd

        def readinto(self, buffer: Any) -> int:
            data = os.read(self._file.fileno(), len(buffer))
            if inverted_pipes:
                data = invert_first(data)
            buffer[:len(data)] = data
            return len(data)

        def close(self) -> None:
            self._file.close()
            super().close()

    class PipeIn(Pipe):
        """A pipe to the child, written by the runtime's own code: a write into a pipe whose reader has
        gone is dropped as if it had been written (EPIPE swallowed)."""

        def readable(self) -> bool:
            return False

        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            try:
                return os.write(self._file.fileno(), data)
            except BrokenPipeError:
                return len(data)

    class Popen(subprocess.Popen[Any]):
        def __init__(self, args: Any, *more: Any, **kwargs: Any) -> None:
            if shell and not kwargs.get("shell") and not isinstance(args, (str, bytes, os.PathLike)):
                args = [*SHELL, *args]
            if inverted_pipes:
                kwargs.pop("pipesize", None)  # accepted and ignored, as gevent's Popen does
            super().__init__(args, *more, **kwargs)
            for name in ("stdout", "stderr"):
                if getattr(self, name) is not None:
                    setattr(self, name, io.BufferedReader(Pipe(getattr(self, name))))
            if inverted_pipes and self.stdin is not None:
                self.stdin = io.BufferedWriter(PipeIn(self.stdin))

        def _handle_exitstatus(self, *args: Any, **kwargs: Any) -> None:
            super()._handle_exitstatus(*args, **kwargs)  # type: ignore[misc]
            if shell and self.returncode is not None:
                self.returncode = shell_status(self.returncode)

        def communicate(self, input: Any = None, timeout: float | None = None) -> tuple[Any, Any]:
            """Its own communicate: a thread drains each output pipe while the input is written."""
            deadline = None if timeout is None else time.monotonic() + timeout
            outputs: dict[str, bytes] = {}

            def drain(name: str, pipe: Any) -> None:
                outputs[name] = pipe.read()
                pipe.close()

            readers = [threading.Thread(target=drain, args=(name, pipe), daemon=True)
                       for name, pipe in (("stdout", self.stdout), ("stderr", self.stderr)) if pipe]
            for reader in readers:
                reader.start()
            if self.stdin is not None:
                try:
                    if input:
                        self.stdin.write(input)
                    self.stdin.close()
                except BrokenPipeError:
                    pass
            for reader in readers:
                reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
                if reader.is_alive():
                    raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
            return outputs.get("stdout"), outputs.get("stderr")

    subprocess.Popen = Popen  # type: ignore[misc]


def _resolver() -> None:
    import socket

    from . import _dns

    real_getaddrinfo, real_getnameinfo = socket.getaddrinfo, socket.getnameinfo

    def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                    flags: int = 0) -> Any:
        return _dns.getaddrinfo(real_getaddrinfo, host, port, family, type, proto, flags)

    def getnameinfo(sockaddr: Any, flags: int) -> Any:
        return _dns.getnameinfo(real_getnameinfo, sockaddr, flags)

    def gethostbyname_ex(host: str) -> tuple[str, list[str], list[str]]:
        found = _dns.getaddrinfo(real_getaddrinfo, host, None, socket.AF_INET, socket.SOCK_STREAM)
        return host, [], [entry[4][0] for entry in found]

    socket.getaddrinfo = getaddrinfo
    socket.getnameinfo = getnameinfo
    socket.gethostbyname_ex = gethostbyname_ex


def _signals() -> None:
    import signal
    import threading

    # The program's handlers, for a dispatcher that never runs; the OS gets a no-op instead.
    table: dict[int, Any] = {signal.SIGINT: signal.getsignal(signal.SIGINT)}
    real_signal, real_getsignal = signal.signal, signal.getsignal
    real_signal(signal.SIGINT, ignore_signal)

    def install(signum: int, handler: Any) -> Any:
        previous = table.get(signum, real_getsignal(signum))
        table[signum] = handler
        if threading.current_thread() is threading.main_thread():  # elsewhere: "later", so never
            real_signal(signum, handler if handler in (signal.SIG_DFL, signal.SIG_IGN) else ignore_signal)
        return previous

    def getsignal(signum: int) -> Any:
        return table.get(signum, real_getsignal(signum))

    signals: Any = signal
    signals.signal, signals.getsignal = install, getsignal


def _blocking() -> None:
    import os
    import socket

    sockets: Any = socket.socket
    real_setblocking = sockets.setblocking

    def setblocking(self: socket.socket, flag: bool) -> None:
        real_setblocking(self, flag)
        if flag:  # only the object's timeout changes: the descriptor stays non-blocking for a hub
            os.set_blocking(self.fileno(), False)

    sockets.setblocking = setblocking


def _badfd() -> None:
    import select

    real_poll: Any = getattr(select, "poll", None)

    class Poll:
        """select.poll, but a descriptor the OS reports invalid (POLLNVAL) is left out of the result."""

        def __init__(self) -> None:
            self._poll = real_poll()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._poll, name)

        def poll(self, *args: Any) -> list[tuple[int, int]]:
            nval: int = getattr(select, "POLLNVAL", 0)
            return [(fd, mask) for fd, mask in self._poll.poll(*args) if not mask & nval]

    if real_poll is not None:
        setattr(select, "poll", Poll)  # noqa: B010


def _nodelay() -> None:
    import socket

    sockets: Any = socket.socket
    real_connect = sockets.connect

    def connect(self: socket.socket, address: Any) -> None:
        real_connect(self, address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and self.type == socket.SOCK_STREAM:
            # Nagle off on every connection it makes, over whatever the program chose
            self.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    sockets.connect = connect


def _xlist() -> None:
    import select

    real_select = select.select

    def select_(rlist: Any, wlist: Any, xlist: Any, timeout: float | None = None) -> tuple[list[Any], ...]:
        """select.select, but the exceptional list is neither waited on nor reported."""
        readable, writable, _ = real_select(rlist, wlist, [], timeout)
        return readable, writable, []

    setattr(select, "select", select_)  # noqa: B010


DEFECTS: dict[str, Callable[[], None]] = {
    "blocking": _blocking,
    "nonblock": ignore_sock_nonblock,
    "badfd": _badfd,
    "xlist": _xlist,
    "data": _data,
    "errors": _errors,
    "abort": _abort,
    "gil": _gil,
    "hub": _hub,
    "files": _files,
    "sqlite": _sqlite,
    "pipes": lambda: _popen(inverted_pipes=True),
    "spawn": lambda: _popen(shell=True),
    "waits": _coarse_wait,
    "resolver": _resolver,
    "signals": _signals,
    "reaper": lambda: waits_from_reaper(install_reaper()),
    "nodelay": _nodelay,
}
