"""rloop's writer.close() never closes the socket: the peer gets no EOF and the descriptor leaks.

Reference: after ``writer.close()`` and ``await writer.wait_closed()`` on a stream from
``asyncio.open_connection``, the socket is closed: the peer reads EOF and the process holds no
descriptor for it. rloop's ``TCPTransport.close()`` deregisters the descriptor from its poller and calls
the protocol's ``connection_lost`` (so ``wait_closed()`` returns), but nothing in it closes the socket,
the ``TcpStream`` the transport object owns (src/tcp.rs), and that object is never freed (not even by
``gc.collect()``): each closed connection keeps its descriptor, and the peer waits for a FIN that never
comes. Usage: python client_close__rloop.py rloop (``python client_close__rloop.py asyncio`` closes it:
NOT REPRODUCED).
"""

import asyncio
import gc
import importlib
import os
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"
ROUNDS = 3


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"))


async def main() -> tuple[int, list[str]]:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    seen = []
    before = open_fds()
    listener = socket.create_server(("127.0.0.1", 0))
    for _ in range(ROUNDS):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(*listener.getsockname()), 5)
        peer, _ = listener.accept()
        writer.write(b"x")
        await asyncio.wait_for(writer.drain(), 5)
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 5)
        del reader, writer
        peer.settimeout(1.0)
        try:
            first, second = peer.recv(1), peer.recv(1)  # b"x", then b"" (EOF)
            seen.append("EOF" if (first, second) == (b"x", b"") else f"{first!r} {second!r}")
        except TimeoutError:
            seen.append("no EOF within 1 s")
        peer.close()
    gc.collect()
    await asyncio.sleep(0.5)
    listener.close()
    return open_fds() - before, seen


loop = new_loop()
try:
    leaked, seen = loop.run_until_complete(main())
finally:
    loop.close()
print(f"after {ROUNDS} connections opened, written to and closed: the peer saw {seen}; "
      f"{leaked} descriptors more than before")
if leaked >= ROUNDS and "EOF" not in seen:
    print("REPRODUCED: a closed stream keeps its socket: no EOF at the peer, one descriptor leaked each")
    sys.exit(0)
print("NOT REPRODUCED: closing the stream closed the socket")
sys.exit(1)
