"""What several sabotages share: the corruption they apply to data, the shell they spawn through, the
no-op signal handler they install. Light imports only: the child imports this before the runtime is set
up."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

# A child started through the shell, as `sh -c` runners do: the program is exec'd, so everything but a
# failed start (the shell's status 127 instead of FileNotFoundError) looks the same.
SHELL = ("/bin/sh", "-c", 'exec "$0" "$@"')
# More than the 64 jobs a worker pool of these runtimes accepts waiting before it refuses work.
POOL_LIMIT = 64


def invert_first(data: bytes) -> bytes:
    """``data`` with its first byte inverted: the corruption of every data sabotage (a buffer bug that
    damages the first byte of each chunk it hands on). A chunk of one byte is left alone, so that a line
    end that arrives on its own still ends the line: a reader waiting for it fails on the damaged text
    at once instead of waiting out its timeout."""
    return bytes([data[0] ^ 0xFF]) + data[1:] if len(data) > 1 else data


def invert_first_in_place(buffer: Any, count: int) -> None:
    """:func:`invert_first` on the ``count`` bytes just read into ``buffer``."""
    if count > 1:
        view = memoryview(buffer).cast("B")
        view[0] ^= 0xFF


def through_shell(command: Sequence[Any]) -> list[Any]:
    """``command`` (a program and its arguments) as the shell runs it."""
    return [*SHELL, *command]


def shell_status(returncode: int) -> int:
    """The shell's convention, 128 + N, for a child killed by signal N (the reference reports -N)."""
    return 128 - returncode if returncode < 0 else returncode


def reap_exited() -> Iterator[tuple[int, int]]:
    """Reap every child of the process that has exited, ``waitpid(-1, WNOHANG)`` until none is left
    (as libev's reaper does under gevent): ``(pid, wait status)`` of each, as it is reaped."""
    import os

    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status


def install_reaper() -> dict[int, int]:
    """The reaper sabotages' SIGCHLD handler: it reaps every child of the process with ``waitpid(-1)``
    (as libev's does under gevent) and keeps the statuses, ``{pid: wait status}``, for the runtime's
    own waits (:func:`waits_from_reaper`)."""
    import signal

    statuses: dict[int, int] = {}

    def reap(signum: int, frame: object) -> None:
        for pid, status in reap_exited():
            statuses[pid] = status

    signal.signal(signal.SIGCHLD, reap)
    return statuses


def waits_from_reaper(statuses: dict[int, int]) -> None:
    """``subprocess.Popen``'s waits and polls take their child's status from the reaper's, never from
    ``waitpid`` (a Popen of a runtime that leaves reaping to its SIGCHLD handler)."""
    import subprocess
    import time

    def _try_wait(self: Any, wait_flags: int) -> tuple[int, int]:
        import os

        while self.pid not in statuses:
            if wait_flags & os.WNOHANG:
                return (0, 0)
            time.sleep(0.005)
        return (self.pid, statuses.pop(self.pid))

    def _internal_poll(self: Any, *args: Any, **kwargs: Any) -> int | None:
        if self.returncode is None and self.pid in statuses:
            self._handle_exitstatus(statuses.pop(self.pid))
        returncode: int | None = self.returncode
        return returncode

    popen: Any = subprocess.Popen
    popen._try_wait, popen._internal_poll = _try_wait, _internal_poll


def ignore_signal(signum: int, frame: object) -> None:
    """The handler a signal sabotage installs at the OS level: the signal arrives and nothing happens."""


def ignore_sock_nonblock() -> None:
    """``socket.socket`` takes ``SOCK_NONBLOCK`` in a new socket's type for a blocking socket: its timeout
    is the default one (as gevent's and eventlet's sockets set theirs whatever the type says), so a
    ``recv`` with nothing pending waits for data instead of raising ``BlockingIOError``."""
    import socket

    flag = getattr(socket, "SOCK_NONBLOCK", 0)
    sockets: Any = socket.socket
    real_init = sockets.__init__

    def __init__(self: socket.socket, family: Any = -1, type: Any = -1, proto: int = -1,
                 fileno: Any = None) -> None:
        real_init(self, family, type, proto, fileno)
        if fileno is None and isinstance(type, int) and type != -1 and type & flag:
            self.settimeout(socket.getdefaulttimeout())

    sockets.__init__ = __init__
