"""Opening a missing file, a directory and an unreadable file raises the standard library's errors.

Reference semantics: ``open(path, "rb")`` raises ``FileNotFoundError`` (errno ``ENOENT``) for a path that
does not exist, ``IsADirectoryError`` (``EISDIR``) for a directory (on Windows the OS answers "access
denied": ``PermissionError``), and ``PermissionError`` (``EACCES``) for a file its mode does not let the
process read, each with ``filename`` set to the path. Code everywhere catches exactly these types
(``except FileNotFoundError: use the defaults``), so an offload path must carry them across the thread
boundary unchanged, not wrapped or turned into a generic ``OSError``. Each style opens the way its users
do: plain ``open`` for sync code, the same read in ``asyncio.to_thread``, ``trio.open_file``.

The permission case needs a process the file mode applies to. A superuser (the suite runs as root in
many CI containers: ``CAP_DAC_OVERRIDE``) or Windows (``chmod`` only sets the read-only flag) reads a
mode-000 file anyway; the body tries, and if it can read the file the case cannot be arranged: only the
other two are checked, and ``permission_case_checked`` is 0 (1 when it was checked).
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any

from conformance import Context

IO_TIMEOUT_S = 10.0
# What the standard library raises for open() of a directory on this platform.
DIRECTORY_ERROR: type[OSError] = PermissionError if sys.platform == "win32" else IsADirectoryError
DIRECTORY_ERRNO = errno.EACCES if sys.platform == "win32" else errno.EISDIR


def _arrange(ctx: Context) -> list[tuple[str, Path, type[OSError], int]]:
    """The cases that can be arranged here: (what, path, exception type, errno)."""
    missing = ctx.tmpdir / "missing.bin"
    folder = ctx.tmpdir / "folder"
    folder.mkdir()
    unreadable = ctx.tmpdir / "unreadable.bin"
    unreadable.write_bytes(b"secret")
    os.chmod(unreadable, 0)
    cases = [("a missing file", missing, FileNotFoundError, errno.ENOENT),
             ("a directory", folder, DIRECTORY_ERROR, DIRECTORY_ERRNO)]
    try:
        fd = os.open(unreadable, os.O_RDONLY)
    except PermissionError:
        cases.append(("a file without read permission", unreadable, PermissionError, errno.EACCES))
        ctx.measure("permission_case_checked", 1)
    else:
        os.close(fd)  # a superuser, or a platform where the mode does not deny reading
        ctx.measure("permission_case_checked", 0)
    return cases


def _check(ctx: Context, what: str, path: Path, caught: list[BaseException], expected_errno: int) -> None:
    exc: Any = caught[0]
    ctx.expect_equal(exc.errno, expected_errno, f"errno of opening {what}")
    ctx.expect(exc.filename is not None and os.fspath(exc.filename) == os.fspath(path),
               f"opening {what}: the exception's filename is {exc.filename!r}, not {os.fspath(path)!r}")


def _read(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def run_sync(ctx: Context) -> None:
    for what, path, error, expected_errno in _arrange(ctx):
        with ctx.expect_raises(error) as caught:
            _read(path)
        _check(ctx, what, path, caught, expected_errno)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    for what, path, error, expected_errno in _arrange(ctx):
        with ctx.expect_raises(error) as caught:
            await asyncio.wait_for(asyncio.to_thread(_read, path), IO_TIMEOUT_S)
        _check(ctx, what, path, caught, expected_errno)


async def run_trio(ctx: Context) -> None:
    import trio

    for what, path, error, expected_errno in _arrange(ctx):
        with ctx.expect_raises(error) as caught, trio.fail_after(IO_TIMEOUT_S):
            async with await trio.open_file(path, "rb") as f:
                await f.read()
        _check(ctx, what, path, caught, expected_errno)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, threads

    for what, path, error, expected_errno in _arrange(ctx):
        with ctx.expect_raises(error) as caught:
            # awaiting the Deferred re-raises the exception the thread raised
            await threads.deferToThread(_read, path).addTimeout(IO_TIMEOUT_S, reactor)
        _check(ctx, what, path, caught, expected_errno)
