"""The trio sabotages: the ``trio`` runtime, with one of trio's internals patched in ``setup()`` (its
socket class, its FdStream, its worker threads, its clock, its signal handling, its resolver hook, its
process class).

Imported by the child before the runtime is set up: trio is imported in ``setup()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance._runtimes import Runtime, get_runtime

from . import BASES, __version__
from ._common import (
    POOL_LIMIT,
    SHELL,
    ignore_signal,
    install_reaper,
    invert_first,
    shell_status,
    waits_from_reaper,
)

BASE = BASES["trio"]
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


def _socket_class() -> Any:
    from trio import _socket

    return _socket._SocketType


def _data() -> None:
    import trio

    sockets = _socket_class()
    real_recv, real_recvfrom = sockets.recv, sockets.recvfrom
    real_receive_some = trio.lowlevel.FdStream.receive_some

    async def recv(self: Any, size: int, flags: int = 0) -> bytes:
        return invert_first(await real_recv(self, size, flags))

    async def recvfrom(self: Any, size: int, flags: int = 0) -> tuple[bytes, Any]:
        while True:
            data, address = await real_recvfrom(self, size, flags)
            if data:  # an empty datagram has nothing to return: wait for the next one
                return invert_first(data), address

    async def receive_some(self: Any, max_bytes: int | None = None) -> bytes:
        return invert_first(await real_receive_some(self, max_bytes))

    sockets.recv, sockets.recvfrom = recv, recvfrom
    trio.lowlevel.FdStream.receive_some = receive_some  # type: ignore[method-assign]


def _plain(exc: BaseException) -> OSError:
    return OSError(f"{type(exc).__name__}: {exc}")


def _to_thread(change: Callable[[Any], Any]) -> None:
    """Replace trio's worker-thread entry, ``trio.to_thread.run_sync`` (and the name trio.Path's methods
    call it by), with ``change(the real one)``."""
    import trio
    from trio import _path

    trio.to_thread.run_sync = change(trio.to_thread.run_sync)
    _path.run_sync = change(_path.run_sync)  # type: ignore[attr-defined]


def _errors() -> None:
    sockets = _socket_class()
    real_recv = sockets.recv

    def plain(method: Callable[..., Any]) -> Callable[..., Any]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return await method(*args, **kwargs)
            except Exception as exc:
                raise _plain(exc) from None
        return call

    async def recv(self: Any, size: int, flags: int = 0) -> bytes:
        try:
            data: bytes = await real_recv(self, size, flags)
        except ConnectionResetError:
            return b""
        return data

    real_send = sockets.send

    async def send(self: Any, data: Any, flags: int = 0) -> int:
        try:
            sent: int = await real_send(self, data, flags)
        except (ConnectionResetError, BrokenPipeError):
            return len(data)  # the write to a broken connection is dropped as if it had been sent
        return sent

    import trio

    real_send_all = trio.lowlevel.FdStream.send_all

    async def send_all(self: Any, data: Any) -> None:
        try:
            await real_send_all(self, data)
        except trio.BrokenResourceError:
            pass  # the write to a pipe whose reader has gone is dropped as if it had been sent

    sockets.connect, sockets.recv, sockets.send = plain(sockets.connect), recv, send
    trio.lowlevel.FdStream.send_all = send_all  # type: ignore[method-assign]
    _to_thread(plain)


def _cancel() -> None:
    import trio

    sockets = _socket_class()
    real_accept = sockets.accept

    async def accept(self: Any) -> Any:
        try:
            return await real_accept(self)
        except trio.Cancelled:
            return None, None

    sockets.accept = accept


def _abort() -> None:
    import socket
    import struct

    sockets = _socket_class()
    real_close = sockets.close

    def close(self: Any) -> None:
        if self.fileno() != -1 and self.type == socket.SOCK_STREAM:
            # SO_LINGER on, timeout 0: the close resets the connection
            self.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        real_close(self)

    sockets.close = close


def _inline() -> None:
    import trio

    def inline(real: Callable[..., Any]) -> Callable[..., Any]:
        async def run_sync(sync_fn: Callable[..., Any], *args: Any, **options: Any) -> Any:
            await trio.lowlevel.checkpoint()
            return sync_fn(*args)
        return run_sync

    _to_thread(inline)


def _files() -> None:
    import trio
    from trio._file_io import AsyncIOWrapper

    async def read(self: Any, size: int = -1) -> Any:
        """1 KiB at a time, and a read shorter than asked is taken for the end of the file."""
        if getattr(self, "_ended", False):
            return self.wrapped.read(0)
        data = await trio.to_thread.run_sync(self.wrapped.read, PIECE if size < 0 else min(size, PIECE))
        self._ended = size < 0 or len(data) < size
        return data

    async def write(self: Any, data: Any) -> int:
        await trio.to_thread.run_sync(self.wrapped.write, data[:SHORT_WRITE])
        return len(data)

    setattr(AsyncIOWrapper, "read", read)  # noqa: B010 - a method the class gets from __getattr__
    setattr(AsyncIOWrapper, "write", write)  # noqa: B010


def _pool() -> None:
    waiting = [0]

    def limited(real: Callable[..., Any]) -> Callable[..., Any]:
        async def run_sync(*args: Any, **options: Any) -> Any:
            if waiting[0] >= POOL_LIMIT:
                raise RuntimeError(f"the worker threads are full: {waiting[0]} jobs are waiting")
            waiting[0] += 1
            try:
                return await real(*args, **options)
            finally:
                waiting[0] -= 1
        return run_sync

    _to_thread(limited)


def _timers() -> None:
    import time

    from trio._core._run import SystemClock

    def current_time(self: Any) -> float:
        return float(self.offset + 2 * time.perf_counter())

    def deadline_to_sleep_time(self: Any, deadline: float) -> float:
        return float((deadline - self.current_time()) / 2)

    SystemClock.current_time = current_time  # type: ignore[method-assign]
    SystemClock.deadline_to_sleep_time = deadline_to_sleep_time  # type: ignore[method-assign]


def _open_process(change_command: Callable[[Any], Any]) -> None:
    """Replace trio's spawn (``trio.lowlevel.open_process``, and the name run_process calls it by) with
    one that passes the command through ``change_command`` first."""
    import trio
    from trio import _subprocess

    real = _subprocess._open_process

    async def open_process(command: Any, **options: Any) -> Any:
        return await real(change_command(command), **options)

    subprocess_module: Any = _subprocess
    lowlevel: Any = trio.lowlevel
    subprocess_module._open_process = open_process
    lowlevel.open_process = open_process


def _signals() -> None:
    import contextlib
    import signal
    from collections.abc import Iterable, Iterator

    import trio
    from trio import _signals
    from trio._core import _ki

    @contextlib.contextmanager
    def _signal_handler(signals: Iterable[int], handler: Any) -> Iterator[None]:
        originals = {signum: signal.signal(signum, ignore_signal) for signum in set(signals)}
        try:
            yield
        finally:
            for signum, original in originals.items():
                signal.signal(signum, original)

    def install(self: Any, *args: Any, **kwargs: Any) -> None:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, ignore_signal)

    def over_sigchld(command: Any) -> Any:
        signal.signal(signal.SIGCHLD, ignore_signal)
        return command

    real_wait = trio.Process.wait

    async def wait(self: Any) -> int:
        over_sigchld(None)
        code: int = await real_wait(self)
        return code

    _signals._signal_handler = _signal_handler
    _ki.KIManager.install = install  # type: ignore[method-assign]
    _open_process(over_sigchld)
    trio.Process.wait = wait  # type: ignore[method-assign]


def _resolver() -> None:
    import socket

    import trio
    from trio import _socket

    from . import _dns

    class Resolver(trio.abc.HostnameResolver):
        async def getaddrinfo(self, host: Any, port: Any, family: int = 0, type: int = 0,
                              proto: int = 0, flags: int = 0) -> Any:
            return await trio.to_thread.run_sync(_dns.getaddrinfo, socket.getaddrinfo, host, port, family,
                                                 type, proto, flags, abandon_on_cancel=True)

        async def getnameinfo(self, sockaddr: Any, flags: int) -> Any:
            return await trio.to_thread.run_sync(_dns.getnameinfo, socket.getnameinfo, sockaddr, flags,
                                                 abandon_on_cancel=True)

    class EveryRun:
        """What ``trio.socket.set_custom_hostname_resolver`` sets for one run, set for every run."""

        resolver = Resolver()

        def get(self, default: Any = None) -> Any:
            return self.resolver

    socket_module: Any = _socket
    socket_module.encode_hostname = _dns.encode
    socket_module._resolver = EveryRun()


def _spawn() -> None:
    import os

    import trio

    def through_shell(command: Any) -> Any:
        return command if isinstance(command, (str, bytes, os.PathLike)) else [*SHELL, *command]

    real_returncode, real_wait = trio.Process.returncode, trio.Process.wait

    def returncode(self: Any) -> int | None:
        found = real_returncode.fget(self)  # type: ignore[attr-defined]
        return None if found is None else shell_status(found)

    async def wait(self: Any) -> int:
        return shell_status(await real_wait(self))

    _open_process(through_shell)
    trio.Process.returncode = property(returncode)  # type: ignore[assignment, method-assign]
    trio.Process.wait = wait  # type: ignore[method-assign]


def _reaper() -> None:
    import trio
    from trio import _subprocess

    statuses = install_reaper()
    waits_from_reaper(statuses)

    async def wait_child_exiting(process: Any) -> None:  # until the reaper has the status
        while process.pid not in statuses:
            await trio.sleep(0.005)

    subprocess_module: Any = _subprocess
    subprocess_module.can_try_pidfd_open = False  # trio's waits go through wait_child_exiting
    subprocess_module.wait_child_exiting = wait_child_exiting


def _badfd() -> None:
    import errno

    import trio

    real_wait_readable, real_wait_writable = trio.lowlevel.wait_readable, trio.lowlevel.wait_writable

    def ignoring_ebadf(real: Callable[..., Any]) -> Callable[..., Any]:
        async def wait(sock: Any) -> None:
            try:
                await real(sock)
            except OSError as exc:
                if exc.errno != errno.EBADF:
                    raise
                await trio.sleep_forever()  # a closed descriptor is taken for one not ready yet
        return wait

    trio.lowlevel.wait_readable = ignoring_ebadf(real_wait_readable)  # type: ignore[assignment]
    trio.lowlevel.wait_writable = ignoring_ebadf(real_wait_writable)  # type: ignore[assignment]


def _serial() -> None:
    import functools
    import math

    import trio

    real = trio.open_tcp_stream

    @functools.wraps(real)  # the signature the program probes stays trio's
    async def open_tcp_stream(host: Any, port: int, *, happy_eyeballs_delay: float | None = None,
                              **kwargs: Any) -> Any:
        # no delay ends an attempt: the next starts only once the one before has failed
        return await real(host, port, happy_eyeballs_delay=math.inf, **kwargs)

    trio.open_tcp_stream = open_tcp_stream


DEFECTS: dict[str, Callable[[], None]] = {
    "badfd": _badfd,
    "data": _data,
    "errors": _errors,
    "abort": _abort,
    "cancel": _cancel,
    "inline": _inline,
    "files": _files,
    "pool": _pool,
    "timers": _timers,
    "signals": _signals,
    "resolver": _resolver,
    "spawn": _spawn,
    "reaper": _reaper,
    "serial": _serial,
}
