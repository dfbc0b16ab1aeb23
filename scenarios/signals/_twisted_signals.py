"""Twisted helpers shared by the signals scenarios' ``run_twisted`` bodies.

Twisted has no public API to add a handler for an arbitrary signal: ``reactor.run()`` installs its
own handlers (SIGINT, SIGTERM and SIGBREAK stop the reactor; SIGCHLD reaps children) and a program
that wants another signal calls ``signal.signal`` itself, from the reactor's (main) thread. Twisted's
own handlers do no work in the handler: they hand it to the reactor with ``reactor.callFromThread``,
which is safe from a signal handler and wakes the reactor through its waker pipe (the reactor also
points ``signal.set_wakeup_fd`` at its SIGCHLD waker, so any signal with a Python handler wakes it).
``install_handler`` does the same for the program's callback. ``ShutdownWatch`` is a ``"before"``
``"shutdown"`` system event trigger: the documented place where a Twisted program gets control when
the reactor stops (as it does on SIGINT or SIGTERM through Twisted's handlers).

Only the standard library at the top: Twisted is imported inside the functions, at run time.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Sequence
from typing import Any

from conformance import Context


def install_handler(signum: int, callback: Callable[[int], object]) -> Any:
    """``signal.signal(signum, ...)`` with a handler that runs ``callback(signum)`` on the reactor
    (``reactor.callFromThread``, as Twisted's ``sigInt``/``sigTerm`` do). Returns the previous handler."""
    from twisted.internet import reactor

    def handler(number: int, frame: object) -> None:
        reactor.callFromThread(callback, number)

    return signal.signal(signum, handler)


async def wait_until(condition: Callable[[], bool], timeout_s: float) -> None:
    """Poll ``condition`` every 10 ms on the reactor, for at most ``timeout_s``."""
    from twisted.internet import reactor, task

    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        await task.deferLater(reactor, 0.01)


async def wait_child(command: Sequence[str], wait_s: float, calls: list[float],
                     handler_s: float) -> tuple[int | None, float]:
    """Spawn ``command`` (``reactor.spawnProcess``), wait for it to end (bounded by ``wait_s``; a child
    the wait gave up on is killed), then up to ``handler_s`` for ``calls`` to hold the handler's first
    call. Returns the return code and the ``time.monotonic()`` at which the wait returned."""
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    child = spawn(command)
    try:
        returncode = await within_twisted(wait_s, child.wait_ended())
    finally:
        child.kill()  # a child the wait gave up on (a no-op once it has exited)
    waited_at = time.monotonic()
    await wait_until(lambda: bool(calls), handler_s)
    return returncode, waited_at


async def signals_sent(ctx: Context, timeout_s: float) -> list[float]:
    """``ctx.signals_sent()``, once the parent has logged at least one (it logs just before kill())."""
    await wait_until(lambda: bool(ctx.signals_sent()), timeout_s)
    return ctx.signals_sent()


class ShutdownWatch:
    """A ``reactor.addSystemEventTrigger("before", "shutdown", ...)`` trigger for the body.

    ``stopping`` fires with the ``time.monotonic()`` at which the trigger ran, on the next reactor
    turn (so the body resumes outside the trigger). The trigger returns a Deferred, which holds the
    shutdown (the documented use of a "before" trigger's Deferred) until ``close()``; ``close()``
    removes the trigger if it never ran. Call ``close()`` last, in a ``finally``: once the shutdown
    goes on the reactor stops, and nothing awaited after it would ever resume.
    """

    def __init__(self) -> None:
        from twisted.internet import defer, reactor

        self.stopping: Any = defer.Deferred()
        self._hold: Any = None
        # The reactor's methods are zope.interface methods, declared without self: mypy reads them
        # right only through the mypy-zope plugin, and takes the first argument for self.
        self._handle = reactor.addSystemEventTrigger(
            "before", "shutdown", self._on_shutdown)  # type: ignore[arg-type]

    def _on_shutdown(self) -> Any:
        from twisted.internet import defer, reactor

        self._hold = defer.Deferred()
        reactor.callLater(0, self.stopping.callback, time.monotonic())  # type: ignore[arg-type]  # (no self)
        return self._hold

    @property
    def fired(self) -> bool:
        return self._hold is not None

    def close(self) -> None:
        from twisted.internet import reactor

        if self._hold is None:
            reactor.removeSystemEventTrigger(self._handle)  # type: ignore[call-arg, misc]  # (no self)
        elif not self._hold.called:
            self._hold.callback(None)  # the shutdown goes on: the reactor stops after this turn


# A Twisted program on a reactor of the given class (module and name in argv), stopped by SIGTERM as a
# supervisor stops one; once reactor.run() has returned, it prints SIGTERM's disposition as JSON. (A
# lost SIGTERM still ends it, after 5 s, with elapsed_s saying so.)
AFTER_RUN_PROGRAM = """\
import importlib, json, os, signal, sys, time
from twisted.internet.main import installReactor
reactor = getattr(importlib.import_module(sys.argv[1]), sys.argv[2])()
installReactor(reactor)
started = time.monotonic()
reactor.callWhenRunning(os.kill, os.getpid(), signal.SIGTERM)
reactor.callLater(5, reactor.stop)
reactor.run()
handler = signal.getsignal(signal.SIGTERM)
print(json.dumps({"elapsed_s": time.monotonic() - started, "restored": handler == signal.SIG_DFL,
                  "disposition": repr(handler)}))
"""


async def disposition_after_run(timeout_s: float) -> dict[str, Any]:
    """What SIGTERM's disposition is after ``reactor.run()`` returns in a Twisted program that SIGTERM
    stopped, on a reactor of the class running here, in a process of its own (the program runs with
    Twisted's ``getProcessOutputAndValue``): ``{"elapsed_s", "restored", "disposition"}``.

    In a cell, the reactor returns only after the body has finished, so a body cannot look afterwards:
    the fresh program can. Raises AssertionError if it did not say."""
    import json
    import os
    import sys

    from twisted.internet import reactor, utils

    kind = type(reactor)
    out, err, code = await utils.getProcessOutputAndValue(
        sys.executable, ["-c", AFTER_RUN_PROGRAM, kind.__module__, kind.__qualname__],
        env=dict(os.environ)).addTimeout(timeout_s, reactor)
    lines = out.decode(errors="replace").strip().splitlines()
    if code != 0 or not lines:
        raise AssertionError(f"the Twisted program stopped by SIGTERM exited with {code} and said "
                             f"{out!r} {err.decode(errors='replace')[-500:]!r}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def stopped_instead(what: str, stopped_at: float, sent: list[float]) -> str:
    """The failure message of a SIGINT scenario whose await was not interrupted: the reactor stopped."""
    when = f"{(stopped_at - sent[0]) * 1000:.0f} ms after the signal" if sent else "(signal not logged)"
    return (f"SIGINT did not interrupt the {what}: Twisted's SIGINT handler (reactor.sigInt) called "
            f"reactor.stop(), and the program's code got control back only in its 'before' 'shutdown' "
            f"trigger, {when}; the awaiting coroutine got "
            f"no exception, and had the trigger not completed its wait it would not have resumed (nor run "
            f"its finally blocks) before reactor.run() returned")
