"""Reading a blocking socket exactly, and bounding an awaited operation in each event-loop style.

- :func:`recv_exactly`: ``size`` bytes from a blocking socket, or fewer if EOF comes first (the socket's
  own timeout bounds each ``recv``), and :func:`receive_exactly_trio`, the same from a trio stream (the
  caller bounds it);
- :func:`within_asyncio`, :func:`within_trio`, :func:`within_twisted`: ``await`` an operation, or fail
  with the style's timeout error after ``seconds``. One per style, so that every body bounds its waits
  the same way (docs/writing-a-scenario.md: "Bound every wait"), and
  tests/scenarios/test_scenario_rules.py reads each as a bound;
- :func:`fill_backlog` and :func:`connect_state`: a connect that is never answered on loopback alone
  (a listener with a backlog of 1 that accepts nothing, filled until the kernel drops the next SYN), and
  what became of a non-blocking connect.

Only the standard library at the top: asyncio, trio and Twisted are imported inside the function of
their style, so that this module serves every style's bodies without importing another style's library.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Awaitable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import trio
    from twisted.internet.defer import Deferred

__all__ = ["BacklogAnswered", "connect_state", "fill_backlog", "receive_exactly_trio", "recv_exactly",
           "within_asyncio", "within_trio", "within_twisted"]

T = TypeVar("T")


class BacklogAnswered(Exception):
    """This platform answers (or refuses) a connect to a full backlog instead of leaving it unanswered:
    the message says what was seen, for the cell's ``skipped`` reason."""


def connect_state(sock: socket.socket, wait_s: float) -> str | None:
    """What became of a non-blocking connect within ``wait_s``: None while it is unanswered, "" once it
    connected, else the error it got."""
    _, writable, _ = select.select([], [sock], [], wait_s)
    if not writable:
        return None
    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    return "" if error == 0 else f"error {error}"


def fill_backlog(address: tuple[str, int], max_fillers: int, wait_s: float) -> list[socket.socket]:
    """Non-blocking connects to ``address``, a listener with a backlog of 1 that accepts nothing, until
    one stays unanswered for ``wait_s`` (on Linux the kernel then drops further SYNs: two fill it). Gives
    the fillers, the unanswered one last; the caller closes them. Raises :class:`BacklogAnswered` where a
    filler is answered or refused instead, or all ``max_fillers`` connect."""
    fillers: list[socket.socket] = []
    try:
        while len(fillers) < max_fillers:
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            fillers.append(filler)
            filler.setblocking(False)
            filler.connect_ex(address)
            seen = connect_state(filler, wait_s)
            if seen is None:
                return fillers
            if seen:
                raise BacklogAnswered(f"a connect to a full backlog of 1 was answered with {seen}, not left "
                                      "unanswered: this platform does not drop it")
        raise BacklogAnswered(f"{max_fillers} connects to a listener with a backlog of 1 that accepts "
                              "nothing were all answered: this platform does not drop them")
    except BaseException:
        for filler in fillers:
            filler.close()
        raise


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    """``size`` bytes from ``sock``, or what came before EOF if the peer closed first. Each ``recv`` is
    bounded by the socket's timeout (``TimeoutError`` when it runs out)."""
    received = bytearray()
    while len(received) < size:
        chunk = sock.recv(size - len(received))
        if not chunk:
            break
        received.extend(chunk)
    return bytes(received)


async def receive_exactly_trio(stream: trio.abc.ReceiveStream, size: int) -> bytes:
    """``size`` bytes from a trio stream, or what came before its end. It waits without a bound of its
    own: the caller bounds it (``trio.fail_after``)."""
    received = bytearray()
    while len(received) < size:
        chunk = await stream.receive_some(size - len(received))
        if not chunk:
            break
        received.extend(chunk)
    return bytes(received)


async def within_asyncio(seconds: float, awaitable: Awaitable[T]) -> T:
    """``await awaitable`` in the caller's own task, or ``TimeoutError`` (``asyncio.TimeoutError`` on
    3.10) after ``seconds``.

    Not ``asyncio.wait_for``: before Python 3.12 it wraps a coroutine in a task of its own, so the loop
    turns while the caller waits. A spawn that fails without ever suspending (a missing program) then
    looks different on 3.10 and 3.11 (the loop has turned, and closed what the loop closes on a later
    turn) than on 3.12 and later (it has not), which made a Python-version split out of one behaviour.
    This bound uses ``asyncio.timeout`` where it exists (3.11+), and the same mechanism written out on
    3.10 (a timer that cancels the caller's task, its CancelledError turned into TimeoutError): no task
    is created, and the awaitable runs exactly as if awaited directly."""
    import asyncio

    timeout = getattr(asyncio, "timeout", None)
    if timeout is not None:
        async with timeout(seconds):
            return await awaitable
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("within_asyncio() is awaited from a task")
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if expired:
            raise asyncio.TimeoutError(f"no result within {seconds:g} s") from None
        raise
    finally:
        timer.cancel()


async def within_trio(seconds: float, awaitable: Awaitable[T]) -> T:
    """``await awaitable``, or ``trio.TooSlowError`` after ``seconds`` (``trio.fail_after``)."""
    import trio

    with trio.fail_after(seconds):
        return await awaitable


def within_twisted(seconds: float, awaitable: Deferred[T] | Coroutine[Any, Any, T]) -> Deferred[T]:
    """``awaitable`` (a Deferred, or a coroutine, which ``Deferred.fromCoroutine`` drives) as a Deferred
    cancelled after ``seconds``: it then fails with ``twisted.internet.defer.TimeoutError``
    (``Deferred.addTimeout`` on the running reactor)."""
    from twisted.internet import defer, reactor

    deferred = (defer.Deferred.fromCoroutine(awaitable) if isinstance(awaitable, Coroutine)
                else awaitable)
    return deferred.addTimeout(seconds, reactor)
