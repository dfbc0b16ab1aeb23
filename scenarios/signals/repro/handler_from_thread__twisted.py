"""Twisted has no API of its own to install a signal handler (so none to refuse from a thread).

Reference: a program installs a handler for a signal the documented way of its runtime (the standard
library's ``signal.signal``, asyncio's ``loop.add_signal_handler``, trio's ``open_signal_receiver``),
and that API refuses a call from another thread than the main one. Twisted's reactor installs its own
SIGINT, SIGTERM and SIGCHLD handling when ``reactor.run()`` starts (twisted/internet/_signals.py), but
offers no public method to add a handler for another signal, and ``twisted.internet.interfaces``
declares no interface for one: a Twisted program calls ``signal.signal`` itself, whose refusal is the
standard library's. The script looks for a public reactor method, and an interface, about signals.
Usage: python handler_from_thread__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: signal.signal, which a Twisted program calls itself, is the standard
    # library's; what is shown is that Twisted has no API of its own.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import interfaces  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
methods = [name for name in dir(reactor) if "signal" in name.lower() and not name.startswith("_")]
declared = [name for name in dir(interfaces) if "signal" in name.lower() and not name.startswith("_")]
print(f"{RUNTIME} ({type(reactor).__name__}): public reactor methods about signals: {methods}; "
      f"interfaces about signals: {declared}")
if not methods and not declared:
    print("REPRODUCED: Twisted has no API of its own for a signal handler")
    sys.exit(0)
print("NOT REPRODUCED: Twisted offers one")
sys.exit(1)
