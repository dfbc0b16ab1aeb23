"""Twisted leaves its SIGTERM handler installed after reactor.run() has returned.

Reference: a program stops handling SIGTERM the way it started (``signal.signal(SIGTERM, previous)``,
``loop.remove_signal_handler``, leaving trio's ``open_signal_receiver`` block), and SIGTERM's
disposition is ``SIG_DFL`` again. ``reactor.run()`` installs Twisted's SIGTERM handler
(``reactor.sigTerm``, which stops the reactor), and once the reactor has stopped and ``run()`` has
returned the handler is still there: Twisted's signal handling's ``uninstall`` does nothing "for
historical reasons" (twisted/internet/_signals.py; twisted/twisted#11761). The script runs a reactor,
stops it with SIGTERM as a supervisor would, and reads SIGTERM's disposition after ``reactor.run()``
returns. POSIX only. Usage: python sigterm_handler__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import os
import signal
import sys
from typing import Any

assert sys.platform != "win32", "POSIX signals"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: the reference puts SIGTERM's previous handler back itself
    # (signal.signal); the threads cell of signals.sigterm_handler shows it.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import reactor as installed  # noqa: E402 - after the reactor is chosen

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
before = signal.getsignal(signal.SIGTERM)
stopped: list[str] = []
reactor.addSystemEventTrigger("before", "shutdown", lambda: stopped.append("shutdown began"))
reactor.callWhenRunning(os.kill, os.getpid(), signal.SIGTERM)
reactor.callLater(5, reactor.stop)  # a bound, should SIGTERM be lost
reactor.run()
after = signal.getsignal(signal.SIGTERM)
print(f"{RUNTIME} ({type(reactor).__name__}): SIGTERM's disposition before reactor.run(): {before!r}; "
      f"SIGTERM stopped the reactor: {bool(stopped)}; after run() returned: {after!r}")
if stopped and after is not before:
    print("REPRODUCED: Twisted's SIGTERM handler outlives reactor.run()")
    sys.exit(0)
print("NOT REPRODUCED: SIGTERM's disposition is back to what it was")
sys.exit(1)
