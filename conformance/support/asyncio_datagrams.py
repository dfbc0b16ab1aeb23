"""An asyncio datagram endpoint whose datagrams can be awaited, for asyncio bodies (imports asyncio at
its top: a body imports it inside ``run_asyncio``)."""

from __future__ import annotations

import asyncio

__all__ = ["Datagrams"]


class Datagrams(asyncio.DatagramProtocol):
    """Queues each datagram with its sender, and keeps the errors the endpoint receives (an ICMP error
    reported for an earlier send)."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()
        self.errors: list[Exception] = []

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait((data, addr))

    def error_received(self, exc: Exception) -> None:
        self.errors.append(exc)

    async def receive(self, timeout_s: float) -> tuple[bytes, tuple[str, int]]:
        """The next datagram and its sender; ``asyncio.TimeoutError`` after ``timeout_s``."""
        return await asyncio.wait_for(self.received.get(), timeout_s)
