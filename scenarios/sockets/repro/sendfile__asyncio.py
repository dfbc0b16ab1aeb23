"""uvloop and rloop implement neither loop.sock_sendfile nor loop.sendfile.

Reference: asyncio's loop sends a file to a socket with ``loop.sock_sendfile(sock, file)`` or to a
transport with ``loop.sendfile(transport, file)`` (``os.sendfile`` where it can, else read and send),
returning the byte count. ``uvloop.Loop`` defines neither, so both are ``AbstractEventLoop``'s stubs,
which raise NotImplementedError (uvloop/__init__.py, MagicStack/uvloop#228); rloop's README lists both
among the methods it does not implement: ``RLoop.sendfile`` raises NotImplementedError and
``sock_sendfile`` is left to ``AbstractEventLoop``'s stub (rloop/loop.py). Usage: python
sendfile__asyncio.py uvloop|rloop (``asyncio`` sends the file: NOT REPRODUCED).
"""

import asyncio
import importlib
import os
import socket
import sys
import tempfile
import threading

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
SIZE = 1024 * 1024


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def drain(listener: socket.socket, got: list[int]) -> None:
    """The peer, in a plain thread: counts what arrives, until the whole file, EOF or 1 s of silence."""
    listener.settimeout(5)
    try:
        conn, _ = listener.accept()
    except OSError:
        return
    with conn:
        conn.settimeout(1)
        total = 0
        try:
            while total < SIZE and (chunk := conn.recv(65536)):
                total += len(chunk)
        except OSError:
            pass
        got.append(total)


async def attempt(path: str, name: str) -> str:
    """One of asyncio's two file-sending APIs over a fresh connection: what it did."""
    loop = asyncio.get_running_loop()
    listener = socket.create_server(("127.0.0.1", 0))
    got: list[int] = []
    peer = threading.Thread(target=drain, args=(listener, got), daemon=True)
    peer.start()
    try:
        with open(path, "rb") as file:
            if name == "sock_sendfile":
                sock = socket.create_connection(listener.getsockname(), timeout=5)
                sock.setblocking(False)
                try:
                    sent = await asyncio.wait_for(loop.sock_sendfile(sock, file), 5)
                finally:
                    sock.close()
            else:
                _, writer = await asyncio.wait_for(asyncio.open_connection(*listener.getsockname()), 5)
                try:
                    sent = await asyncio.wait_for(loop.sendfile(writer.transport, file), 5)
                finally:
                    writer.close()
    except NotImplementedError as exc:
        return f"raised NotImplementedError({exc!r})"
    finally:
        await loop.run_in_executor(None, peer.join, 5)  # not a blocking join on the loop's thread
        listener.close()
    return f"sent {sent} bytes; the peer received {got}"


async def main() -> bool:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "payload.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(SIZE))
        results = {name: await attempt(path, name) for name in ("sock_sendfile", "sendfile")}
    for name, what in results.items():
        print(f"loop.{name}: {what}")
    return all(what.startswith("raised NotImplementedError") for what in results.values())


loop = new_loop()
try:
    missing = loop.run_until_complete(main())
finally:
    loop.close()
if missing:
    print("REPRODUCED: neither loop.sock_sendfile nor loop.sendfile is implemented")
    sys.exit(0)
print("NOT REPRODUCED: the loop sends files")
sys.exit(1)
