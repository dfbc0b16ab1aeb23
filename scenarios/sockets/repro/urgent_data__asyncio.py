"""asyncio, uvloop and rloop: the loop has no way to wait for urgent (out-of-band) data.

Reference: ``select.select([], [], [sock], timeout)`` reports a TCP socket whose peer sent a byte with
``MSG_OOB`` in its third (exceptional) list; ``sock.recv(1, MSG_OOB)`` then reads it. An asyncio loop
watches descriptors with ``add_reader`` and ``add_writer`` only (asyncio/events.py; the selectors
module it builds on has EVENT_READ and EVENT_WRITE only, python/cpython#75027 asks for urgent data);
uvloop's ``add_reader`` starts a libuv poll handle for UV_READABLE only (never UV_PRIORITIZED), and
rloop's registers mio's READABLE interest only. Urgent data alone does not make the socket readable, so
the reader is not called either. The script probes the loop's ``add_*`` methods for one that speaks of
urgent, out-of-band, priority data or exceptional conditions, and shows what ``add_reader`` does when
urgent data arrives. Usage: python urgent_data__asyncio.py asyncio|uvloop|rloop.
"""

import asyncio
import importlib
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
WORDS = ("urgent", "oob", "prior", "except")


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> list[str]:
    loop = asyncio.get_running_loop()
    adds = [name for name in dir(loop) if name.startswith("add_")]
    found = [name for name in adds if any(word in name.lower() for word in WORDS)]
    print(f"{type(loop).__module__}.{type(loop).__name__}: add_* methods {adds}; for exceptional "
          f"conditions: {found or 'none'}")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(2)
        peer = socket.create_connection(listener.getsockname(), timeout=2)
        conn, _ = listener.accept()
    conn.setblocking(False)
    called: asyncio.Future[None] = loop.create_future()

    def on_readable() -> None:
        if not called.done():
            called.set_result(None)

    loop.add_reader(conn.fileno(), on_readable)
    try:
        peer.send(b"!", socket.MSG_OOB)
        await asyncio.wait({called}, timeout=0.5)
    finally:
        loop.remove_reader(conn.fileno())
    print(f"add_reader's callback {'was' if called.done() else 'was not'} called within 0.5 s of the urgent "
          f"byte; recv(1, MSG_OOB) gives {conn.recv(1, socket.MSG_OOB)!r}")
    conn.close()
    peer.close()
    return found


loop = new_loop()
try:
    found = loop.run_until_complete(main())
finally:
    loop.close()
if not found:
    print("REPRODUCED: the loop has no method that waits for an exceptional condition (urgent data)")
    sys.exit(0)
print(f"NOT REPRODUCED: the loop offers {found}")
sys.exit(1)
