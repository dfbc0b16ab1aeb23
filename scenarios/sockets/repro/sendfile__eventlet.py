"""eventlet's green socket has no sendfile(): the call fails with ValueError instead of sending the file.

Reference: ``socket.sendfile(file)`` on a connected blocking socket sends the whole file (with
``os.sendfile`` where it can) and returns the byte count. eventlet's ``GreenSocket`` does not define
``sendfile``; its ``__getattr__`` hands the attribute lookup to the underlying standard-library socket
(eventlet/greenio/base.py), which eventlet keeps in non-blocking mode, and the standard library's
``sendfile`` refuses such a socket: ``ValueError('non-blocking sockets are not supported')``
(Lib/socket.py). Usage: python sendfile__eventlet.py eventlet (``python sendfile__eventlet.py threads``
runs it without the patch and sends the file: NOT REPRODUCED).
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
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "payload.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(SIZE))
    client = socket.create_connection(listener.getsockname(), timeout=5)
    try:
        with open(path, "rb") as file:
            sent = client.sendfile(file)
    except ValueError as exc:
        print(f"sock.sendfile(file) raised ValueError({exc})")
        client.close()
        peer.join(5)
        print("REPRODUCED: the green socket's sendfile fails instead of sending the file")
        sys.exit(0)
    client.close()
peer.join(5)
print(f"sock.sendfile(file) returned {sent}; the peer received {received}")
print("NOT REPRODUCED: the file was sent")
sys.exit(1)
