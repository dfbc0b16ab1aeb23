"""rloop has no Unix domain sockets: loop.create_unix_connection raises NotImplementedError.

Reference: ``asyncio.open_unix_connection(path)`` connects an AF_UNIX stream socket to a listening path.
rloop's README lists Unix domain sockets among the features it does not support ("Differences from
stdlib"), and ``RLoop.create_unix_connection`` raises NotImplementedError (rloop/loop.py). Usage:
python unix_echo__rloop.py rloop (``python unix_echo__rloop.py asyncio`` connects: NOT REPRODUCED).
"""

import asyncio
import importlib
import os
import socket
import sys
import tempfile

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"
if sys.platform == "win32":  # rloop and the socket module's AF_UNIX are POSIX-only
    sys.exit("this reproducer runs on POSIX only")


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> bool:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "listener.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
            listener.listen()
            try:
                _, writer = await asyncio.wait_for(asyncio.open_unix_connection(path), 5)
            except NotImplementedError as exc:
                print(f"open_unix_connection({path!r}) raised NotImplementedError({exc!r})")
                return True
            print(f"open_unix_connection({path!r}) connected")
            writer.close()
            await asyncio.wait_for(writer.wait_closed(), 5)
            return False
        finally:
            listener.close()


loop = new_loop()
try:
    missing = loop.run_until_complete(main())
finally:
    loop.close()
if missing:
    print("REPRODUCED: the loop has no Unix domain stream connections")
    sys.exit(0)
print("NOT REPRODUCED: the loop connected to the Unix socket")
sys.exit(1)
