"""A datagram round trip on a UDP socket the program made: asyncio before 3.11, uvloop and rloop lack
``loop.sock_sendto`` and ``loop.sock_recvfrom``.

Reference: a blocking UDP socket's ``sendto`` and ``recvfrom``. asyncio's loop has their asynchronous
versions for a non-blocking socket since Python 3.11 (``loop.sock_sendto``, ``loop.sock_recvfrom``);
before 3.11 the loop has no such method, and two other loops raise ``NotImplementedError``:

- uvloop: ``Loop.sock_sendto`` and ``Loop.sock_recvfrom`` raise ``NotImplementedError``
  (uvloop/loop.pyx; MagicStack/uvloop#561);
- rloop: its README lists ``loop.sock_sendto`` and ``loop.sock_recvfrom`` among what it does not support,
  and the base class's methods raise ``NotImplementedError``.

Usage: python udp_own_socket__asyncio.py asyncio|uvloop|rloop. ``asyncio`` on Python 3.11+ prints NOT
REPRODUCED.
"""

import asyncio
import importlib
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> str | None:
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a plain blocking socket receives
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(2)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    print(f"{type(loop).__module__}: loop.sock_sendto(sock, b'hello', peer) on the program's own socket")
    try:
        send = getattr(loop, "sock_sendto", None)
        if send is None:
            return "the loop has no sock_sendto"
        try:
            await asyncio.wait_for(send(sock, b"hello", peer.getsockname()), 5)
        except NotImplementedError:
            return "loop.sock_sendto raised NotImplementedError"
        print(f"the peer received {peer.recvfrom(100)[0]!r}")
        return None
    finally:
        sock.close()
        peer.close()


loop = new_loop()
try:
    missing = loop.run_until_complete(main())
finally:
    loop.close()
if missing:
    print(f"REPRODUCED: {missing}")
    sys.exit(0)
print("NOT REPRODUCED: loop.sock_sendto sent the datagram")
sys.exit(1)
