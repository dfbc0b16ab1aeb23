"""trio refuses a host name with a symbol label that the standard library resolves: ☃ -> InvalidCodepoint.

Reference: ``socket.getaddrinfo("☃.example", 80)`` encodes the ``str`` host with Python's ``idna`` codec
(IDNA 2003, RFC 3490), which accepts U+2603 SNOWMAN: the resolver is asked for ``xn--n3h.example``.
``trio.socket.getaddrinfo`` encodes a non-ASCII host itself, with the ``idna`` package and UTS 46
(``encode_hostname`` in trio/_socket.py: IDNA 2008, where symbols and emoji are DISALLOWED), so it raises
``idna.InvalidCodepoint`` before any lookup. The script installs a custom hostname resolver
(``trio.socket.set_custom_hostname_resolver``, trio's own hook) that records the host trio hands it and
answers at once, so no query leaves the machine. Usage: python idn_symbol__trio.py trio (``threads``:
the standard library's encoding of the same name, NOT REPRODUCED).
"""

import socket
import sys
from typing import Any

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
NAME = "☃.example"
asked: list[bytes] = []


class Recorder(trio.abc.HostnameResolver):
    async def getaddrinfo(self, host: bytes | None, port: Any, family: int = 0, type: int = 0,
                          proto: int = 0, flags: int = 0) -> Any:
        asked.append(host or b"")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.5", 80))]

    async def getnameinfo(self, sockaddr: Any, flags: int) -> Any:
        raise NotImplementedError


async def main() -> None:
    trio.socket.set_custom_hostname_resolver(Recorder())
    with trio.fail_after(5):
        await trio.socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM)


standard = NAME.encode("idna")  # what socket.getaddrinfo asks the resolver for
refused: BaseException | None = None
if RUNTIME == "threads":
    asked.append(standard)
else:
    try:
        trio.run(main)
    except UnicodeError as exc:  # idna.IDNAError is a UnicodeError
        refused = exc
who = "the reference" if RUNTIME == "threads" else f"trio {trio.__version__}"
print(f"socket.getaddrinfo({NAME!r}) asks for {standard!r} (IDNA 2003); {who} "
      + (f"raised {type(refused).__name__}: {refused}" if refused else f"asked for {asked[0]!r}"))
if refused is not None or asked[0] != standard:
    print("REPRODUCED: trio refuses a name the standard library resolves")
    sys.exit(0)
print("NOT REPRODUCED: the same name is asked for")
sys.exit(1)
