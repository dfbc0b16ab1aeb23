"""Twisted: after the program resets SIGCHLD to SIG_DFL, a child's exit is never noticed.

Reference: a pre-fork server's worker resets SIGCHLD to ``SIG_DFL`` (it does not want the arbiter's
handler), then runs a child and waits for it: ``waitpid`` returns its status (7). ``reactor.run()``
learns that its children exit only through the SIGCHLD handler it installs: a no-op Python handler
paired with ``signal.set_wakeup_fd`` on the reactor's waker pipe (``installHandler`` in
twisted/internet/_signals.py); the waker's read calls ``reapAllProcesses``. ``signal.signal(SIGCHLD,
SIG_DFL)`` while the reactor runs removes that handler: the kernel no longer delivers SIGCHLD, nothing
is written to the pipe, and the child (spawned without pipes, so no pipe's end prompts a reap either)
stays a zombie, its ``processEnded`` never called. POSIX only.
Usage: python sigchld_default_then_spawn__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import os
import signal
import sys
from typing import Any

assert sys.platform != "win32", "POSIX signals"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: blocking code's waitpid needs no handler (signals.sigchld_default_then_spawn
    # threads cells show it).
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import protocol  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
ended: list[object] = []
pids: list[int] = []


class Child(protocol.ProcessProtocol):
    def processEnded(self, reason: Any) -> None:
        ended.append(reason.value)
        reactor.stop()


def start() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the worker's reset, with the reactor running
    transport = reactor.spawnProcess(Child(), sys.executable, [sys.executable, "-c", "raise SystemExit(7)"],
                                     env=dict(os.environ), childFDs={0: 0, 1: 1, 2: 2})
    pids.append(transport.pid)


reactor.callWhenRunning(start)
reactor.callLater(3, reactor.stop)  # a bound on the whole run
reactor.run()
state = "not spawned"
if pids:
    try:
        done, status = os.waitpid(pids[0], os.WNOHANG)
        code = os.waitstatus_to_exitcode(status)
        state = f"an unreaped zombie that exited with {code}" if done else "running"
    except ChildProcessError:
        state = "reaped"
print(f"{RUNTIME} ({type(reactor).__name__}): processEnded: {ended or 'never called'}; after 3 s the child "
      f"was {state}")
if not ended:
    print("REPRODUCED: with SIGCHLD reset to SIG_DFL the reactor never noticed the child's exit")
    sys.exit(0)
print("NOT REPRODUCED: the reactor noticed the child's exit")
sys.exit(1)
