"""trio has no API that sends a file over a connection.

Reference: a blocking program sends a file with ``socket.sendfile(file)`` (``os.sendfile`` where it
can), asyncio with ``loop.sock_sendfile`` or ``loop.sendfile``. trio offers neither on its socket nor
on its streams: ``trio.socket.SocketType`` lists ``sendfile`` as "Not implemented yet"
(src/trio/_socket.py, python-trio/trio#45), and ``trio.SocketStream`` has no method for it. The script
probes the same names the scenario does and, where one exists, sends a file with it. Usage: python
sendfile__trio.py trio (a trio release that adds one prints NOT REPRODUCED).
"""

import os
import sys
import tempfile

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"  # the one runtime this script is about
PROBED = ("trio.SocketStream.send_file", "trio.SocketStream.sendfile", "trio.socket.SocketType.sendfile")


async def main() -> list[str]:
    found = [name for name in PROBED
             if hasattr(trio.SocketStream if "Stream" in name else trio.socket.SocketType,
                        name.rsplit(".", 1)[1])]
    if not found:
        return []
    # One exists: show that it sends a file (to a listener of trio's own, read to EOF).
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "payload.bin")
        with open(path, "wb") as f:
            f.write(b"x" * 65536)
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        with trio.fail_after(5):
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            print(f"{found[0]} exists; sending a file with it")
            with open(path, "rb") as file:
                await getattr(stream if "Stream" in found[0] else stream.socket,
                              found[0].rsplit(".", 1)[1])(file)
            await stream.aclose()
        for listener in listeners:
            await listener.aclose()
    return found


print(f"{RUNTIME}: trio {trio.__version__}: probing {', '.join(PROBED)}")
found = trio.run(main)
if not found:
    print("REPRODUCED: trio has no file-sending API (none of the names exists)")
    sys.exit(0)
print(f"NOT REPRODUCED: trio has {', '.join(found)}")
sys.exit(1)
