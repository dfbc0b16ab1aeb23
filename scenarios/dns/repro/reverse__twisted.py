"""Twisted has no reverse lookup through the system's name service (no getnameinfo).

Reference: ``socket.getnameinfo(("127.0.0.1", 80), 0)`` asks the system's name service (/etc/hosts
before DNS) and the services database: ``("localhost", "http")``. Twisted's name resolution API,
``reactor.nameResolver`` (``IHostnameResolver``, twisted/internet/interfaces.py), resolves names to
addresses only; ``reactor.resolve`` too; and ``twisted.names.client.lookupPointer`` asks DNS for PTR
records alone (its hosts file resolver answers A and AAAA only) and knows no service names. The script
looks for a getnameinfo on the reactor's resolver, on the reactor and in the interface. Usage: python
reverse__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: the standard library's getnameinfo is the reference; what is shown is that
    # Twisted has no such API.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import reactor as installed  # noqa: E402 - after the reactor is chosen
from twisted.internet.interfaces import IHostnameResolver  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
found = [where for where, owner in (("reactor.nameResolver", reactor.nameResolver), ("reactor", reactor))
         if hasattr(owner, "getnameinfo")]
print(f"{RUNTIME}: getnameinfo on {found or 'neither the reactor nor its resolver'}; IHostnameResolver "
      f"offers {sorted(IHostnameResolver.names())}")
if not found and sorted(IHostnameResolver.names()) == ["resolveHostName"]:
    print("REPRODUCED: Twisted has no reverse lookup through the system's name service")
    sys.exit(0)
print("NOT REPRODUCED: Twisted offers a reverse lookup")
sys.exit(1)
