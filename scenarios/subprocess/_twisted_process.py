"""Shared by the ``run_twisted`` bodies of the subprocess scenarios: a ``ProcessProtocol`` whose
output, exit and end can be awaited, a reader for a pipe the parent made itself, and a bound on every
wait.

Twisted is imported inside the functions: a helper module, like a scenario, imports only the standard
library at its top.
"""

from __future__ import annotations

import os
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

_classes: dict[str, Any] = {}


def within(seconds: float, awaitable: Any) -> Any:
    """``awaitable`` (a Deferred, or a coroutine driven by ``Deferred.fromCoroutine``) as a Deferred
    cancelled after ``seconds``: it then fails with ``twisted.internet.defer.TimeoutError``."""
    from twisted.internet import defer, reactor

    deferred = (defer.Deferred.fromCoroutine(awaitable) if isinstance(awaitable, Coroutine)
                else awaitable)
    return deferred.addTimeout(seconds, reactor)


def returncode(reason: Any) -> int | None:
    """``Popen.returncode`` from the reason ``processExited``/``processEnded`` get: ``ProcessDone`` is
    0, ``ProcessTerminated`` is ``-signal`` when a signal ended the child, else its ``exitCode``."""
    value = reason.value
    signum: int | None = getattr(value, "signal", None)
    code: int | None = -signum if signum is not None else value.exitCode
    return code


def spawn(command: Sequence[str], *, childFDs: Mapping[int, int | str] | None = None,
          env: Mapping[str, str] | None = None, path: str | None = None, **options: Any) -> Any:
    """``reactor.spawnProcess`` of ``command`` with a new :class:`Child` protocol, which it returns.
    ``env`` defaults to ``os.environ`` (what ``subprocess`` hands on); ``options`` go to spawnProcess
    as they are (a keyword a body has probed for)."""
    from twisted.internet import reactor

    if "Child" not in _classes:
        _classes["Child"] = _make_child_class()
    child = _classes["Child"]()
    # IReactorProcess.spawnProcess is a zope.interface method, declared without self: mypy reads such
    # methods right only through the mypy-zope plugin, and takes the first argument for self.
    reactor.spawnProcess(child, command[0], tuple(command),  # type: ignore[misc, arg-type]
                         env=os.environ if env is None else env, path=path, childFDs=childFDs,
                         **options)
    return child


def pipe_reader(fd: int) -> Any:
    """Read the parent's end ``fd`` of a pipe until EOF on the reactor; ``.done`` fires with all the
    bytes, and ``fd`` is closed then."""
    if "PipeReader" not in _classes:
        _classes["PipeReader"] = _make_pipe_reader_class()
    return _classes["PipeReader"](fd)


def _make_child_class() -> type:
    from twisted.internet import defer, error, protocol
    from twisted.python.failure import Failure

    class Child(protocol.ProcessProtocol):
        """Buffers what arrives on each of the child's descriptors; ``read_*`` and ``wait_*`` wait for
        it. ``exit_status`` is set at ``processExited`` (the child has exited and been reaped),
        ``returncode`` at ``processEnded`` (and every pipe to it has been closed as well)."""

        def __init__(self) -> None:
            self.pid: int | None = None
            self.output: dict[int, bytearray] = {}
            self.eof: set[int] = set()
            self.exit_status: int | None = None
            self.returncode: int | None = None
            self.exited = False
            self.ended = False
            self._waiters: list[defer.Deferred[None]] = []

        # -- IProcessProtocol ---------------------------------------------------------------------
        def connectionMade(self) -> None:
            # Twisted sets the transport (Optional on ProcessProtocol) before it calls connectionMade
            self.pid = self.transport.pid  # type: ignore[union-attr]

        def childDataReceived(self, childFD: int, data: bytes) -> None:
            self.output.setdefault(childFD, bytearray()).extend(data)
            self._wake()

        def childConnectionLost(self, childFD: int) -> None:
            self.eof.add(childFD)
            self._wake()

        def processExited(self, reason: Failure) -> None:
            self.exited = True
            self.exit_status = returncode(reason)
            self._wake()

        def processEnded(self, reason: Failure) -> None:
            self.ended = True
            self.returncode = returncode(reason)
            self._wake()

        # -- awaitable reads and waits --------------------------------------------------------------
        def _wake(self) -> None:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.called:  # a cancelled wait has already fired
                    waiter.callback(None)

        def _changed(self) -> defer.Deferred[None]:
            waiter: defer.Deferred[None] = defer.Deferred()
            self._waiters.append(waiter)
            return waiter

        async def readline(self, childFD: int = 1) -> bytes:
            """One line from the child's ``childFD``, with its newline; what is left at EOF."""
            buffer = self.output.setdefault(childFD, bytearray())
            while b"\n" not in buffer and childFD not in self.eof:
                await self._changed()
            end = buffer.find(b"\n") + 1 or len(buffer)
            line = bytes(buffer[:end])
            del buffer[:end]
            return line

        async def read_to_eof(self, childFD: int = 1) -> bytes:
            """Everything still unread from the child's ``childFD`` once its pipe is closed."""
            while childFD not in self.eof:
                await self._changed()
            buffer = self.output.setdefault(childFD, bytearray())
            data = bytes(buffer)
            buffer.clear()
            return data

        async def wait_exited(self) -> int | None:
            """``processExited``: the child has exited (its pipes may still be held open)."""
            while not self.exited:
                await self._changed()
            return self.exit_status

        async def wait_ended(self) -> int | None:
            """``processEnded``: the child has exited and all its pipes are closed."""
            while not self.ended:
                await self._changed()
            return self.returncode

        def kill(self) -> None:
            """SIGKILL the child unless it has already exited (clean-up)."""
            if not self.exited:
                try:
                    # set since connectionMade; signalProcess is a zope.interface method (no self),
                    # which mypy reads right only through mypy-zope (see spawn above)
                    self.transport.signalProcess("KILL")  # type: ignore[union-attr, call-arg, misc]
                except error.ProcessExitedAlready:
                    pass

    return Child


def _make_pipe_reader_class() -> type:
    from twisted.internet import abstract, defer, fdesc, reactor
    from twisted.python.failure import Failure

    class PipeReader(abstract.FileDescriptor):
        def __init__(self, fd: int) -> None:
            super().__init__(reactor)
            self._fd = fd
            self.data = bytearray()
            self.done: defer.Deferred[bytes] = defer.Deferred()
            fdesc.setNonBlocking(fd)
            self.startReading()

        def fileno(self) -> int:
            return self._fd

        def doRead(self) -> Any:
            return fdesc.readFromFD(self._fd, self.data.extend)

        def connectionLost(self, reason: Failure) -> None:
            super().connectionLost(reason)
            os.close(self._fd)
            self._fd = -1
            self.done.callback(bytes(self.data))

    return PipeReader
