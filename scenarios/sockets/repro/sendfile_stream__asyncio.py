"""uvloop and rloop do not implement loop.sendfile: a file cannot be sent on an asyncio stream.

Reference: asyncio's ``loop.sendfile(transport, file)`` sends a file on a connection made with
``asyncio.open_connection`` after what was already written to it (the transport's buffer is flushed
first, then ``os.sendfile``, or reads and writes with ``fallback=True``), and returns the byte count; what
is written afterwards follows the file. ``uvloop.Loop`` does not define ``sendfile``, so it is
``AbstractEventLoop``'s stub, which raises NotImplementedError (uvloop/__init__.py,
MagicStack/uvloop#228); rloop's README lists ``loop.sendfile`` among the methods it does not implement
and ``RLoop.sendfile`` raises NotImplementedError (rloop/loop.py). The script writes a header, the file
with ``loop.sendfile``, and a trailer, and checks what a plain-socket peer received. Usage: python
sendfile_stream__asyncio.py uvloop|rloop (``asyncio`` sends it all in order: NOT REPRODUCED).
"""

import asyncio
import hashlib
import importlib
import os
import socket
import sys
import tempfile
import threading

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
SIZE = 1024 * 1024
HEADER = b"HTTP/1.1 200 OK\r\n\r\n"
TRAILER = b"\r\nend\r\n"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def drain(listener: socket.socket, got: list[bytes]) -> None:
    """The peer, in a plain thread: everything that arrives, until EOF or 2 s of silence."""
    listener.settimeout(5)
    try:
        conn, _ = listener.accept()
    except OSError:
        return
    with conn:
        conn.settimeout(2)
        data = bytearray()
        try:
            while chunk := conn.recv(65536):
                data.extend(chunk)
        except OSError:
            pass
        got.append(bytes(data))


async def main(path: str, content: bytes) -> bool:
    """Whether loop.sendfile raised NotImplementedError."""
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    listener = socket.create_server(("127.0.0.1", 0))
    got: list[bytes] = []
    peer = threading.Thread(target=drain, args=(listener, got), daemon=True)
    peer.start()
    missing = False
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(*listener.getsockname()), 5)
        try:
            writer.write(HEADER)
            with open(path, "rb") as file:
                try:
                    sent = await asyncio.wait_for(loop.sendfile(writer.transport, file), 5)
                    print(f"loop.sendfile(writer.transport, file) returned {sent}")
                except NotImplementedError as exc:
                    print(f"loop.sendfile(writer.transport, file) raised NotImplementedError({exc!r})")
                    missing = True
            writer.write(TRAILER)
            writer.write_eof()
            await asyncio.wait_for(writer.drain(), 5)
        finally:
            writer.close()
    finally:
        await loop.run_in_executor(None, peer.join, 5)  # not a blocking join on the loop's thread
        listener.close()
    whole = HEADER + content + TRAILER
    received = got[0] if got else b""
    print(f"the peer received {len(received)} bytes; header + file + trailer intact and in order: "
          f"{hashlib.sha256(received).digest() == hashlib.sha256(whole).digest()}")
    return missing


with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "payload.bin")
    content = os.urandom(SIZE)
    with open(path, "wb") as f:
        f.write(content)
    loop = new_loop()
    try:
        missing = loop.run_until_complete(main(path, content))
    finally:
        loop.close()
if missing:
    print("REPRODUCED: loop.sendfile (a file on a stream transport) is not implemented")
    sys.exit(0)
print("NOT REPRODUCED: the loop sends the file on the stream")
sys.exit(1)
