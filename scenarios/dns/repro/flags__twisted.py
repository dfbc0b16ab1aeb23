"""Twisted's resolver API takes no getaddrinfo flags: AI_NUMERICHOST and AI_PASSIVE cannot be asked for.

Reference: ``socket.getaddrinfo(host, port, flags=AI_NUMERICHOST)`` refuses a name without asking DNS,
and ``getaddrinfo(None, port, flags=AI_PASSIVE)`` gives the wildcard addresses to bind a server on.
Twisted's API for resolving a name, ``reactor.nameResolver.resolveHostName`` (``IHostnameResolver``,
twisted/internet/interfaces.py), takes a receiver, a name, a port number, ``addressTypes`` and
``transportSemantics``: no flags. The script reads the signature of the reactor's resolver and of the
interface. Usage: python flags__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import inspect
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: the standard library's getaddrinfo takes the flags; what is shown is that
    # Twisted's resolver API has none.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import reactor as installed  # noqa: E402 - after the reactor is chosen
from twisted.internet.interfaces import IHostnameResolver  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
resolver = reactor.nameResolver
signature = inspect.signature(resolver.resolveHostName)
declared = IHostnameResolver["resolveHostName"].getSignatureString()  # type: ignore[misc]  # zope
print(f"{RUNTIME}: reactor.nameResolver is a {type(resolver).__name__}; resolveHostName{signature}; "
      f"IHostnameResolver.resolveHostName{declared}")
if "flags" not in signature.parameters and "flags" not in declared:
    print("REPRODUCED: Twisted's resolver API has no getaddrinfo flags")
    sys.exit(0)
print("NOT REPRODUCED: the resolver takes flags")
sys.exit(1)
