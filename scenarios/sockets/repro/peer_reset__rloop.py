"""rloop never reports a connection reset: a read after the peer's RST waits forever.

Reference: after the peer closes with a RST (SO_LINGER 0), asyncio's ``StreamReader.read()`` raises
``ConnectionResetError``, as a blocking ``recv`` does. rloop's TCP read handler (``read_into`` in
src/tcp.rs) ends its read loop on any error but EINTR and keeps only the bytes read so far: ECONNRESET
is dropped, the transport neither reports it nor closes, and the read never returns (cut off here
after 2 s). Usage: python peer_reset__rloop.py rloop (``python peer_reset__rloop.py asyncio`` gets the
ConnectionResetError: NOT REPRODUCED).
"""

import asyncio
import importlib
import socket
import struct
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> str:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    listener = socket.create_server(("127.0.0.1", 0))
    reader, writer = await asyncio.wait_for(asyncio.open_connection(*listener.getsockname()), 5)
    peer, _ = listener.accept()
    peer.sendall(b"x" * 1024)
    received = await asyncio.wait_for(reader.readexactly(1024), 5)
    print(f"read the peer's {len(received)} bytes; the peer now closes with a RST")
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()
    listener.close()
    try:
        data = await asyncio.wait_for(reader.read(65536), 2.0)
    except ConnectionResetError as exc:
        return f"raised {exc!r}"
    except asyncio.TimeoutError:
        return "still waiting after 2 s"
    finally:
        writer.close()
    return f"returned {data!r}"


loop = new_loop()
try:
    ended = loop.run_until_complete(main())
finally:
    loop.close()
print(f"reader.read() after the reset: {ended}")
if ended == "still waiting after 2 s":
    print("REPRODUCED: the reset is never reported; the read waits forever")
    sys.exit(0)
print("NOT REPRODUCED: the read ended")
sys.exit(1)
