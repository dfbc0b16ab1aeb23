"""A Twisted UDP protocol whose datagrams can be awaited, for Twisted bodies (imports Twisted at its top:
a body imports it inside ``run_twisted``, after the reactor is installed)."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, protocol

__all__ = ["Datagrams", "stop_listening"]


class Datagrams(protocol.DatagramProtocol):
    """Queues each datagram with its sender. ``send`` writes through the transport the reactor set
    (``listenUDP``, ``adoptDatagramPort``)."""

    def __init__(self) -> None:
        self.received: defer.DeferredQueue[tuple[bytes, tuple[str, int]]] = defer.DeferredQueue()

    def datagramReceived(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put((data, addr))

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        # The transport is set by the reactor (Optional on the protocol), and IUDPTransport.write is a
        # zope.interface method, declared without self: mypy reads it right only through mypy-zope.
        self.transport.write(data, addr)  # type: ignore[union-attr, call-arg, arg-type, misc]

    async def receive(self, timeout_s: float, reactor: Any) -> tuple[bytes, tuple[str, int]]:
        """The next datagram and its sender; ``defer.TimeoutError`` after ``timeout_s``."""
        return await self.received.get().addTimeout(timeout_s, reactor)


async def stop_listening(port: Any, timeout_s: float, reactor: Any) -> None:
    """Stop a UDP port and wait until it has (``stopListening`` returns a Deferred, or None when the
    port was not listening any more)."""
    await defer.maybeDeferred(port.stopListening).addTimeout(timeout_s, reactor)

