"""Twisted has gethostbyname (reactor.resolve), but no gethostbyname_ex and no getservbyname.

Reference: blocking code calls ``socket.gethostbyname_ex(name)`` for a host entry ``(name, aliases,
addresses)`` and ``socket.getservbyname("http", "tcp")`` for a port (80). Twisted's ``reactor.resolve``
(``IReactorCore.resolve``, twisted/internet/interfaces.py) resolves "a hostname to a single IPv4
address": gethostbyname's answer; its resolver API, ``reactor.nameResolver`` (``IHostnameResolver``),
is getaddrinfo's. The script looks for the two on the reactor and its resolver, and resolves
``localhost`` with ``reactor.resolve`` (from /etc/hosts: no query leaves the machine) to show it gives
one address. Usage: python legacy_lookups__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: the socket module has both; what is shown is that Twisted has neither.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import reactor as installed  # noqa: E402 - after the reactor is chosen

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
WANTED = ("gethostbyname_ex", "getservbyname")
OWNERS = (("reactor", reactor), ("reactor.nameResolver", reactor.nameResolver))
found = {name: [where for where, owner in OWNERS if hasattr(owner, name)] for name in WANTED}
resolved: list[Any] = []
reactor.resolve("localhost").addBoth(resolved.append).addBoth(lambda _: reactor.stop())
reactor.callLater(5, reactor.stop)
reactor.run()
print(f"{RUNTIME}: reactor.resolve('localhost') gave {resolved[0] if resolved else 'nothing'!r}; "
      f"found: {found}")
if not any(found.values()):
    print("REPRODUCED: Twisted has gethostbyname (reactor.resolve, one address) but no gethostbyname_ex "
          "or getservbyname")
    sys.exit(0)
print("NOT REPRODUCED: Twisted offers a legacy lookup")
sys.exit(1)
