"""Shared by the ``run_twisted`` bodies of the sockets scenarios: a buffering stream protocol whose
reads can be awaited, a bound on every wait, and the peer certificate as ``getpeercert()`` shows it.

Twisted is imported inside the functions: a helper module, like a scenario, imports only the standard
library at its top.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

_classes: dict[str, Any] = {}


def within(seconds: float, awaitable: Any) -> Any:
    """``awaitable`` (a Deferred, or a coroutine driven by ``Deferred.fromCoroutine``) as a Deferred
    cancelled after ``seconds``: it then fails with ``twisted.internet.defer.TimeoutError``."""
    from twisted.internet import defer, reactor

    deferred = (defer.Deferred.fromCoroutine(awaitable) if isinstance(awaitable, Coroutine)
                else awaitable)
    return deferred.addTimeout(seconds, reactor)


def stream() -> Any:
    """A new :class:`Stream` protocol (the class is made on first use)."""
    if "Stream" not in _classes:
        _classes["Stream"] = _make_stream_class()
    return _classes["Stream"]()


def _make_stream_class() -> type:
    from twisted.internet import defer, error, interfaces, protocol
    from twisted.python.failure import Failure
    from zope.interface import implementer

    @implementer(interfaces.IHalfCloseableProtocol, interfaces.IHandshakeListener)
    class Stream(protocol.Protocol):
        """Buffers what arrives; ``read_*`` wait for it. The peer's FIN is EOF (``readConnectionLost``,
        the connection staying open for writing); a connection lost with any reason but
        ``ConnectionDone`` makes the reads raise that reason, as Twisted reports it."""

        def __init__(self) -> None:
            self.buffer = bytearray()
            self.eof = False
            self.reason: Failure | None = None
            self.handshaken = False  # TLS: handshakeCompleted was called
            self.closed: defer.Deferred[None] = defer.Deferred()  # connectionLost
            self._waiters: list[defer.Deferred[None]] = []

        # -- IProtocol, IHalfCloseableProtocol, IHandshakeListener --------------------------------
        def dataReceived(self, data: bytes) -> None:
            self.buffer.extend(data)
            self._wake()

        def readConnectionLost(self) -> None:
            self.eof = True
            self._wake()

        def writeConnectionLost(self) -> None:
            pass

        def handshakeCompleted(self) -> None:
            self.handshaken = True
            self._wake()

        def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
            self.eof = True
            self.reason = reason
            self._wake()
            self.closed.callback(None)

        # -- awaitable reads ---------------------------------------------------------------------
        def _wake(self) -> None:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.called:  # a cancelled wait has already fired
                    waiter.callback(None)

        def _changed(self) -> defer.Deferred[None]:
            waiter: defer.Deferred[None] = defer.Deferred()
            self._waiters.append(waiter)
            return waiter

        def _raise_if_lost(self) -> None:
            if self.reason is not None and not self.reason.check(error.ConnectionDone):
                self.reason.raiseException()

        async def handshake(self) -> None:
            """Wait for the TLS handshake (and Twisted's verification of the peer) to complete;
            raise the reason the connection was lost with if it never does."""
            while not self.handshaken and self.reason is None:
                await self._changed()
            if not self.handshaken:
                assert self.reason is not None
                self.reason.raiseException()

        async def read_some(self, size: int = 65536) -> bytes:
            """Up to ``size`` bytes once any are there; ``b""`` at EOF."""
            while not self.buffer and not self.eof:
                await self._changed()
            if not self.buffer:
                self._raise_if_lost()
            return self._take(size)

        async def read_exactly(self, size: int) -> bytes:
            """``size`` bytes, or fewer if EOF comes first."""
            while len(self.buffer) < size and not self.eof:
                await self._changed()
            if len(self.buffer) < size:
                self._raise_if_lost()
            return self._take(size)

        async def read_until(self, separator: bytes) -> bytes:
            """Up to and including ``separator``, or what came before EOF."""
            while separator not in self.buffer and not self.eof:
                await self._changed()
            end = self.buffer.find(separator)
            if end < 0:
                self._raise_if_lost()
                return self._take(len(self.buffer))
            return self._take(end + len(separator))

        async def read_to_eof(self) -> bytes:
            while not self.eof:
                await self._changed()
            self._raise_if_lost()
            return self._take(len(self.buffer))

        def _take(self, size: int) -> bytes:
            result = bytes(self.buffer[:size])
            del self.buffer[:size]
            return result

        async def close(self, timeout_s: float = 5.0) -> None:
            """``loseConnection()`` (after what is buffered is written), and wait for
            ``connectionLost``: the descriptor is closed when this returns."""
            if self.transport is not None and not self.closed.called:
                # ITransport.loseConnection is a zope.interface method, declared without self: mypy
                # reads it right only through the mypy-zope plugin
                self.transport.loseConnection()  # type: ignore[misc]
            await within(timeout_s, self.closed)

    return Stream


def peer_certificate(transport: Any) -> dict[str, Any]:
    """The verified peer certificate of a TLS transport (``ISSLTransport.getPeerCertificate``, a
    pyOpenSSL X509) as the standard library's ``getpeercert()`` shows its subjectAltName."""
    from cryptography import x509

    cert = transport.getPeerCertificate()
    if cert is None:
        return {}
    try:
        names = cert.to_cryptography().extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return {"subjectAltName": ()}
    return {"subjectAltName": (
        *(("DNS", name) for name in names.get_values_for_type(x509.DNSName)),
        *(("IP Address", str(ip)) for ip in names.get_values_for_type(x509.IPAddress)),
    )}
