"""Cancelling a task blocked in recv or accept leaks no socket.

Reference semantics: blocking code has no task cancellation; its idiom is another thread calling
``shutdown(SHUT_RDWR)`` and then ``close()`` on the socket a thread is blocked on. On Linux that wakes
both blocked threads at once: the one in ``recv`` on a connection to a silent peer returns ``b""`` or
raises ``OSError`` (EBADF when ``close()`` came first), the one in ``accept`` on a listening socket
raises ``OSError`` (EINVAL or EBADF); neither waits for its socket timeout, and the process then holds
exactly as many descriptors as before. The other styles cancel the task instead: asyncio's
``task.cancel()`` on tasks awaiting ``StreamReader.read`` and ``loop.sock_accept``, which must end with
the ``CancelledError`` propagated (``task.cancelled()``) after their ``finally`` closed their socket;
trio's cancel scopes around ``receive_some`` and ``accept``, which must catch the ``Cancelled``
(``cancelled_caught``) while ``async with`` closes the stream and the listener. Servers cancel such
waits on every shutdown or client timeout: a descriptor leaked each time ends in EMFILE. One
connection is opened and closed before the count starts, so that a runtime's once-per-process
descriptors (libuv opens a reserve descriptor with its first stream; Twisted one with its first
listening port, so its body also opens and closes a listener first) are not taken for leaks.
``leaked_fds`` is the count of descriptors open after the cancellations beyond those open before.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

from conformance import Context, sibling_module

PEERS = ("silent",)
_tw = sibling_module(__file__, "_twisted_io")
TIMEOUT_S = 15.0
# How long the operations are left blocked before they are cancelled.
BLOCKED_S = 0.1
# An operation still blocked this long after its cancellation was not cancelled (every wait is bounded
# by it, so such a cell fails in seconds).
WAIT_S = 1.5


def _listener() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


def _check_fds(ctx: Context, before: int) -> None:
    leaked = ctx.open_fd_count() - before
    ctx.measure("leaked_fds", leaked)
    ctx.expect_equal(leaked, 0, "descriptors open after the cancellations beyond those before")


def run_sync(ctx: Context) -> None:
    address = ctx.peers["silent"].tuple
    socket.create_connection(address, timeout=WAIT_S).close()
    before = ctx.open_fd_count()
    connection = socket.create_connection(address, timeout=WAIT_S)
    listener = _listener()
    listener.settimeout(WAIT_S)
    ended: dict[str, Any] = {}

    def receive() -> None:
        try:
            ended["recv"] = connection.recv(1024)
        except OSError as exc:
            ended["recv"] = exc

    def accept() -> None:
        try:
            conn, _ = listener.accept()
            conn.close()
            ended["accept"] = "a connection"
        except OSError as exc:
            ended["accept"] = exc

    threads = [threading.Thread(target=receive), threading.Thread(target=accept)]
    for thread in threads:
        thread.start()
    time.sleep(BLOCKED_S)
    for sock in (connection, listener):
        with contextlib.suppress(OSError):  # as socketserver does: shutdown may find it gone
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
    for thread in threads:
        thread.join(WAIT_S + 1.0)
    ctx.expect(not any(t.is_alive() for t in threads), "a blocked thread did not end")
    recv_end, accept_end = ended.get("recv"), ended.get("accept")

    def woken(end: object) -> bool:
        return isinstance(end, OSError) and not isinstance(end, TimeoutError)

    ctx.expect((recv_end == b"" or woken(recv_end)) and woken(accept_end),
               f"the blocked recv ended with {recv_end!r} and the blocked accept with "
               f"{accept_end!r}; shutdown() and close() should have woken them with b'' or an "
               "OSError, not left them to their timeout")
    _check_fds(ctx, before)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    host, port = ctx.peers["silent"].tuple
    _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), WAIT_S)
    writer.close()
    await asyncio.wait_for(writer.wait_closed(), WAIT_S)
    before = ctx.open_fd_count()
    listener = _listener()
    listener.setblocking(False)

    async def receive() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            await reader.read(1024)
        finally:
            writer.close()
            await writer.wait_closed()

    async def accept() -> None:
        try:
            conn, _ = await loop.sock_accept(listener)
            conn.close()
        finally:
            listener.close()

    tasks = [asyncio.create_task(receive()), asyncio.create_task(accept())]
    await asyncio.sleep(BLOCKED_S)
    for task in tasks:
        ctx.expect(not task.done(), f"{task.get_coro()!r} ended before it was cancelled")
        task.cancel()
    _, pending = await asyncio.wait(tasks, timeout=WAIT_S)
    ctx.expect(not pending, "a cancelled task did not end")
    for task in tasks:
        if not task.cancelled():
            error = task.exception()
            if error is not None:
                raise error
            ctx.expect(False, "a cancelled task returned instead of raising CancelledError")
    _check_fds(ctx, before)


async def run_trio(ctx: Context) -> None:
    import trio

    host, port = ctx.peers["silent"].tuple
    with trio.fail_after(WAIT_S):
        await (await trio.open_tcp_stream(host, port)).aclose()
    before = ctx.open_fd_count()
    caught: dict[str, bool] = {}

    async def receive(task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        stream = await trio.open_tcp_stream(host, port)
        async with stream:
            with trio.CancelScope() as scope:
                task_status.started(scope)
                await stream.receive_some(1024)
        caught["recv"] = scope.cancelled_caught

    async def accept(task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        listener = (await trio.open_tcp_listeners(0, host="127.0.0.1"))[0]
        async with listener:
            with trio.CancelScope() as scope:
                task_status.started(scope)
                stream = await listener.accept()
                await stream.aclose()
        caught["accept"] = scope.cancelled_caught

    with trio.fail_after(WAIT_S + BLOCKED_S + 1.0):
        async with trio.open_nursery() as nursery:
            scopes = [await nursery.start(receive), await nursery.start(accept)]
            await trio.sleep(BLOCKED_S)
            for scope in scopes:
                scope.cancel()
    ctx.expect_equal(caught, {"recv": True, "accept": True},
                     "cancel scopes that caught their cancellation")
    _check_fds(ctx, before)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, endpoints, protocol, reactor, task

    host, port = ctx.peers["silent"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port, timeout=WAIT_S)
    server = endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
    warm_up = await _tw.within(WAIT_S, endpoints.connectProtocol(endpoint, _tw.stream()))
    await warm_up.close(WAIT_S)
    # Twisted's first listening port opens a reserve descriptor (os.devnull) that it keeps for the
    # process, to recover from EMFILE in accept (twisted.internet.tcp._reservedFD): once per process,
    # like libuv's, so it is opened before the count too.
    warm_up_port = await _tw.within(WAIT_S, server.listen(protocol.Factory.forProtocol(protocol.Protocol)))
    await _tw.within(WAIT_S, warm_up_port.stopListening())
    before = ctx.open_fd_count()

    async def receive() -> None:
        stream = await endpoints.connectProtocol(endpoint, _tw.stream())
        try:
            await stream.read_some(1024)
        finally:
            await stream.close(WAIT_S)  # connectionLost: the socket is closed

    async def accept() -> None:
        accepted: defer.Deferred[object] = defer.Deferred()

        class Factory(protocol.Factory):
            def buildProtocol(self, addr: object) -> protocol.Protocol:
                if not accepted.called:
                    accepted.callback(addr)
                return protocol.Protocol()

        listening = await server.listen(Factory())
        try:
            await accepted
        finally:
            await listening.stopListening()  # fires once the listening socket is closed

    # Deferred.cancel() on the Deferred of a coroutine cancels the Deferred it awaits: the coroutine
    # gets CancelledError, its finally runs, and its Deferred fails with CancelledError.
    waits = {"recv": defer.Deferred.fromCoroutine(receive()),
             "accept": defer.Deferred.fromCoroutine(accept())}
    await task.deferLater(reactor, BLOCKED_S)
    for name, wait in waits.items():
        ctx.expect(not wait.called, f"the {name} ended before it was cancelled")
        wait.cancel()
    try:
        results = await defer.DeferredList(list(waits.values()), consumeErrors=True).addTimeout(
            WAIT_S, reactor)
    except defer.TimeoutError:
        raise AssertionError("a cancelled Deferred did not end") from None
    # Twisted types a DeferredList's item as (success, the Deferred's result type) only: with
    # consumeErrors, a Deferred that failed gives (False, Failure), what the ignores below are about.
    for name, (succeeded, result) in zip(waits, results, strict=True):
        ctx.expect(not succeeded, f"the cancelled {name} returned instead of failing with "
                   "CancelledError")
        if not result.check(defer.CancelledError):  # type: ignore[attr-defined]
            result.raiseException()  # type: ignore[attr-defined]
    _check_fds(ctx, before)
