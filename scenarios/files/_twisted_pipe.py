"""Shared by the twisted bodies of files.fifo_slow_writer, files.pipe_cooperative_read and
files.no_fd_leaks: reading a pipe or a FIFO to EOF the way a Twisted user does, with a subclass of the
public ``twisted.internet.abstract.FileDescriptor`` whose ``doRead`` is ``fdesc.readFromFD`` on the
non-blocking descriptor (``fdesc.setNonBlocking``), registered with the reactor by ``startReading``
(``reactor.addReader``). ``twisted.internet.process.ProcessReader`` does the same but is private."""

from __future__ import annotations

import functools
from typing import Any, BinaryIO


@functools.cache
def _reader_class() -> type:
    from twisted.internet import abstract, defer, error, fdesc
    from twisted.python import failure

    class PipeReader(abstract.FileDescriptor):
        """Reads ``pipe`` until EOF: ``done`` fires with every byte read, or with the failure that ended
        the read; either way the reader leaves the reactor and closes ``pipe`` (it owns it)."""

        def __init__(self, pipe: BinaryIO, reactor: Any) -> None:
            super().__init__(reactor)
            self._pipe = pipe
            self._fd = pipe.fileno()
            self._received = bytearray()
            # Cancelling (addTimeout) stops the read and closes the pipe.
            self.done: defer.Deferred[bytes] = defer.Deferred(
                lambda _: self.connectionLost(failure.Failure(defer.CancelledError())))
            fdesc.setNonBlocking(self._fd)
            self.connected = 1

        def fileno(self) -> int:
            return self._fd

        def doRead(self) -> Any:
            # None while the pipe is empty (EAGAIN), CONNECTION_DONE at EOF, CONNECTION_LOST on error
            return fdesc.readFromFD(self._fd, self._received.extend)

        def connectionLost(self, reason: failure.Failure) -> None:
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

    return PipeReader


def read_to_eof(pipe: BinaryIO, timeout_s: float) -> Any:
    """Start reading ``pipe`` (a file object over a pipe or FIFO; the reader closes it) on the running
    reactor; return a Deferred that fires with its bytes at EOF, or fails with
    ``twisted.internet.defer.TimeoutError`` (and closes the pipe) after ``timeout_s``."""
    from twisted.internet import reactor

    reader = _reader_class()(pipe, reactor)
    reader.startReading()
    return reader.done.addTimeout(timeout_s, reactor)
