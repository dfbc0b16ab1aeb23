"""trio encodes a non-ASCII host name with IDNA 2008: faß becomes xn--fa-hia, where Python asks for fass.

Reference: ``socket.getaddrinfo("faß.example", 80)`` encodes the ``str`` host with Python's ``idna``
codec (IDNA 2003, RFC 3490), whose nameprep maps ß to "ss": the resolver is asked for ``fass.example``.
``trio.socket.getaddrinfo`` deliberately encodes with the ``idna`` package and UTS 46 (IDNA 2008, which
keeps ß: ``xn--fa-hia.example``) before handing the name on (its docstring says so, trio/_socket.py): a
different name, which may belong to a different owner. The script installs a custom hostname resolver
(``trio.socket.set_custom_hostname_resolver``, trio's own hook) that records the host trio hands it and
answers at once, so no query leaves the machine. Usage: python idn_eszett__trio.py trio
(``threads``: the standard library's encoding of the same name, NOT REPRODUCED).
"""

import socket
import sys
from typing import Any

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
NAME = "faß.example"
asked: list[bytes] = []


class Recorder(trio.abc.HostnameResolver):
    async def getaddrinfo(self, host: bytes | None, port: Any, family: int = 0, type: int = 0,
                          proto: int = 0, flags: int = 0) -> Any:
        asked.append(host or b"")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.3", 80))]

    async def getnameinfo(self, sockaddr: Any, flags: int) -> Any:
        raise NotImplementedError


async def main() -> None:
    trio.socket.set_custom_hostname_resolver(Recorder())
    with trio.fail_after(5):
        await trio.socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM)


standard = NAME.encode("idna")  # what socket.getaddrinfo asks the resolver for
if RUNTIME == "threads":
    asked.append(standard)
else:
    trio.run(main)
print(f"socket.getaddrinfo({NAME!r}) asks for {standard!r} (IDNA 2003); "
      f"{'trio ' + trio.__version__ if RUNTIME != 'threads' else 'the reference'} asked for {asked[0]!r}")
if asked[0] != standard:
    print("REPRODUCED: trio resolves another name than the standard library for the same string")
    sys.exit(0)
print("NOT REPRODUCED: the same name is asked for")
sys.exit(1)
