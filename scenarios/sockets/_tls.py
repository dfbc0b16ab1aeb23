"""Shared by sockets.tls_echo and sockets.starttls: the payload sizes, the check of the verified peer
certificate, and the blocking chunk-by-chunk echo over a TLS socket (``recv_exactly``:
``conformance.support.net``)."""

from __future__ import annotations

import socket

from conformance import Context

SIZE = 256 * 1024
CHUNK = 16 * 1024  # one TLS record's worth of plaintext


def check_certificate(ctx: Context, cert: object, hostname: str) -> None:
    ctx.expect(isinstance(cert, dict) and ("DNS", hostname) in cert.get("subjectAltName", ()),
               f"the verified peer certificate should name {hostname!r}; got {cert!r}")


def echo_chunks_sync(ctx: Context, tls: socket.socket, data: bytes) -> bytes:
    """Send ``data`` in CHUNK pieces, reading each one's echo before sending the next; return the echo."""
    from conformance.support.net import recv_exactly

    received = bytearray()
    for offset in range(0, len(data), CHUNK):
        chunk = data[offset:offset + CHUNK]
        tls.sendall(chunk)
        echoed = recv_exactly(tls, len(chunk))
        ctx.expect_equal(len(echoed), len(chunk), f"bytes echoed of the chunk at {offset}")
        received.extend(echoed)
    return bytes(received)
