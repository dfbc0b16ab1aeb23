"""What several sabotages share: the corruption they apply to data, the shell they spawn through, the
no-op signal handler they install. Light imports only: the child imports this before the runtime is set
up."""

from __future__ import annotations

from collections.abc import Sequence
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


def ignore_signal(signum: int, frame: object) -> None:
    """The handler a signal sabotage installs at the OS level: the signal arrives and nothing happens."""
