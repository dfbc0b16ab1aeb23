"""Ctrl-C as a whole program sees it: every task's cleanup runs, the program ends at once, interrupted.

A program cell: each style's program is a complete program, started the way its users start one (the
style's entry point called from the program's top level), and the engine judges it from outside. The
program runs three tasks in the style's idiomatic structure: ``sleeper`` idle in a 30 s sleep,
``receiver`` blocked in a socket receive (one end of a socket pair that never sends), and ``holder``,
which holds a resource (an open file) in a ``try/finally``. Once all three are waiting, the parent
sends SIGINT to the program's process group, as a terminal's Ctrl-C does. The program's top level wraps
the entry point in ``try/except BaseException``, records what reached it, and re-raises it.

Reference semantics (threads on Linux, measured with CPython 3.10 to 3.13): ``KeyboardInterrupt`` is
raised in the main thread, in its ``join()``; a thread cannot be interrupted, so the sync program stops
its tasks the way sync code does: an ``Event`` the sleeper and the holder wait on (the sync spelling of
a sleep a program can end), and ``shutdown()`` of the receiver's socket, which ends its ``recv``. Each
task's ``finally`` runs, the top level sees ``KeyboardInterrupt``, re-raises it, and the interpreter
ends the process by SIGINT (status -2; 130 in a shell): a few milliseconds after Ctrl-C.

The contract, the same for every style (what a user relies on when they press Ctrl-C):

1. ``KeyboardInterrupt`` reaches the program's top level, around the style's entry point (what a
   top-level ``except KeyboardInterrupt:`` catches);
2. the ``finally`` of each of the three tasks runs, within ``END_BOUND_S`` of Ctrl-C (a task that never
   runs its cleanup leaves its resource behind; the program records any task still running at its end,
   and the reason names them);
3. the program ends within ``END_BOUND_S`` of Ctrl-C, killed by SIGINT: the status that tells a shell or
   a supervisor it was interrupted, which the re-raised ``KeyboardInterrupt`` gives.

What each style spells its own way: the structure and the cancellation. sync (threads, gevent, eventlet:
threads, greenlets under gevent and eventlet, which patch them): the top level's ``except
KeyboardInterrupt`` sets the ``Event``, shuts the socket down and joins the threads (a 2 s bound each),
then re-raises. asyncio: ``asyncio.TaskGroup`` (``gather`` before 3.11) under the loop's runner
(``asyncio.Runner`` with the runtime's loop factory; ``asyncio.run`` or ``uvloop.run`` before 3.11),
which on Ctrl-C cancels the main task (3.11+) or all tasks (before), and raises ``KeyboardInterrupt``.
trio: a nursery under ``trio.run``, which raises ``KeyboardInterrupt`` into the main task and cancels the
others (the nursery then raises what its tasks raised as an exception group: what reaches the top level
is what the table shows). Twisted: Deferreds under ``task.react`` (Twisted's own "main" for a program),
with the documented way to clean up at shutdown, a ``before``/``shutdown`` system event trigger that
cancels the pending work; Twisted's SIGINT handler stops the reactor. ``exit_ms`` is the time from
Ctrl-C to the end of the process, ``finally_ran`` how many of the three cleanups ran.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import Iterator
from typing import Any

TIMEOUT_S = 8.0
NOT_APPLICABLE = {
    "win32": "POSIX signals: Windows has no kill() of SIGINT (its Ctrl-C is a console's CTRL_C_EVENT, to a "
             "process group that shares the sender's console, which a program cell does not have)",
}
TASKS = ("sleeper", "receiver", "holder")
END_BOUND_S = 2.0  # the reference ends in milliseconds; a task waiting out its 30 s sleep does not
SLEEP_S = 30.0
PLOTS = {"exit_ms": "from Ctrl-C to the program's end"}


def _describe(exc: BaseException) -> str:
    """What reached the top level: ``KeyboardInterrupt``, ``SystemExit(0)``, or an exception group
    with what it holds (``BaseExceptionGroup[KeyboardInterrupt]``)."""
    if isinstance(exc, SystemExit):
        return f"SystemExit({exc.code!r})"
    inner = getattr(exc, "exceptions", None)
    if inner is not None:
        return f"{type(exc).__name__}[{', '.join(_describe(e) for e in inner)}]"
    return type(exc).__name__


def _top_level(ctx: Any, entry_point: Any) -> None:
    """The program's top level: the style's entry point, what reached it recorded, then re-raised."""
    try:
        entry_point()
    except BaseException as exc:
        ctx.record("top_level", _describe(exc))
        raise
    ctx.record("top_level", "returned")


def _silent_pair() -> tuple[socket.socket, socket.socket]:
    """The receiver's connection: a socket pair whose other end never sends (a timeout longer than the
    cell bounds a receive the program forgets to end)."""
    ours, theirs = socket.socketpair()
    ours.settimeout(SLEEP_S)
    return ours, theirs


@contextlib.contextmanager
def _task(ctx: Any, name: str, stop: Any = None) -> Iterator[None]:
    """A task's life, recorded: started; how it ended (what it raised, or "returned": "stopped" when
    the sync program's ``stop`` event ended its wait); and its ``finally``, the cleanup the contract
    is about."""
    ctx.record("started", name)
    try:
        yield
    except BaseException as exc:
        ctx.record("ended", [name, type(exc).__name__])
        raise
    else:
        ctx.record("ended", [name, "stopped" if stop is not None and stop.is_set() else "returned"])
    finally:
        ctx.record("finally", name)


# -- sync ------------------------------------------------------------------------------------------


def program_sync(ctx: Any) -> None:
    import threading

    stop = threading.Event()
    ours, _peer = _silent_pair()  # the peer end stays open, silent
    started = threading.Barrier(len(TASKS) + 1, timeout=5)

    def task(name: str) -> None:
        with _task(ctx, name, stop):
            started.wait()
            if name == "receiver":
                ctx.record("received", repr(ours.recv(100)))  # b'' once the socket is shut down
            elif name == "holder":
                with open(ctx.tmpdir / "held", "w") as held:
                    try:
                        stop.wait(SLEEP_S)
                    finally:
                        held.write("released")
            else:
                stop.wait(SLEEP_S)

    threads = [threading.Thread(target=task, args=(name,), name=name) for name in TASKS]

    def main() -> None:
        for thread in threads:
            thread.start()
        try:
            started.wait()
            ctx.record("ready")
            ctx.interrupt_me("SIGINT")
            for thread in threads:
                thread.join(SLEEP_S)
        except KeyboardInterrupt:
            # Threads cannot be cancelled: a sync program stops its own, then goes on with Ctrl-C.
            stop.set()
            ours.shutdown(socket.SHUT_RDWR)
            for thread in threads:
                thread.join(2.0)
            for thread in threads:
                if thread.is_alive():
                    ctx.record("left_running", thread.name)
            raise

    _top_level(ctx, main)


# -- asyncio ---------------------------------------------------------------------------------------


def program_asyncio(ctx: Any) -> None:
    import asyncio

    async def task(name: str, started: asyncio.Event, ready: list[str]) -> None:
        with _task(ctx, name):
            ready.append(name)
            if len(ready) == len(TASKS):
                started.set()
            if name == "receiver":
                ours, _peer = _silent_pair()  # the peer end stays open, silent
                reader, _writer = await asyncio.open_connection(sock=ours)
                ctx.record("received", repr(await reader.read(100)))
            elif name == "holder":
                with open(ctx.tmpdir / "held", "w") as held:
                    try:
                        await asyncio.sleep(SLEEP_S)
                    finally:
                        held.write("released")
            else:
                await asyncio.sleep(SLEEP_S)

    async def announce(started: asyncio.Event) -> None:
        await started.wait()
        ctx.record("ready")
        ctx.interrupt_me("SIGINT")

    async def main() -> None:
        started: asyncio.Event = asyncio.Event()
        ready: list[str] = []
        if sys.version_info >= (3, 11):
            async with asyncio.TaskGroup() as group:
                for name in TASKS:
                    group.create_task(task(name, started, ready))
                group.create_task(announce(started))
        else:
            await asyncio.gather(*(task(name, started, ready) for name in TASKS), announce(started))

    _top_level(ctx, lambda: ctx.asyncio_run(main()))


# -- trio ------------------------------------------------------------------------------------------


def program_trio(ctx: Any) -> None:
    import trio

    async def task(name: str, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        with _task(ctx, name):
            if name == "receiver":
                ours, _peer = _silent_pair()  # the peer end stays open, silent
                stream = trio.SocketStream(trio.socket.from_stdlib_socket(ours))
                task_status.started()
                ctx.record("received", repr(await stream.receive_some(100)))
            elif name == "holder":
                with open(ctx.tmpdir / "held", "w") as held:
                    try:
                        task_status.started()
                        await trio.sleep(SLEEP_S)
                    finally:
                        held.write("released")
            else:
                task_status.started()
                await trio.sleep(SLEEP_S)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            for name in TASKS:
                await nursery.start(task, name)
            ctx.record("ready")
            ctx.interrupt_me("SIGINT")

    _top_level(ctx, lambda: trio.run(main))


# -- twisted ---------------------------------------------------------------------------------------


def program_twisted(ctx: Any) -> None:
    from twisted.internet import defer, protocol, task

    from conformance.support.twisted_streams import Stream

    async def one(reactor: Any, name: str) -> None:
        with _task(ctx, name):
            if name == "receiver":
                ours, _peer = _silent_pair()  # the peer end stays open, silent
                stream = Stream()
                reactor.adoptStreamConnection(ours.fileno(), ours.family,
                                              protocol.Factory.forProtocol(lambda: stream))
                ours.close()  # adoptStreamConnection duplicated the descriptor
                ctx.record("received", repr(await stream.read_some(100)))
            elif name == "holder":
                with open(ctx.tmpdir / "held", "w") as held:
                    try:
                        await task.deferLater(reactor, SLEEP_S)
                    finally:
                        held.write("released")
            else:
                await task.deferLater(reactor, SLEEP_S)

    async def main(reactor: Any) -> None:
        work = [defer.ensureDeferred(one(reactor, name)) for name in TASKS]
        everything = defer.gatherResults(work, consumeErrors=True)
        # Twisted's documented place to clean up when the reactor stops (Ctrl-C stops it): cancel what
        # is still pending.
        reactor.addSystemEventTrigger("before", "shutdown", everything.cancel)
        reactor.callLater(0, ctx.record, "ready")
        reactor.callLater(0, ctx.interrupt_me, "SIGINT")
        await everything

    _top_level(ctx, lambda: task.react(main))


# -- the contract ----------------------------------------------------------------------------------


def judge(program: Any, verdict: Any) -> None:
    interrupted = -int(signal.SIGINT)
    verdict.expect(program.first("ready") is not None,
                   f"the program never had its three tasks waiting ({program.exit_said()}; stderr: "
                   f"{program.stderr_tail() or 'empty'})")
    verdict.expect(program.signals_sent, "the program was ready, but no Ctrl-C was ever sent to it")
    sent = program.signals_sent[0]
    cleaned = {r.value: r.monotonic - sent for r in program.records if r.name == "finally"}
    verdict.measure("finally_ran", len(cleaned))
    endings = ", ".join(f"{name} {how}" for name, how in program.values("ended"))
    verdict.note("tasks_ended", endings or "none recorded")
    top = program.values("top_level")
    problems = []
    if top != ["KeyboardInterrupt"]:
        said = repr(top[0]) if top else "nothing (the program never got back there)"
        problems.append(f"the top level around the entry point saw {said}, not KeyboardInterrupt")
    missing = [name for name in TASKS if name not in cleaned]
    if missing:
        left = program.values("left_running")
        problems.append(f"the finally of {', '.join(missing)} never ran"
                        + (f" (still running at the program's end: {', '.join(left)})" if left else ""))
    late = [f"{name} after {after:.1f} s" for name, after in cleaned.items() if after > END_BOUND_S]
    if late:
        problems.append(f"cleanups ran late: {', '.join(late)}")
    if program.ended_at is None:
        problems.append(f"the program was {program.exit_said()}")
    else:
        exit_s = program.ended_at - sent
        verdict.measure("exit_ms", exit_s * 1000)
        if exit_s > END_BOUND_S:
            problems.append(f"the program ended {exit_s:.1f} s after Ctrl-C (bound {END_BOUND_S:g} s)")
        if program.returncode != interrupted:
            problems.append(f"the program ended with {program.exit_said()}, not killed by SIGINT (status "
                            f"{interrupted}; 130 in a shell)")
    verdict.expect(not problems, "; ".join(problems) + (f" [tasks: {endings}]" if endings else ""))
