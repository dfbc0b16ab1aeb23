"""sendfile of an 8 MiB file to a TCP peer

Reference semantics: a blocking client opens a regular file and calls ``socket.sendfile(file)``, which
uses ``os.sendfile`` where the platform has it (falling back to read and send elsewhere) and returns the
number of bytes sent; after ``shutdown(SHUT_WR)`` the peer answers the byte count and sha256 of what
it received, which must be the file's. Static-file servers and proxies rely on this to serve large
files cheaply: a runtime must offer it (or an equivalent) without corrupting the stream or stalling its
other tasks while the kernel copies.
"""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path

from conformance import Context

PEERS = ("digest",)
SIZE = 8 * 1024 * 1024
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def _write_file(ctx: Context) -> tuple[Path, bytes]:
    """The file to send, written before the measured section, and the answer the peer must give."""
    data = ctx.payload(SIZE)
    path = ctx.tmpdir / "payload.bin"
    path.write_bytes(data)
    return path, f"{SIZE} {hashlib.sha256(data).hexdigest()}\n".encode()


def _check(ctx: Context, sent: object, answer: bytes, expected: bytes) -> None:
    ctx.expect_equal(sent, SIZE, "the byte count sendfile returned")
    ctx.expect_equal(answer, expected, "the peer's answer (bytes and sha256 it received), to EOF")


def run_sync(ctx: Context) -> None:
    path, expected = _write_file(ctx)
    answer = bytearray()
    with ctx.measured():
        started = time.perf_counter()
        with socket.create_connection(ctx.peers["digest"].tuple, timeout=TIMEOUT_S) as sock, \
                open(path, "rb") as file:
            sent = sock.sendfile(file)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    path, expected = _write_file(ctx)
    loop = asyncio.get_running_loop()

    async def exchange() -> tuple[int, bytes]:
        answer = bytearray()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, open(path, "rb") as file:
            sock.setblocking(False)
            await loop.sock_connect(sock, ctx.peers["digest"].tuple)
            sent = await loop.sock_sendfile(sock, file)
            sock.shutdown(socket.SHUT_WR)
            while chunk := await loop.sock_recv(sock, 4096):
                answer.extend(chunk)
        return sent, bytes(answer)

    with ctx.measured():
        started = time.perf_counter()
        sent, answer = await asyncio.wait_for(exchange(), TIMEOUT_S)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, answer, expected)


async def run_trio(ctx: Context) -> None:
    import trio

    path, expected = _write_file(ctx)
    answer = bytearray()
    with ctx.measured(), trio.fail_after(TIMEOUT_S):
        started = time.perf_counter()
        with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM) as sock:
            await sock.connect(ctx.peers["digest"].tuple)
            # trio's socket has no sendfile() (its source lists it as "not implemented yet") and no
            # stream sends a file: https://github.com/python-trio/trio/issues/45. Should it appear with
            # the standard library's signature, this body uses it.
            sendfile = getattr(sock, "sendfile", None)
            if sendfile is None:
                raise NotImplementedError(
                    "trio.socket.SocketType has no sendfile() and trio has no other zero-copy file "
                    "sending API (python-trio/trio#45)")
            async with await trio.open_file(path, "rb") as file:
                sent = await sendfile(file.wrapped)
            sock.shutdown(trio.socket.SHUT_WR)
            while chunk := await sock.recv(4096):
                answer.extend(chunk)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - started))
    _check(ctx, sent, bytes(answer), expected)


async def run_twisted(ctx: Context) -> None:
    # Twisted has no sendfile: no transport or reactor API hands a file to the kernel (os.sendfile),
    # and nothing in Twisted calls it. twisted.protocols.basic.FileSender is not that API: it is a
    # producer that reads the file 16 KiB at a time into Python and transport.write()s each chunk
    # (the read-and-send loop any body could write by hand, which the trio body does not count
    # either), and it returns the last chunk written, not a byte count.
    raise NotImplementedError(
        "Twisted has no sendfile(2) API (no transport method hands a file to the kernel; "
        "twisted.protocols.basic.FileSender reads and writes the file through Python, 16 KiB at a "
        "time): https://github.com/twisted/twisted/issues/11395 (sendfile support, open since 2004; "
        "FileSender: https://docs.twisted.org/en/stable/api/twisted.protocols.basic.FileSender.html)")
