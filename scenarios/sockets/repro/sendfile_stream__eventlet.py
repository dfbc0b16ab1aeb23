"""eventlet's green socket sends bytes but not a file: sendfile() fails with ValueError mid-stream.

Reference: on a connection from ``socket.create_connection``, ``sendall(header)``, then
``socket.sendfile(file)`` (``os.sendfile`` where it can) and ``sendall(trailer)`` deliver header, file and
trailer in order, and ``sendfile`` returns the file's size. eventlet's ``GreenSocket`` implements
``sendall`` but not ``sendfile``: its ``__getattr__`` hands the lookup to the underlying standard-library
socket (eventlet/greenio/base.py), which eventlet keeps non-blocking, and the standard library's
``sendfile`` refuses such a socket with ``ValueError('non-blocking sockets are not supported')``
(Lib/socket.py). Usage: python sendfile_stream__eventlet.py eventlet (``threads`` runs it without the
patch and sends it all: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
if RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()
    print(f"eventlet {eventlet.__version__}, monkey-patched")

import os  # noqa: E402 - after the patch, as a patched program imports them
import socket  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402

SIZE = 1024 * 1024
HEADER = b"HTTP/1.1 200 OK\r\n\r\n"
TRAILER = b"\r\nend\r\n"
listener = socket.create_server(("127.0.0.1", 0))
received: list[int] = []


def drain() -> None:
    conn, _ = listener.accept()
    with conn:
        conn.settimeout(5)
        total = 0
        while chunk := conn.recv(65536):
            total += len(chunk)
        received.append(total)


peer = threading.Thread(target=drain, daemon=True)
peer.start()
failed = None
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "payload.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(SIZE))
    client = socket.create_connection(listener.getsockname(), timeout=5)
    try:
        client.sendall(HEADER)
        print(f"sock.sendall(header) sent {len(HEADER)} bytes")
        with open(path, "rb") as file:
            try:
                sent = client.sendfile(file)
                print(f"sock.sendfile(file) returned {sent}")
            except ValueError as exc:
                print(f"sock.sendfile(file) raised ValueError({exc})")
                failed = exc
        client.sendall(TRAILER)
    finally:
        client.close()
peer.join(5)
print(f"the peer received {received} bytes (header + file + trailer: {len(HEADER) + SIZE + len(TRAILER)})")
if failed is not None:
    print("REPRODUCED: the green socket's sendfile fails instead of sending the file")
    sys.exit(0)
print("NOT REPRODUCED: the file was sent")
sys.exit(1)
