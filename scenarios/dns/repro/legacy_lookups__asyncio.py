"""asyncio, uvloop and rloop: the event loop has no gethostbyname_ex and no getservbyname.

Reference: blocking code calls ``socket.gethostbyname_ex(name)`` for a host entry ``(name, aliases,
addresses)`` and ``socket.getservbyname("http", "tcp")`` for a port (80). An asyncio program resolves
through its event loop, whose resolver API is ``loop.getaddrinfo`` and ``loop.getnameinfo`` only
(``AbstractEventLoop``, asyncio/events.py); uvloop's and rloop's loops keep asyncio's API. The script
makes the runtime's loop and looks for the two methods on it; nothing is resolved. Usage: python
legacy_lookups__asyncio.py asyncio|uvloop|rloop (``threads``: the socket module, NOT REPRODUCED).
"""

import asyncio
import importlib
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
WANTED = ("gethostbyname_ex", "getservbyname")
if RUNTIME == "threads":
    owner: object = socket
    where = "the socket module"
else:
    module = asyncio if RUNTIME == "asyncio" else importlib.import_module(RUNTIME)
    loop = module.new_event_loop()
    owner = loop
    where = f"{RUNTIME}'s loop ({type(loop).__module__}.{type(loop).__qualname__})"
    loop.close()
missing = [name for name in WANTED if not hasattr(owner, name)]
print(f"{where}: has getaddrinfo {hasattr(owner, 'getaddrinfo')}, "
      f"getnameinfo {hasattr(owner, 'getnameinfo')}; missing: {missing or 'none'} of {list(WANTED)}")
if missing:
    print(f"REPRODUCED: {where} has no {', '.join(missing)}")
    sys.exit(0)
print("NOT REPRODUCED: both legacy lookups are there")
sys.exit(1)
