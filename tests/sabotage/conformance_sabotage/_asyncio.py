"""The asyncio sabotages: a subclass of the standard library's event loop with one defect, installed in
``setup()`` through an event loop policy (as ``uvloop.install()`` did), and run by the ``asyncio``
runtime's own family, which starts a loop the way ``asyncio.run()`` does: from the policy.

Imported by the child before the runtime is set up: asyncio is imported in ``setup()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance._runtimes import Runtime, get_runtime

from . import BASES, __version__
from ._common import POOL_LIMIT, SHELL, ignore_signal, ignore_sock_nonblock, invert_first, shell_status

BASE = BASES["asyncio"]
# How long the readers sabotage's loop blocks before each reader callback.
READER_WAIT_S = 0.15


def setup(runtime: Runtime) -> str:
    import asyncio

    base = get_runtime(BASE)
    base.family_module().setup(base)
    loop_class = _loop_class(runtime.name.rsplit("-", 1)[1])

    class Policy(asyncio.DefaultEventLoopPolicy):
        _loop_factory = loop_class

    policy = Policy()
    if loop_class.__name__ == "NonBlock":
        # A runtime that patches the socket module under its loop (a green runtime's asyncio hub).
        ignore_sock_nonblock()
    if loop_class.__name__ == "Reaper":
        # asyncio's own FastChildWatcher (3.8 to 3.13): it reaps every child with waitpid(-1) from the
        # loop's SIGCHLD handler, attached when asyncio.run() sets the loop.
        policy.set_child_watcher(asyncio.FastChildWatcher())
    asyncio.set_event_loop_policy(policy)
    return __version__


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
    base = get_runtime(BASE)
    base.family_module().run(base, body, ctx)


def _loop_class(defect: str) -> type:
    import asyncio
    import signal
    import socket
    import struct
    import threading

    from . import _dns

    Loop: Any = asyncio.SelectorEventLoop  # the platform's default loop class

    class Inverting:
        """Stands between a transport and its protocol: what arrives reaches the protocol corrupted."""

        def __init__(self, protocol: Any) -> None:
            self._protocol = protocol

        def __getattr__(self, name: str) -> Any:
            return getattr(self._protocol, name)

        def data_received(self, data: bytes) -> None:
            self._protocol.data_received(invert_first(data))

        def datagram_received(self, data: bytes, address: Any) -> None:
            if data:  # an empty datagram has nothing to deliver
                self._protocol.datagram_received(invert_first(data), address)

    class PlainErrors(Inverting):
        """Hands a connection's error on as a plain OSError (and the data as it is)."""

        def data_received(self, data: bytes) -> None:
            self._protocol.data_received(data)

        def connection_lost(self, exc: BaseException | None) -> None:
            self._protocol.connection_lost(_plain(exc) if isinstance(exc, OSError) else exc)

    def _plain(exc: BaseException) -> OSError:
        return OSError(f"{type(exc).__name__}: {exc}")

    def _chained(source: Any, target: Any, change: Callable[[BaseException], BaseException]) -> Any:
        """Copy ``source``'s outcome to ``target`` (a future), passing an exception through ``change``;
        cancelling ``target`` cancels ``source``."""
        def copy(done: Any) -> None:
            if target.done():
                return
            if done.cancelled():
                target.cancel()
            elif done.exception() is not None:
                target.set_exception(change(done.exception()))
            else:
                target.set_result(done.result())

        source.add_done_callback(copy)
        target.add_done_callback(lambda t: source.cancel() if t.cancelled() else None)
        return target

    class Data(Loop):  # type: ignore[misc]
        def _make_socket_transport(self, sock: Any, protocol: Any, *args: Any, **kwargs: Any) -> Any:
            transport = super()._make_socket_transport(sock, Inverting(protocol), *args, **kwargs)
            handing_on = transport.set_protocol

            def set_protocol(new: Any) -> None:  # a protocol handed the transport later is fed the same way
                handing_on(new if isinstance(new, Inverting) else Inverting(new))

            transport.set_protocol = set_protocol
            return transport

        def _make_read_pipe_transport(self, pipe: Any, protocol: Any, *args: Any, **kwargs: Any) -> Any:
            return super()._make_read_pipe_transport(pipe, Inverting(protocol), *args, **kwargs)

        def _make_datagram_transport(self, sock: Any, protocol: Any, *args: Any, **kwargs: Any) -> Any:
            return super()._make_datagram_transport(sock, Inverting(protocol), *args, **kwargs)

        async def sock_recv(self, sock: Any, size: int) -> bytes:
            return invert_first(await super().sock_recv(sock, size))

        async def sock_recvfrom(self, sock: Any, size: int) -> tuple[bytes, Any]:
            data, address = await super().sock_recvfrom(sock, size)
            return invert_first(data), address

    class Errors(Loop):  # type: ignore[misc]
        def _make_socket_transport(self, sock: Any, protocol: Any, *args: Any, **kwargs: Any) -> Any:
            return super()._make_socket_transport(sock, PlainErrors(protocol), *args, **kwargs)

        async def create_connection(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return await super().create_connection(*args, **kwargs)
            except OSError as exc:
                raise _plain(exc) from None

        def run_in_executor(self, executor: Any, func: Any, *args: Any) -> Any:
            return _chained(super().run_in_executor(executor, func, *args), self.create_future(),
                            lambda exc: _plain(exc) if isinstance(exc, Exception) else exc)

        def _make_write_pipe_transport(self, *args: Any, **kwargs: Any) -> Any:
            transport = super()._make_write_pipe_transport(*args, **kwargs)
            real_write = transport.write

            def write(data: Any) -> None:
                # A transport that checks its handle first: once the pipe's reader has gone, a write
                # raises a RuntimeError of its own instead of reaching drain()'s ConnectionResetError.
                if transport.is_closing():
                    raise RuntimeError(f"unable to perform operation on {transport!r}; the handler is closed")
                real_write(data)

            transport.write = write
            return transport

    class Abort(Loop):  # type: ignore[misc]
        def _make_socket_transport(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
            # SO_LINGER on, timeout 0: closing the transport resets the connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return super()._make_socket_transport(sock, *args, **kwargs)

    class Cancel(Loop):  # type: ignore[misc]
        async def sock_accept(self, sock: Any) -> Any:
            try:
                return await super().sock_accept(sock)
            except asyncio.CancelledError:
                return None, None

    class Inline(Loop):  # type: ignore[misc]
        def run_in_executor(self, executor: Any, func: Any, *args: Any) -> Any:
            future = self.create_future()
            try:
                future.set_result(func(*args))
            except BaseException as exc:
                future.set_exception(exc)
            return future

    class Pool(Loop):  # type: ignore[misc]
        waiting = 0

        def run_in_executor(self, executor: Any, func: Any, *args: Any) -> Any:
            if self.waiting >= POOL_LIMIT:
                raise RuntimeError(f"the executor is full: {self.waiting} jobs are waiting")
            self.waiting += 1
            future = super().run_in_executor(executor, func, *args)
            future.add_done_callback(lambda _: setattr(self, "waiting", self.waiting - 1))
            return future

    class Timers(Loop):  # type: ignore[misc]
        def call_at(self, when: float, callback: Any, *args: Any, **kwargs: Any) -> Any:
            now = self.time()
            return super().call_at(now + (when - now) / 2 if when > now else when, callback, *args,
                                   **kwargs)

    class Signals(Loop):  # type: ignore[misc]
        def add_signal_handler(self, sig: int, callback: Any, *args: Any) -> None:
            signal.signal(sig, ignore_signal)

        def remove_signal_handler(self, sig: int) -> bool:
            signal.signal(sig, signal.SIG_DFL)
            return True

        def run_forever(self) -> None:
            signal.signal(signal.SIGINT, ignore_signal)
            super().run_forever()

        took_sigchld = False

        async def _make_subprocess_transport(self, *args: Any, **kwargs: Any) -> Any:
            self.took_sigchld = True
            return await super()._make_subprocess_transport(*args, **kwargs)

        def _run_once(self) -> None:
            # Its SIGCHLD handler goes back in place on every turn once it has a child to watch.
            if self.took_sigchld and signal.getsignal(signal.SIGCHLD) is not ignore_signal \
                    and threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGCHLD, ignore_signal)
            super()._run_once()

    class Resolver(Loop):  # type: ignore[misc]
        async def getaddrinfo(self, host: Any, port: Any, *, family: int = 0, type: int = 0,
                              proto: int = 0, flags: int = 0) -> Any:
            return await self.run_in_executor(None, _dns.getaddrinfo, socket.getaddrinfo, host, port,
                                              family, type, proto, flags)

        async def getnameinfo(self, sockaddr: Any, flags: int = 0) -> Any:
            return await self.run_in_executor(None, _dns.getnameinfo, socket.getnameinfo, sockaddr, flags)

    class NonBlock(Loop):  # type: ignore[misc]
        """The loop of the nonblock sabotage: setup() patches the socket module under it."""

    class Serial(Loop):  # type: ignore[misc]
        """Takes happy_eyeballs_delay (and interleave) and drops them: the addresses are tried in turn."""

        async def create_connection(self, *args: Any, happy_eyeballs_delay: float | None = None,
                                    interleave: int | None = None, **kwargs: Any) -> Any:
            return await super().create_connection(*args, **kwargs)

    class Reaper(Loop):  # type: ignore[misc]
        """The loop of the reaper sabotage: setup() gives it asyncio's FastChildWatcher."""

    class Spawn(Loop):  # type: ignore[misc]
        async def subprocess_exec(self, protocol_factory: Any, program: Any, *args: Any,
                                  **kwargs: Any) -> Any:
            return await super().subprocess_exec(protocol_factory, *SHELL, program, *args, **kwargs)

        def _child_watcher_callback(self, pid: int, returncode: int, transport: Any) -> None:
            super()._child_watcher_callback(pid, shell_status(returncode), transport)

    class BadFd(Loop):  # type: ignore[misc]
        """add_reader and add_writer ignore the selector's refusal of a descriptor (a closed one)."""

        def add_reader(self, fd: Any, callback: Any, *args: Any) -> None:
            try:
                super().add_reader(fd, callback, *args)
            except OSError:
                pass

        def add_writer(self, fd: Any, callback: Any, *args: Any) -> None:
            try:
                super().add_writer(fd, callback, *args)
            except OSError:
                pass

    class Readers(Loop):  # type: ignore[misc]
        """Batches reads by waiting on its own thread: each reader callback (the program's, and its
        transports') runs after a blocking wait."""

        def _add_reader(self, fd: Any, callback: Any, *args: Any) -> Any:
            import time

            def late(*given: Any) -> None:
                time.sleep(READER_WAIT_S)
                callback(*given)

            # The loop's own wake-up descriptor (registered once _ssock exists) is left alone: the loop
            # still turns for its timers.
            if fd == self._ssock.fileno():
                return super()._add_reader(fd, callback, *args)
            return super()._add_reader(fd, late, *args)

    classes: dict[str, type] = {"badfd": BadFd, "readers": Readers,
                                "data": Data, "errors": Errors, "abort": Abort, "cancel": Cancel,
                                "inline": Inline,
                                "pool": Pool, "timers": Timers, "signals": Signals, "resolver": Resolver,
                                "spawn": Spawn, "reaper": Reaper,
                                "nonblock": NonBlock, "serial": Serial}
    return classes[defect]
