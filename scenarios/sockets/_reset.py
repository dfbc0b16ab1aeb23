"""Shared by sockets.peer_reset and sockets.write_after_reset: what the ``reset`` peer sends before it
resets the connection (conformance._helpers.peers.reset: 64 KiB of ``x``, then it waits for ``GOT\\n``),
and the one check both scenarios make of it."""

from __future__ import annotations

from conformance import Context

PREFIX = 64 * 1024


def expect_prefix(ctx: Context, received: bytes) -> None:
    """The bytes before the reset arrived whole and are the peer's."""
    ctx.expect_equal(len(received), PREFIX, "bytes received before the reset")
    ctx.expect(received == b"x" * PREFIX, "the bytes before the reset are not the peer's")
