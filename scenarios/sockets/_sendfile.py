"""Shared by sockets.sendfile and sockets.sendfile_stream: the file they send and the answer the
``digest`` peer must give, the ``zero_copy`` measurement, the check of the byte count, and the probes
for trio's and Twisted's file-sending APIs.

Only the standard library at the top: trio and Twisted are the caller's (the probes are handed the
stream or transport they look at, and import ``twisted.protocols.basic`` at run time).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from conformance import Context


def write_file(ctx: Context, size: int, header: bytes = b"", trailer: bytes = b"") -> tuple[Path, bytes]:
    """The file to send (``size`` bytes of the cell's payload), written before the measured section,
    and the answer the peer must give: the count and sha256 of ``header`` + file + ``trailer``."""
    data = ctx.payload(size)
    path = ctx.tmpdir / "payload.bin"
    path.write_bytes(data)
    whole = header + data + trailer
    return path, f"{len(whole)} {hashlib.sha256(whole).hexdigest()}\n".encode()


@contextlib.contextmanager
def kernel_copies(ctx: Context) -> Iterator[None]:
    """Count the bytes ``os.sendfile`` sends while the block runs: ``zero_copy`` and
    ``zero_copy_bytes``. Measuring only: the wrapper passes every call through unchanged."""
    copied = [0]
    if sys.platform != "win32":  # Windows has no os.sendfile: socket.sendfile reads and sends there
        real = os.sendfile

        def counting(*args: Any, **kwargs: Any) -> int:
            sent = real(*args, **kwargs)
            copied[0] += sent
            return sent

        os.sendfile = counting
    try:
        yield
    finally:
        if sys.platform != "win32":
            os.sendfile = real
        ctx.measure("zero_copy", 1 if copied[0] else 0)
        ctx.measure("zero_copy_bytes", copied[0])


def check(ctx: Context, sent: object, size: int, answer: bytes, expected: bytes, what: str) -> None:
    """The byte count the API returned is the file's ``size`` (where it returns one), and the peer's
    ``answer`` is the ``expected`` one; ``what`` names what the peer counted."""
    if sent is not None:  # FileSender returns no count
        ctx.expect_equal(sent, size, "the byte count the file-sending API returned")
    ctx.expect_equal(answer, expected, what)


def trio_sendfile(stream: Any) -> Callable[[Any], Awaitable[int]]:
    """The file-sending method of a trio ``SocketStream`` or of its socket; NotImplementedError naming
    what was probed where there is none."""
    # trio's socket has no sendfile() today (its source lists it as "not implemented yet") and no
    # stream sends a file: https://github.com/python-trio/trio/issues/45. The probe looks for one on
    # the stream and on its socket, with the standard library's signature.
    sendfile: Callable[[Any], Awaitable[int]] | None = (
        getattr(stream, "send_file", None) or getattr(stream, "sendfile", None)
        or getattr(stream.socket, "sendfile", None))
    if sendfile is None:
        raise NotImplementedError(
            "trio has no file-sending API: probed trio.SocketStream.send_file, "
            "trio.SocketStream.sendfile and trio.socket.SocketType.sendfile "
            "(python-trio/trio#45)")
    return sendfile


def twisted_sendfile(transport: Any) -> Callable[[Any], Awaitable[int | None]]:
    """How a Twisted program sends a file to ``transport``: the transport's own ``sendfile`` should
    one appear, or else ``twisted.protocols.basic.FileSender`` (the count is then None: FileSender
    returns none); NotImplementedError naming what was probed where neither exists."""
    from twisted.protocols import basic

    # No Twisted transport has a sendfile(2) method today
    # (https://github.com/twisted/twisted/issues/11395); should one appear, it is used.
    native = getattr(transport, "sendfile", None) or getattr(transport, "sendFile", None)
    sender = getattr(basic, "FileSender", None)
    if native is not None:
        found: Callable[[Any], Awaitable[int | None]] = native
        return found
    if sender is None:
        raise NotImplementedError(
            "Twisted has no file-sending API here: probed the transport's "
            "sendfile/sendFile and twisted.protocols.basic.FileSender")

    async def with_file_sender(file: Any) -> None:
        # FileSender registers itself as the transport's producer and unregisters once the whole
        # file is in the transport; its Deferred then fires with the last byte written.
        await sender().beginFileTransfer(file, transport)

    return with_file_sender
