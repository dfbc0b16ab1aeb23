"""The twisted sabotages: the ``twisted`` runtime (the platform's default reactor), with one of
Twisted's internals patched in ``setup()`` once the reactor is installed (its TCP connection and pipe
readers, its UDP port, its thread pool entry, its timers, its process class, its name resolver).

Imported by the child before the runtime is set up: Twisted is imported in ``setup()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance._runtimes import Runtime, get_runtime

from . import BASES, __version__
from ._common import POOL_LIMIT, SHELL, ignore_signal, invert_first, reap_exited

BASE = BASES["twisted"]
# How long the readers sabotage's reactor blocks before each read of a TCP connection.
READER_WAIT_S = 0.35


def setup(runtime: Runtime) -> str:
    base = get_runtime(BASE)
    base.family_module().setup(base)
    DEFECTS[runtime.name.rsplit("-", 1)[1]]()
    return __version__


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
    base = get_runtime(BASE)
    base.family_module().run(base, body, ctx)


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def _plain(exc: BaseException) -> OSError:
    return OSError(f"{type(exc).__name__}: {exc}")


def _thread_pool_entry(change: Callable[[Any], Any]) -> None:
    """Replace ``deferToThreadPool`` (what deferToThread, adbapi and the GAIResolver call) with
    ``change(the real one)``."""
    from twisted.internet import _resolver, threads

    replacement = change(threads.deferToThreadPool)
    threads.deferToThreadPool = replacement
    _resolver.deferToThreadPool = replacement  # type: ignore[attr-defined]  # its own import of it


def _data() -> None:
    from twisted.internet import fdesc, tcp, udp

    real_received, real_write = tcp.Connection._dataReceived, udp.Port.write
    real_read: Any = fdesc.readFromFD

    def _dataReceived(self: Any, data: bytes | None) -> Any:
        return real_received(self, invert_first(data) if data else data)

    def readFromFD(fd: int, callback: Callable[[bytes], Any]) -> Any:
        return real_read(fd, lambda data: callback(invert_first(data)))

    def write(self: Any, datagram: bytes, addr: Any = None) -> None:
        if datagram:  # an empty datagram has nothing to send
            real_write(self, invert_first(datagram), addr)

    tcp.Connection._dataReceived = _dataReceived  # type: ignore[method-assign]
    fdesc.readFromFD = readFromFD
    udp.Port.write = write  # type: ignore[method-assign]


def _errors() -> None:
    from twisted.internet import error, tcp
    from twisted.python import failure as failures

    failure: Any = failures  # Twisted's Failure and its errors are not annotated

    real_failed: Any = tcp.BaseClient.failIfNotConnected
    real_lost = tcp.Connection.connectionLost

    def failIfNotConnected(self: Any, err: Any) -> Any:
        if isinstance(err, error.ConnectError) and type(err) is not error.ConnectError:
            err = error.ConnectError(string=str(err))  # type: ignore[no-untyped-call]
        return real_failed(self, err)

    def connectionLost(self: Any, reason: Any) -> None:
        if reason.check(error.ConnectionLost):
            reason = failure.Failure(error.ConnectionDone())
        real_lost(self, reason)

    def plain(real: Callable[..., Any]) -> Callable[..., Any]:
        def deferToThreadPool(*args: Any, **kwargs: Any) -> Any:
            def change(reason: Any) -> Any:
                return failure.Failure(_plain(reason.value)) if isinstance(reason.value, Exception) \
                    else reason
            return real(*args, **kwargs).addErrback(change)
        return deferToThreadPool

    from twisted.internet import process

    real_writer_lost = process.ProcessWriter.connectionLost

    def writerLost(self: Any, reason: Any) -> None:
        # A child's stdin whose reader has gone is taken for open: the loss the reactor or a failed
        # write reports is dropped (and with it what was written); only the program's own close counts.
        if self.disconnecting:
            real_writer_lost(self, reason)
        else:
            self.stopReading()
            self.stopWriting()
            self.dataBuffer, self._tempDataBuffer, self._tempDataLen, self.offset = b"", [], 0, 0

    tcp.BaseClient.failIfNotConnected = failIfNotConnected  # type: ignore[method-assign]
    tcp.Connection.connectionLost = connectionLost  # type: ignore[method-assign]
    process.ProcessWriter.connectionLost = writerLost  # type: ignore[method-assign]
    _thread_pool_entry(plain)


def _abort() -> None:
    import socket
    import struct

    from twisted.internet import tcp

    def _closeSocket(self: Any, orderly: bool) -> None:
        # no shutdown first, and SO_LINGER on with timeout 0: the close resets the connection
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.socket.close()

    tcp.Connection._closeSocket = _closeSocket  # type: ignore[method-assign]


def _cancel() -> None:
    from twisted.internet import defer
    from twisted.python import failure as failures

    failure: Any = failures

    real = defer.Deferred.fromCoroutine

    def cancelled_as_error(reason: Any) -> Any:
        if reason.check(defer.CancelledError):
            return failure.Failure(RuntimeError("the coroutine was stopped"))
        return reason

    def fromCoroutine(cls: Any, coroutine: Any) -> Any:
        return real(coroutine).addErrback(cancelled_as_error)

    defer.Deferred.fromCoroutine = classmethod(fromCoroutine)  # type: ignore[method-assign, assignment]


def _inline() -> None:
    from twisted.internet import defer

    def inline(real: Callable[..., Any]) -> Callable[..., Any]:
        def deferToThreadPool(reactor: Any, pool: Any, f: Any, *args: Any, **kwargs: Any) -> Any:
            return defer.maybeDeferred(f, *args, **kwargs)
        return deferToThreadPool

    def callInThread(f: Any, *args: Any, **kwargs: Any) -> None:
        f(*args, **kwargs)

    _thread_pool_entry(inline)
    _reactor().callInThread = callInThread


def _pool() -> None:
    waiting = [0]

    def limited(real: Callable[..., Any]) -> Callable[..., Any]:
        def deferToThreadPool(*args: Any, **kwargs: Any) -> Any:
            if waiting[0] >= POOL_LIMIT:
                raise RuntimeError(f"the thread pool is full: {waiting[0]} jobs are waiting")
            waiting[0] += 1

            def done(result: Any) -> Any:
                waiting[0] -= 1
                return result
            return real(*args, **kwargs).addBoth(done)
        return deferToThreadPool

    _thread_pool_entry(limited)


def _timers() -> None:
    reactor = _reactor()
    real = reactor.callLater

    def callLater(delay: float, callable: Any, *args: Any, **kwargs: Any) -> Any:
        return real(delay / 2, callable, *args, **kwargs)

    reactor.callLater = callLater


def _spawn_process(change: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> None:
    """Replace ``reactor.spawnProcess`` with one that passes ``(executable, args)`` through ``change``."""
    reactor = _reactor()
    real = reactor.spawnProcess

    def spawnProcess(protocol: Any, executable: Any, args: Any = (), *more: Any, **kwargs: Any) -> Any:
        executable, args = change((executable, tuple(args)))
        return real(protocol, executable, args, *more, **kwargs)

    reactor.spawnProcess = spawnProcess


def _signals() -> None:
    import signal

    from twisted.python import threadable as threadables

    threadable: Any = threadables
    reactor = _reactor()
    real_call, real_iteration = reactor.callFromThread, reactor.doIteration
    spawned: list[tuple[Any, ...]] = []

    def callFromThread(f: Any, *args: Any, **kwargs: Any) -> None:
        if not threadable.isInIOThread():
            real_call(f, *args, **kwargs)

    def doIteration(delay: float | None) -> None:
        # Its SIGCHLD handler goes back in place on every turn once it has a child to watch.
        if spawned and signal.getsignal(signal.SIGCHLD) is not ignore_signal:
            signal.signal(signal.SIGCHLD, ignore_signal)
        real_iteration(delay)

    def note(command: tuple[Any, ...]) -> tuple[Any, ...]:
        spawned.append(command)
        return command

    reactor.callFromThread = callFromThread
    reactor.doIteration = doIteration
    _spawn_process(note)


def _resolver() -> None:
    import socket

    from twisted.internet._resolver import GAIResolver

    from . import _dns

    def getaddrinfo(*args: Any) -> Any:
        try:
            return _dns.getaddrinfo(socket.getaddrinfo, *args)
        except UnicodeError as exc:  # what GAIResolver knows as a failed lookup
            raise socket.gaierror(socket.EAI_FAIL, str(exc)) from None

    reactor = _reactor()
    reactor.installNameResolver(GAIResolver(reactor, getaddrinfo=getaddrinfo))  # type: ignore[arg-type]


def _spawn() -> None:
    import os

    from twisted.internet import error as errors
    from twisted.internet import process

    error: Any = errors
    real_reason = process.Process._getReason

    def through_shell(command: tuple[Any, ...]) -> tuple[Any, ...]:
        executable, args = command
        return SHELL[0], (*SHELL, executable, *args[1:])

    def _getReason(self: Any, status: int) -> BaseException:
        if os.WIFSIGNALED(status):
            terminated: BaseException = error.ProcessTerminated(128 + os.WTERMSIG(status), None, status)
            return terminated
        return real_reason(self, status)

    _spawn_process(through_shell)
    process.Process._getReason = _getReason  # type: ignore[method-assign]


def _reaper() -> None:
    from twisted.internet import process

    processes: Any = process
    real = processes.reapAllProcesses

    def reapAllProcesses() -> None:
        real()
        for pid, status in reap_exited():  # and every other child of the process, as libev's does
            handler = processes.reapProcessHandlers.get(pid)
            if handler is not None:
                processes.unregisterReapProcessHandler(pid, handler)
                handler.processEnded(status)

    processes.reapAllProcesses = reapAllProcesses


def _nodelay() -> None:
    import socket

    from twisted.internet import tcp

    real_init = tcp.Connection.__init__

    def __init__(self: Any, skt: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, skt, *args, **kwargs)
        if skt.family in (socket.AF_INET, socket.AF_INET6):
            # Nagle off on every TCP connection, made or adopted, over whatever the program chose
            skt.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    tcp.Connection.__init__ = __init__  # type: ignore[method-assign]


def _badfd() -> None:
    reactor = _reactor()
    real_add_reader, real_add_writer = reactor.addReader, reactor.addWriter

    def ignoring_refusal(real: Callable[[Any], Any]) -> Callable[[Any], None]:
        def add(selectable: Any) -> None:
            try:
                real(selectable)
            except OSError:
                pass  # the poller refused the descriptor (a closed one): nobody is told
        return add

    reactor.addReader = ignoring_refusal(real_add_reader)
    reactor.addWriter = ignoring_refusal(real_add_writer)


def _serial() -> None:
    import functools

    from twisted.internet import endpoints

    real_init = endpoints.HostnameEndpoint.__init__

    @functools.wraps(real_init)  # the signature the program probes stays Twisted's
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        # attemptDelay ignored: the next attempt starts when the one before has timed out
        self._attemptDelay = self._timeout

    endpoints.HostnameEndpoint.__init__ = __init__  # type: ignore[method-assign]


def _readers() -> None:
    """The reactor batches reads: each TCP connection's doRead runs after a blocking wait on the reactor's
    own thread."""
    import time

    from twisted.internet import tcp

    real_read = tcp.Connection.doRead

    def doRead(self: Any) -> Any:
        time.sleep(READER_WAIT_S)
        return real_read(self)

    tcp.Connection.doRead = doRead  # type: ignore[method-assign]


def _nocancel() -> None:
    """A Deferred without cancellation: cancel() fails it with CancelledError and never calls its
    canceller, so the work it stands for (a request, a connection attempt) goes on."""
    from twisted.internet import defer

    def cancel(self: Any) -> None:
        if not self.called:
            self.errback(defer.CancelledError())

    defer.Deferred.cancel = cancel  # type: ignore[method-assign]


DEFECTS: dict[str, Callable[[], None]] = {
    "badfd": _badfd,
    "nocancel": _nocancel,
    "readers": _readers,
    "data": _data,
    "errors": _errors,
    "abort": _abort,
    "cancel": _cancel,
    "inline": _inline,
    "pool": _pool,
    "timers": _timers,
    "signals": _signals,
    "resolver": _resolver,
    "spawn": _spawn,
    "reaper": _reaper,
    "nodelay": _nodelay,
    "serial": _serial,
}
