"""Twisted byte streams a ``run_twisted`` body can await: a connection's protocol, a pipe, a TLS peer.

- :class:`Waiters`: what the awaitable protocols here build on: a coroutine awaits the next change of
  the protocol's state;
- :class:`Stream`: a buffering protocol (``endpoints.connectProtocol(endpoint, Stream())``) whose reads
  are awaited: ``read_some``, ``read_exactly``, ``read_until``, ``read_to_eof``, the TLS ``handshake``,
  and ``close``;
- :class:`PipeReader` and :func:`read_pipe_to_eof`: a pipe or FIFO read to EOF on the reactor, the
  way a Twisted user does;
- :func:`peer_certificate`: the verified peer certificate of a TLS transport as the standard library's
  ``getpeercert()`` shows its subjectAltName.

Twisted is imported at the top: a body imports this module inside itself, once the runtime has
installed its reactor. The reactor itself is looked up where it is used, so that importing the module
never installs the default reactor.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from twisted.internet import abstract, defer, error, fdesc, interfaces, protocol
from twisted.python.failure import Failure
from zope.interface import implementer

from conformance.support.net import within_twisted

__all__ = ["PipeReader", "Stream", "Waiters", "peer_certificate", "read_pipe_to_eof"]


class Waiters:
    """The coroutines waiting for a protocol's state to change: ``await self._changed()`` in a loop that
    tests the state, and ``self._wake()`` from the protocol's callbacks once it has changed. A waiter
    cancelled meanwhile (a timeout around the read) is skipped."""

    def __init__(self) -> None:
        self._waiters: list[defer.Deferred[None]] = []

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.called:  # a cancelled wait has already fired
                waiter.callback(None)

    def _changed(self) -> defer.Deferred[None]:
        waiter: defer.Deferred[None] = defer.Deferred()
        self._waiters.append(waiter)
        return waiter


@implementer(interfaces.IHalfCloseableProtocol, interfaces.IHandshakeListener)
class Stream(Waiters, protocol.Protocol):
    """Buffers what arrives; ``read_*`` wait for it. The peer's FIN is EOF (``readConnectionLost``, the
    connection staying open for writing); a connection lost with any reason but ``ConnectionDone``
    makes the reads raise that reason, as Twisted reports it.

    The reads wait without a bound of their own: a body bounds them (``within_twisted``)."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = bytearray()
        self.eof = False
        self.reason: Failure | None = None
        self.handshaken = False  # TLS: handshakeCompleted was called
        self.closed: defer.Deferred[None] = defer.Deferred()  # connectionLost

    # -- IProtocol, IHalfCloseableProtocol, IHandshakeListener ------------------------------------------
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

    # -- awaitable reads -------------------------------------------------------------------------------
    def _raise_if_lost(self) -> None:
        if self.reason is not None and not self.reason.check(error.ConnectionDone):
            self.reason.raiseException()

    async def handshake(self) -> None:
        """Wait for the TLS handshake (and Twisted's verification of the peer) to complete; raise the
        reason the connection was lost with if it never does."""
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
        """Everything until EOF."""
        while not self.eof:
            await self._changed()
        self._raise_if_lost()
        return self._take(len(self.buffer))

    async def lost(self) -> None:
        """Wait for ``connectionLost``; raise the reason unless the connection ended cleanly. Twisted
        tells a writer of a broken connection this way: its ``transport.write`` never raises."""
        await self.closed
        self._raise_if_lost()

    def _take(self, size: int) -> bytes:
        result = bytes(self.buffer[:size])
        del self.buffer[:size]
        return result

    async def close(self, timeout_s: float = 5.0) -> None:
        """``loseConnection()`` (after what is buffered is written), and wait for ``connectionLost``:
        the descriptor is closed when this returns."""
        if self.transport is not None and not self.closed.called:
            # ITransport.loseConnection is a zope.interface method, declared without self: mypy reads it
            # right only through the mypy-zope plugin
            self.transport.loseConnection()  # type: ignore[misc]
        await within_twisted(timeout_s, self.closed)


class PipeReader(abstract.FileDescriptor):
    """Reads ``pipe`` until EOF with the public ``abstract.FileDescriptor``: its ``doRead`` is
    ``fdesc.readFromFD`` on the non-blocking descriptor (``fdesc.setNonBlocking``), registered with the
    reactor by ``startReading`` (``reactor.addReader``); ``twisted.internet.process.ProcessReader`` does
    the same but is private. ``done`` fires with every byte read, or with the failure that ended the
    read; either way the reader leaves the reactor and closes ``pipe`` (it owns it). Cancelling ``done``
    (``addTimeout``) stops the read and closes the pipe."""

    def __init__(self, pipe: BinaryIO, reactor: Any) -> None:
        super().__init__(reactor)
        self._pipe = pipe
        self._fd = pipe.fileno()
        self._received = bytearray()
        self.done: defer.Deferred[bytes] = defer.Deferred(
            lambda _: self.connectionLost(Failure(defer.CancelledError())))
        fdesc.setNonBlocking(self._fd)
        self.connected = 1

    def fileno(self) -> int:
        return self._fd

    def doRead(self) -> Any:
        # None while the pipe is empty (EAGAIN), CONNECTION_DONE at EOF, CONNECTION_LOST on error.
        # Looked up on the module at each read: a runtime may have replaced it.
        return fdesc.readFromFD(self._fd, self._received.extend)

    def connectionLost(self, reason: Failure) -> None:
        if self.disconnected:
            return
        super().connectionLost(reason)  # stops reading: the reactor forgets the descriptor
        self._pipe.close()
        self._fd = -1
        if not self.done.called:
            if reason.check(error.ConnectionDone):
                self.done.callback(bytes(self._received))
            else:
                self.done.errback(reason)


def read_pipe_to_eof(pipe: BinaryIO, timeout_s: float) -> defer.Deferred[bytes]:
    """Start reading ``pipe`` (a file object over a pipe or FIFO; the reader closes it) on the running
    reactor; return a Deferred that fires with its bytes at EOF, or fails with
    ``twisted.internet.defer.TimeoutError`` (and closes the pipe) after ``timeout_s``."""
    from twisted.internet import reactor

    reader = PipeReader(pipe, reactor)
    reader.startReading()
    return reader.done.addTimeout(timeout_s, reactor)


def peer_certificate(transport: Any) -> dict[str, Any]:
    """The verified peer certificate of a TLS transport (``ISSLTransport.getPeerCertificate``, a
    pyOpenSSL X509) as the standard library's ``getpeercert()`` shows its subjectAltName."""
    # cryptography comes with Twisted's [tls] extra; imported here, for the TLS bodies alone
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
