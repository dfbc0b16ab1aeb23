"""trio: a TCP socket the program set TCP_NODELAY 0 on has TCP_NODELAY 1 (and TCP_NOTSENT_LOWAT 16 KiB)
once wrapped in ``trio.SocketStream``.

trio documents it (``SocketStream``'s docstring, src/trio/_highlevel_socket.py): "By default for TCP
sockets, SocketStream enables TCP_NODELAY, and (on platforms where it's supported) enables
TCP_NOTSENT_LOWAT with a reasonable buffer size (currently 16 KiB) ... You can of course override these
defaults by calling setsockopt" (after the wrapping). The constructor sets both without looking at what
the socket had. SO_KEEPALIVE, which trio does not touch, stays 1. Usage: python
connection_defaults__trio.py trio.
"""

import socket
import sys
from typing import Any

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"


def options(sock: Any) -> dict[str, int]:
    found = {"TCP_NODELAY": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
             "SO_KEEPALIVE": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)}
    if hasattr(socket, "TCP_NOTSENT_LOWAT"):
        found["TCP_NOTSENT_LOWAT"] = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT)
    return found


async def main() -> dict[str, int]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        own = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        own.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        own.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock = trio.socket.from_stdlib_socket(own)
        with trio.fail_after(5):
            await sock.connect(listener.getsockname())
        print(f"trio {trio.__version__}: before trio.SocketStream(sock): {options(sock)}")
        async with trio.SocketStream(sock) as stream:
            after = options(stream.socket)
        print(f"after: {after}")
        return after


after = trio.run(main)
if after["TCP_NODELAY"] != 0:
    print(f"REPRODUCED: {RUNTIME}'s SocketStream set TCP_NODELAY {after['TCP_NODELAY']} over the program's 0")
    sys.exit(0)
print(f"NOT REPRODUCED: {RUNTIME} kept the program's TCP_NODELAY 0")
sys.exit(1)
