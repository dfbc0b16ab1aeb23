"""Cancelling a task blocked in recv or accept ends it at once and leaks nothing a close does not

Reference semantics: blocking code has no task cancellation; its idiom is another thread calling
``shutdown(SHUT_RDWR)`` and then ``close()`` on the socket a thread is blocked on. On Linux that wakes
both blocked threads at once: the one in ``recv`` on a connection to a silent peer returns ``b""`` or
raises ``OSError`` (EBADF when ``close()`` came first), the one in ``accept`` on a listening socket
raises ``OSError`` (EINVAL or EBADF); neither waits for its socket timeout. The other styles cancel the
task instead: asyncio's ``task.cancel()`` on tasks awaiting ``StreamReader.read`` and
``loop.sock_accept``, which must end with the ``CancelledError`` propagated (``task.cancelled()``) after
their ``finally`` closed their socket; trio's cancel scopes around ``receive_some`` and ``accept``,
which must catch the ``Cancelled`` (``cancelled_caught``) while ``async with`` closes the stream and
the listener; Twisted's ``Deferred.cancel()``, which must fail both waits with ``CancelledError`` after
their ``finally`` closed the connection and stopped listening. Servers cancel such waits on every
shutdown or client timeout.

The contract is about cancellation alone: (1) every blocked wait ends within 1.5 s of its
cancellation, in the style's way above, and (2) the cancellations leave no more descriptors behind than
the same connection and listener opened and closed without any cancellation (``close_leaked_fds``,
measured just before in the same body): what a plain close leaves is sockets.client_close's finding,
not a cancellation's, so it is subtracted here. ``leaked_fds`` is what the cancellations left in all,
``leaked_by_cancellation_fds`` what the verdict counts. One connection is opened and closed before the
count starts, so that a runtime's once-per-process descriptors (libuv opens a reserve descriptor with
its first stream; Twisted one with its first listening port, so its body also opens and closes a
listener first) are not taken for leaks.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from conformance import Context

PEERS = ("silent",)
TIMEOUT_S = 15.0
# How long the operations are left blocked before they are cancelled.
BLOCKED_S = 0.1
# An operation still blocked this long after its cancellation was not cancelled (every wait is bounded
# by it, so such a cell fails in seconds).
WAIT_S = 1.5


def _listener() -> socket.socket:
    """A listening socket whose accept waits WAIT_S at most (the asyncio body makes it non-blocking)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.settimeout(WAIT_S)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


# How long the runtime gets to release what it releases on a later turn of its loop.
SETTLE_S = 2.0
POLL_S = 0.05


def _settled_count(ctx: Context, at_most: int, sleep: Callable[[float], object]) -> int:
    """The descriptor count once it is down to ``at_most``, or after SETTLE_S (sync bodies)."""
    deadline = time.monotonic() + SETTLE_S
    while (now := ctx.open_fd_count()) > at_most and time.monotonic() < deadline:
        sleep(POLL_S)
    return now


async def _settled_count_async(ctx: Context, at_most: int,
                               sleep: Callable[[float], Awaitable[object]]) -> int:
    deadline = time.monotonic() + SETTLE_S
    while (now := ctx.open_fd_count()) > at_most and time.monotonic() < deadline:
        await sleep(POLL_S)
    return now


def _check_fds(ctx: Context, before: int, close_leaked: int, after: int) -> None:
    """Judge what the cancellations left (``after - before``) beyond what a plain close left."""
    leaked = after - before
    ctx.measure("close_leaked_fds", close_leaked)
    ctx.measure("leaked_fds", leaked)
    ctx.measure("leaked_by_cancellation_fds", leaked - close_leaked)
    ctx.expect(leaked <= close_leaked,
               f"the cancelled recv and accept left {leaked} descriptors behind, where the same "
               f"connection and listener closed without a cancellation left {close_leaked}")


def run_sync(ctx: Context) -> None:
    address = ctx.peers["silent"].tuple
    socket.create_connection(address, timeout=WAIT_S).close()
    # The same connection and listener, closed the same way without a cancellation: what a close
    # itself leaves behind.
    before = ctx.open_fd_count()
    socket.create_connection(address, timeout=WAIT_S).close()
    _listener().close()
    close_leaked = _settled_count(ctx, before, time.sleep) - before
    before = ctx.open_fd_count()
    connection = socket.create_connection(address, timeout=WAIT_S)
    listener = _listener()
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
    _check_fds(ctx, before, close_leaked, _settled_count(ctx, before + close_leaked, time.sleep))


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    host, port = ctx.peers["silent"].tuple

    async def open_and_close() -> None:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), WAIT_S)
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), WAIT_S)

    await open_and_close()
    # The same connection and listener, closed the same way without a cancellation: what a close
    # itself leaves behind.
    before = ctx.open_fd_count()
    await open_and_close()
    _listener().close()
    close_leaked = await _settled_count_async(ctx, before, asyncio.sleep) - before
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
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
        ctx.expect(task.cancelled(), f"{task.get_coro()!r} returned instead of raising CancelledError")
    _check_fds(ctx, before, close_leaked,
               await _settled_count_async(ctx, before + close_leaked, asyncio.sleep))


async def run_trio(ctx: Context) -> None:
    import trio

    host, port = ctx.peers["silent"].tuple
    with trio.fail_after(WAIT_S):
        await (await trio.open_tcp_stream(host, port)).aclose()
        # The same connection and listener, closed the same way without a cancellation: what a
        # close itself leaves behind.
        before = ctx.open_fd_count()
        await (await trio.open_tcp_stream(host, port)).aclose()
        for listener in await trio.open_tcp_listeners(0, host="127.0.0.1"):
            await listener.aclose()
    close_leaked = await _settled_count_async(ctx, before, trio.sleep) - before
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
    _check_fds(ctx, before, close_leaked,
               await _settled_count_async(ctx, before + close_leaked, trio.sleep))


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, endpoints, protocol, reactor, task

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = ctx.peers["silent"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port, timeout=WAIT_S)
    server = endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")

    async def open_and_close() -> None:
        stream = await within_twisted(WAIT_S, endpoints.connectProtocol(endpoint, Stream()))
        await stream.close(WAIT_S)
        port = await within_twisted(WAIT_S, server.listen(protocol.Factory.forProtocol(protocol.Protocol)))
        await within_twisted(WAIT_S, port.stopListening())

    def sleep(seconds: float) -> Any:
        return task.deferLater(reactor, seconds)

    # The warm-up: Twisted's first listening port opens a reserve descriptor (os.devnull) that it
    # keeps for the process, to recover from EMFILE in accept (twisted.internet.tcp._reservedFD): once
    # per process, like libuv's, so it is opened before the count too.
    await open_and_close()
    # The same connection and listener, closed the same way without a cancellation: what a close
    # itself leaves behind.
    before = ctx.open_fd_count()
    await open_and_close()
    close_leaked = await _settled_count_async(ctx, before, sleep) - before
    before = ctx.open_fd_count()

    async def receive() -> None:
        stream = await endpoints.connectProtocol(endpoint, Stream())
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
    _check_fds(ctx, before, close_leaked, await _settled_count_async(ctx, before + close_leaked, sleep))
