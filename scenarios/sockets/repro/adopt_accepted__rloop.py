"""rloop has no loop.connect_accepted_socket: a connection the program accepted cannot be handed to it.

rloop's README ("Differences from stdlib") lists ``loop.connect_accepted_socket`` among the methods it
does not implement; rloop/loop.py's ``connect_accepted_socket`` raises ``NotImplementedError``. Usage:
python adopt_accepted__rloop.py rloop (``asyncio`` prints NOT REPRODUCED).
"""

import asyncio
import importlib
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> str | None:
    loop = asyncio.get_running_loop()
    with socket.create_server(("127.0.0.1", 0)) as listener, \
            socket.create_connection(listener.getsockname(), timeout=5):
        listener.settimeout(5)
        conn, _ = listener.accept()
        conn.setblocking(False)
        try:
            transport, _ = await asyncio.wait_for(loop.connect_accepted_socket(asyncio.Protocol, conn), 5)
        except NotImplementedError:
            conn.close()
            return "loop.connect_accepted_socket raised NotImplementedError"
        transport.close()
        return None


loop = new_loop()
try:
    missing = loop.run_until_complete(main())
finally:
    loop.close()
if missing:
    print(f"REPRODUCED: {RUNTIME}: {missing}")
    sys.exit(0)
print(f"NOT REPRODUCED: {RUNTIME} adopted the accepted connection")
sys.exit(1)
