"""trio.socket has no gethostbyname_ex and no getservbyname (nor gethostbyname, gethostbyaddr,
getservbyport, getfqdn).

Reference: blocking code calls ``socket.gethostbyname_ex(name)`` for a host entry ``(name, aliases,
addresses)`` and ``socket.getservbyname("http", "tcp")`` for a port (80). trio deliberately leaves these
out of ``trio.socket`` ("Trio intentionally DOES NOT include some obsolete, redundant, or broken
features", docs/source/reference-io.rst), pointing to ``getaddrinfo`` and ``getnameinfo`` instead. The
script looks for them in ``trio.socket``; nothing is resolved. Usage: python legacy_lookups__trio.py trio
(``threads``: the socket module, NOT REPRODUCED).
"""

import socket
import sys

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
LEGACY = ("gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getservbyname", "getservbyport", "getfqdn")
owner: object = socket if RUNTIME == "threads" else trio.socket
where = "the socket module" if RUNTIME == "threads" else f"trio.socket (trio {trio.__version__})"
missing = [name for name in LEGACY if not hasattr(owner, name)]
print(f"{where}: has getaddrinfo {hasattr(owner, 'getaddrinfo')}; missing: {missing or 'none'} "
      f"of {list(LEGACY)}")
if "gethostbyname_ex" in missing or "getservbyname" in missing:
    print(f"REPRODUCED: {where} has no {', '.join(missing)}")
    sys.exit(0)
print("NOT REPRODUCED: the legacy lookups are there")
sys.exit(1)
