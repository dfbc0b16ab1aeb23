"""Twisted has no way to wait for urgent (out-of-band) data.

Reference: ``select.select([], [], [sock], timeout)`` reports a TCP socket whose peer sent a byte with
``MSG_OOB`` in its third (exceptional) list; ``sock.recv(1, MSG_OOB)`` then reads it. Twisted's reactor
watches descriptors through IReactorFDSet, ``addReader`` and ``addWriter`` (read and write events only,
twisted/internet/interfaces.py); no interface or reactor method adds a descriptor for exceptional
conditions. The script probes the reactor's ``add*`` methods for one that speaks of urgent, out-of-band,
priority data or exceptional conditions, and lists IReactorFDSet's methods. Usage: python
urgent_data__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: select.select is the reference; what is shown is that Twisted has no
    # such API.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import reactor as installed  # noqa: E402 - after the reactor is chosen
from twisted.internet.interfaces import IReactorFDSet  # noqa: E402

WORDS = ("urgent", "oob", "prior", "except")
reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
adds = [name for name in dir(reactor) if name.startswith("add")]
found = [name for name in adds if any(word in name.lower() for word in WORDS)]
print(f"{RUNTIME}: {type(reactor).__name__} add* methods {adds}; for exceptional conditions: "
      f"{found or 'none'}; IReactorFDSet offers {sorted(IReactorFDSet.names())}")
if not found:
    print("REPRODUCED: Twisted's reactor has no method that waits for an exceptional condition (urgent "
          "data)")
    sys.exit(0)
print(f"NOT REPRODUCED: the reactor offers {found}")
sys.exit(1)
