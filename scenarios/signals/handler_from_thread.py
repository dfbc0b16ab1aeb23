"""Installing a signal handler from a non-main thread is refused, and nothing is installed.

Reference semantics (POSIX): ``signal.signal(SIGUSR1, handler)`` called in a ``threading.Thread``
raises ``ValueError`` ("signal only works in main thread of the main interpreter"), because Python only
ever runs handlers in the main thread; the disposition of SIGUSR1 stays ``SIG_DFL``
(https://docs.python.org/3/library/signal.html#signals-and-threads). Each style's idiom for "code in
another thread installs a handler", and its documented refusal:

- sync (threads, gevent, eventlet; unchanged stdlib code): ``signal.signal`` in a
  ``threading.Thread`` raises ``ValueError``. Under gevent and eventlet that thread is a greenlet in
  the main OS thread, so whether it is refused is exactly what this cell finds out;
- asyncio: ``loop.add_signal_handler`` called from a worker thread (``asyncio.to_thread``) raises
  ``RuntimeError``: the stdlib loop calls ``signal.set_wakeup_fd`` first "so that an event loop running
  in another thread cannot add a signal handler" and turns its ``ValueError`` into the
  ``RuntimeError`` its documentation gives for "a problem setting up the handler"
  (https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.add_signal_handler);
- trio: ``trio.open_signal_receiver`` entered in a worker thread (``trio.to_thread.run_sync``) raises
  ``RuntimeError`` "if you try to use this anywhere except Python's main thread"
  (https://trio.readthedocs.io/en/stable/reference-io.html#trio.open_signal_receiver).

- twisted: Twisted has no signal API of its own (``reactor.run()`` installs its SIGINT and SIGTERM
  handlers itself; a program that wants another signal calls ``signal.signal``). The Twisted body looks
  for one, a public reactor method about signals, and uses it from one of the reactor's threads
  (``callInThread``) where there is one; where there is none, the cell is ``unsupported``, naming what
  was probed: ``signal.signal`` called from a reactor thread would test the standard library (the
  ``threads`` cell), not Twisted.

A library that sets up its signal handling from whatever thread it is first used in must get the
error at once: a handler that is silently installed, or silently never called, is a shutdown that
never happens.
"""

from __future__ import annotations

import signal
import sys

from conformance import Context

NOT_APPLICABLE = {"win32": "POSIX signals: Windows has no SIGUSR1"}
TIMEOUT_S = 15.0
WAIT_S = 3.0


def _on_sigusr1(*args: object) -> None:
    pass


def _check_not_installed(ctx: Context) -> None:
    if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
        raise AssertionError("not applicable on win32")
    ctx.expect_equal(signal.getsignal(signal.SIGUSR1), signal.SIG_DFL,
                     "the SIGUSR1 disposition after the refused installation")


def run_sync(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import threading

    outcome: list[BaseException | None] = []

    def install() -> None:
        try:
            signal.signal(signal.SIGUSR1, _on_sigusr1)
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=install)
    thread.start()
    thread.join(WAIT_S)
    ctx.expect(outcome, f"the thread calling signal.signal did not finish within {WAIT_S:.0f} s")
    error = outcome[0]
    ctx.expect(error is not None,
               "signal.signal(SIGUSR1, handler) in a threading.Thread did not raise: the handler was "
               f"installed (disposition now {signal.getsignal(signal.SIGUSR1)!r})")
    ctx.expect(isinstance(error, ValueError),
               f"signal.signal in a threading.Thread raised {type(error).__name__}: {error}, not ValueError")
    _check_not_installed(ctx)


async def run_asyncio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import asyncio

    loop = asyncio.get_running_loop()
    with ctx.expect_raises(RuntimeError):
        await asyncio.wait_for(asyncio.to_thread(loop.add_signal_handler, signal.SIGUSR1, _on_sigusr1),
                               WAIT_S)
    _check_not_installed(ctx)


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    import trio

    def install() -> None:
        with trio.open_signal_receiver(signal.SIGUSR1):
            pass

    with ctx.expect_raises(RuntimeError):
        with trio.fail_after(WAIT_S):
            await trio.to_thread.run_sync(install)
    _check_not_installed(ctx)


async def run_twisted(ctx: Context) -> None:
    if sys.platform == "win32":
        raise AssertionError("not applicable on win32")
    from twisted.internet import defer, interfaces, reactor

    # Twisted's own API for signal handlers, if a release adds one: a public method of the reactor, or
    # an interface of twisted.internet.interfaces, whose name speaks of signals.
    methods = [name for name in dir(reactor) if "signal" in name.lower() and not name.startswith("_")]
    declared = [name for name in dir(interfaces) if "signal" in name.lower() and not name.startswith("_")]
    if not methods:
        raise NotImplementedError(
            f"Twisted has no API of its own to install a signal handler: the {type(reactor).__name__} "
            f"has no public method about signals, and twisted.internet.interfaces declares "
            f"{declared or 'no interface'} for them (probed with dir()); a Twisted program calls "
            "signal.signal itself, whose refusal in a thread is the standard library's (the threads "
            "cell), not Twisted's")
    add_handler = getattr(reactor, methods[0])
    installed: defer.Deferred[None] = defer.Deferred()

    def install() -> None:  # in one of the reactor's threads; reports back with callFromThread
        try:
            add_handler(signal.SIGUSR1, _on_sigusr1)
        except BaseException as exc:
            reactor.callFromThread(installed.errback, exc)
        else:
            reactor.callFromThread(installed.callback, None)

    reactor.callInThread(install)
    with ctx.expect_raises(ValueError, RuntimeError):
        await installed.addTimeout(WAIT_S, reactor)
    _check_not_installed(ctx)
