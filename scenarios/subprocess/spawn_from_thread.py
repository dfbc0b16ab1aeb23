"""Spawning and waiting for a child from a thread other than the main one.

Reference semantics: ``subprocess.run`` called in a ``threading.Thread`` works exactly as in the main
thread: the child runs, its output is captured and its status returned (3 here), while the main thread
carries on. Programs spawn from worker threads all the time (a thread pool running tools, a web
framework's handler threads), and child reaping has a history of only working in the main thread
(asyncio's child watchers needed the main thread's loop until Python 3.8). What each style means by it,
as its users write it:

- sync: a ``threading.Thread`` (a greenlet under gevent and eventlet) calls ``subprocess.run``;
- asyncio: a worker thread (``asyncio.to_thread``) runs an event loop of its own and spawns from it
  with ``create_subprocess_exec``; the loop is a new instance of the running loop's class (what
  ``asyncio.run`` or ``uvloop.run`` would create there), so each loop implementation is tested on
  itself;
- trio: a worker thread (``trio.to_thread.run_sync``) runs ``trio.run`` of its own, which spawns with
  ``trio.run_process``;
- twisted: a worker thread (``deferToThread``) asks the reactor to spawn with
  ``blockingCallFromThread`` and blocks until ``getProcessOutputAndValue`` has the result: a process
  has one reactor, and Twisted's APIs are called from its thread only.

The main thread's scheduler must keep running while the worker thread waits for its child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

from conformance import Context, sibling_module

_communicate = sibling_module(__file__, "_communicate")

TIMEOUT_S = 20.0
WAIT_S = 10.0
COMMAND = (sys.executable, "-c", "import sys; print('from the child'); sys.exit(3)")


def _check(ctx: Context, thread_name: str, stdout: bytes, returncode: int | None) -> None:
    ctx.expect(thread_name != threading.main_thread().name,
               f"the child was spawned from the main thread ({thread_name!r})")
    ctx.expect_equal(stdout.rstrip(b"\r\n"), b"from the child", "the child's stdout")
    ctx.expect_equal(returncode, 3, "the child's return code")


def run_sync(ctx: Context) -> None:
    results: list[tuple[str, bytes, int]] = []
    errors: list[BaseException] = []

    def spawn() -> None:
        try:
            done = subprocess.run(COMMAND, stdout=subprocess.PIPE, timeout=WAIT_S)
            results.append((threading.current_thread().name, done.stdout, done.returncode))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=spawn, name="spawner")
    thread.start()
    thread.join(WAIT_S + 5.0)
    ctx.expect(not thread.is_alive(), "the spawning thread is still running after the deadline")
    if errors:
        raise errors[0]
    _check(ctx, *results[0])


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    loop_class = type(asyncio.get_running_loop())

    async def spawn() -> tuple[str, bytes, int]:
        proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
            *COMMAND, stdout=asyncio.subprocess.PIPE))
        stdout, _ = await _communicate.asyncio_communicate(proc, WAIT_S)
        return threading.current_thread().name, stdout, await asyncio.wait_for(proc.wait(), WAIT_S)

    def in_thread() -> tuple[str, bytes, int]:
        loop = loop_class()
        try:
            return loop.run_until_complete(spawn())
        finally:
            loop.close()

    _check(ctx, *await asyncio.wait_for(asyncio.to_thread(in_thread), WAIT_S + 5.0))


async def run_trio(ctx: Context) -> None:
    import trio

    async def spawn() -> tuple[str, bytes, int]:
        with trio.fail_after(WAIT_S):
            done = await trio.run_process(COMMAND, capture_stdout=True, check=False)
        return threading.current_thread().name, done.stdout, done.returncode

    with trio.fail_after(WAIT_S + 5.0):
        result = await trio.to_thread.run_sync(trio.run, spawn, abandon_on_cancel=True)
    _check(ctx, *result)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import reactor, threads, utils

    from conformance.support.net import within_twisted

    def in_thread() -> tuple[str, bytes, int]:
        # Twisted's APIs are called from the reactor's thread only: a worker thread hands the spawn
        # to the reactor and blocks on its result.
        # Any: for a function that returns a Deferred, blockingCallFromThread's signature cannot tell the
        # Deferred's result from the Deferred itself
        output: Any = threads.blockingCallFromThread(
            reactor, lambda: within_twisted(WAIT_S, utils.getProcessOutputAndValue(
                COMMAND[0], COMMAND[1:], env=os.environ)))
        stdout, _, returncode = output
        return threading.current_thread().name, stdout, returncode

    _check(ctx, *await within_twisted(WAIT_S + 5.0, threads.deferToThread(in_thread)))
