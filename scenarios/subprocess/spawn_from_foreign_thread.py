"""Running a child from a thread that the runtime did not make (a C library's callback thread).

Reference semantics: code that runs on a thread created by C code (a C extension's callback thread, a
database driver's or a GUI toolkit's thread, entering Python through a callback that takes the GIL)
can run a child exactly as any thread can: ``subprocess.run`` there returns the child's output and its
exit status (3 here), and the program's other threads carry on. Programs get there without choosing
to (a driver's notification callback that runs a tool), and a runtime that patches ``threading`` can
neither see nor patch such a thread: whatever it needs per thread (a hub, a loop, a child watcher) is
missing there. The thread is started with ``pthread_create`` (``CreateThread`` on Windows) through
``ctypes``, whose callback takes the GIL and makes a thread state as a C extension does
(``_foreign_thread.py``).

The contract: from the foreign thread, the style's documented way to run a child from a thread that
is not its scheduler's returns, within its bound, the child's stdout (``from the child``) and status 3,
while the scheduler keeps running. What each style writes there:

- sync: ``subprocess.run`` itself, on the foreign thread;
- asyncio: ``asyncio.run_coroutine_threadsafe`` hands ``create_subprocess_exec`` and ``communicate``
  to the running loop, and the foreign thread waits for the result (``Future.result(timeout)``);
- trio: ``trio.from_thread.run`` with the run's ``TrioToken`` hands ``trio.run_process`` to trio;
- twisted: ``blockingCallFromThread`` hands ``getProcessOutputAndValue`` to the reactor.

The foreign thread gives its result back to the body through the style's own thread-safe call
(``call_soon_threadsafe``, ``trio.from_thread.run_sync``, ``reactor.callFromThread``; the sync body
polls with ``time.sleep``), and the body waits for it with a bound.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from conformance import Context, sibling_module

_foreign = sibling_module(__file__, "_foreign_thread")
_communicate = sibling_module(__file__, "_communicate")

TIMEOUT_S = 20.0
WAIT_S = 10.0
POLL_S = 0.01
COMMAND = (sys.executable, "-S", "-c", "import sys; print('from the child'); sys.exit(3)")
Result = tuple[bytes, int | None]


def _check(ctx: Context, result: Result | BaseException) -> None:
    if isinstance(result, BaseException):
        raise AssertionError(f"running the child from the foreign thread raised {result!r}") from result
    stdout, returncode = result
    ctx.expect_equal(stdout.rstrip(b"\r\n"), b"from the child", "the child's stdout")
    ctx.expect_equal(returncode, 3, "the child's return code")


def run_sync(ctx: Context) -> None:
    results: list[Result | BaseException] = []

    def in_foreign_thread() -> None:
        try:
            done = subprocess.run(COMMAND, stdout=subprocess.PIPE, timeout=WAIT_S)
            results.append((done.stdout, done.returncode))
        except BaseException as exc:  # handed to the body, which checks it
            results.append(exc)

    _foreign.ForeignThread(in_foreign_thread)
    deadline = time.monotonic() + WAIT_S + 5.0
    while not results and time.monotonic() < deadline:
        time.sleep(POLL_S)  # the scheduler's own sleep: other tasks run meanwhile
    ctx.expect(bool(results), f"the foreign thread gave no result within {WAIT_S + 5.0} s")
    _check(ctx, results[0])


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    loop = asyncio.get_running_loop()
    delivered: asyncio.Future[Result | BaseException] = loop.create_future()

    async def spawn() -> Result:
        proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
            *COMMAND, stdout=asyncio.subprocess.PIPE))
        stdout, _ = await _communicate.asyncio_communicate(proc, WAIT_S)
        return stdout, proc.returncode

    def deliver(result: Result | BaseException) -> None:
        if not delivered.done():
            delivered.set_result(result)

    def in_foreign_thread() -> None:
        result: Result | BaseException
        try:
            result = asyncio.run_coroutine_threadsafe(spawn(), loop).result(WAIT_S + 1.0)
        except BaseException as exc:  # handed to the body, which checks it
            result = exc
        loop.call_soon_threadsafe(deliver, result)

    _foreign.ForeignThread(in_foreign_thread)
    result = await asyncio.wait_for(delivered, WAIT_S + 5.0)
    _check(ctx, result)


async def run_trio(ctx: Context) -> None:
    import trio

    token = trio.lowlevel.current_trio_token()
    delivered = trio.Event()
    results: list[Result | BaseException] = []

    async def spawn() -> Result:
        with trio.fail_after(WAIT_S):
            done = await trio.run_process(COMMAND, capture_stdout=True, check=False)
        return done.stdout, done.returncode

    def in_foreign_thread() -> None:
        try:
            results.append(trio.from_thread.run(spawn, trio_token=token))
        except BaseException as exc:  # handed to the body, which checks it
            results.append(exc)
        trio.from_thread.run_sync(delivered.set, trio_token=token)

    _foreign.ForeignThread(in_foreign_thread)
    with trio.fail_after(WAIT_S + 5.0):
        await delivered.wait()
    _check(ctx, results[0])


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor, threads, utils

    from conformance.support.net import within_twisted

    delivered: defer.Deferred[Result | BaseException] = defer.Deferred()

    def spawn() -> defer.Deferred[Any]:
        return within_twisted(WAIT_S, utils.getProcessOutputAndValue(COMMAND[0], COMMAND[1:],
                                                                     env=os.environ))

    def deliver(result: Result | BaseException) -> None:
        if not delivered.called:
            delivered.callback(result)

    def in_foreign_thread() -> None:
        result: Result | BaseException
        try:
            # Any: for a function that returns a Deferred, blockingCallFromThread's signature cannot
            # tell the Deferred's result from the Deferred itself
            output: Any = threads.blockingCallFromThread(reactor, spawn)
            stdout, _, returncode = output
            result = (stdout, returncode)
        except BaseException as exc:  # handed to the body, which checks it
            result = exc
        reactor.callFromThread(deliver, result)

    _foreign.ForeignThread(in_foreign_thread)
    result = await within_twisted(WAIT_S + 5.0, delivered)
    _check(ctx, result)
