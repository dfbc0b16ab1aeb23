"""Twisted child processes a ``run_twisted`` body can await, and how their end reads as a return code.

- :func:`returncode`: the ``Popen.returncode`` a child's end gives (the one rule, below);
- :class:`Child`: a ``ProcessProtocol`` that buffers what arrives on each of the child's descriptors;
  its lines, output, exit and end are awaited (``readline``, ``read_to_eof``, ``wait_exited``,
  ``wait_ended``);
- :func:`spawn`: ``reactor.spawnProcess`` of a command with a new :class:`Child`, returned.

The return-code rule. Twisted ends a child with a Failure whose value is ``ProcessDone`` (exit status
0) or ``ProcessTerminated``, which carries ``exitCode`` (the status it exited with, or None) and
``signal`` (the signal that killed it, or None). The scenarios compare what each style reports with
the reference, ``subprocess``, whose ``returncode`` is the exit status, or ``-N`` for a child killed by
signal N. So the code is ``-signal`` where a signal ended the child and ``exitCode`` otherwise (0 for
``ProcessDone``). ``exitCode`` alone would read every child a signal killed as None: a SIGKILL, a
SIGTERM and a crash would look alike, and none like what ``subprocess`` says, so that a style could
not be compared with the reference on a killed child.

Twisted is imported at the top: a body imports this module inside itself, once the runtime has
installed its reactor. The reactor itself is looked up where it is used, so that importing the module
never installs the default reactor.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from twisted.internet import error, protocol
from twisted.python.failure import Failure

from conformance.support.twisted_streams import Waiters

__all__ = ["Child", "returncode", "spawn"]


def returncode(reason: Failure) -> int | None:
    """``Popen.returncode`` from the reason ``processExited``/``processEnded`` get: ``-signal`` where a
    signal ended the child (``ProcessTerminated.signal``), else its exit status (``exitCode``: 0 for
    ``ProcessDone``). None only for a reason that is neither (Twisted gives none such)."""
    value = reason.value
    signum: int | None = getattr(value, "signal", None)
    if signum is not None:
        return -signum
    code: int | None = getattr(value, "exitCode", None)
    return code


class Child(Waiters, protocol.ProcessProtocol):
    """Buffers what arrives on each of the child's descriptors; ``read_*`` and ``wait_*`` wait for it.
    ``exit_status`` is set at ``processExited`` (the child has exited and been reaped), ``returncode``
    at ``processEnded`` (and every pipe to it has been closed as well), both by :func:`returncode`.

    The waits have no bound of their own: a body bounds them (``within_twisted``)."""

    # The process transport (IProcessTransport: write, closeStdin, signalProcess), set by spawnProcess
    # before connectionMade. Any, not ProcessProtocol's Optional[IProcessTransport]: its methods are
    # zope.interface methods declared without self, which mypy reads right only through the mypy-zope
    # plugin, so that every call of one through the interface would need an ignore.
    transport: Any

    def __init__(self) -> None:
        super().__init__()
        self._pid: int | None = None
        self.output: dict[int, bytearray] = {}
        self.eof: set[int] = set()
        self.exit_status: int | None = None
        self.returncode: int | None = None
        self.exited = False
        self.ended = False

    @property
    def pid(self) -> int:
        """The child's process id, from the spawn on (kept after the child is reaped, when the
        transport's own ``pid`` becomes None)."""
        if self._pid is None:
            raise RuntimeError("the child has not been spawned yet (no connectionMade)")
        return self._pid

    # -- IProcessProtocol ------------------------------------------------------------------------------
    def connectionMade(self) -> None:
        self._pid = self.transport.pid

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

    # -- awaitable reads and waits ---------------------------------------------------------------------
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
                self.transport.signalProcess("KILL")
            except error.ProcessExitedAlready:
                pass


def spawn(command: Sequence[str], *, childFDs: Mapping[int, int | str] | None = None,
          env: Mapping[str, str] | None = None, path: str | None = None, **options: Any) -> Child:
    """``reactor.spawnProcess`` of ``command`` with a new :class:`Child` protocol, which it returns.
    ``childFDs`` defaults to Twisted's (pipes to the child's 0, 1 and 2); ``env`` to ``os.environ``
    (what ``subprocess`` hands on); ``options`` go to spawnProcess as they are (a keyword a body has
    probed for)."""
    from twisted.internet import reactor

    child = Child()
    # IReactorProcess.spawnProcess is a zope.interface method, declared without self: mypy reads such
    # methods right only through the mypy-zope plugin, and takes the first argument for self.
    reactor.spawnProcess(child, command[0], tuple(command),  # type: ignore[misc, arg-type]
                         env=os.environ if env is None else env, path=path, childFDs=childFDs,
                         **options)
    return child
