"""eventlet turns a connection reset by the peer into a clean end of stream.

Reference: a blocking ``sock.recv()`` on a TCP connection the peer reset (RST, here by closing with
SO_LINGER 0) raises ``ConnectionResetError``. After ``eventlet.monkey_patch()`` the same call returns
``b''``, as if the peer had closed cleanly: ``GreenSocket._recv_loop`` maps ECONNRESET (and ESHUTDOWN,
EPIPE) to an empty read (eventlet/greenio/base.py). Usage: python peer_reset__eventlet.py eventlet
(``python peer_reset__eventlet.py threads`` runs it without the patch: the recv raises
ConnectionResetError, NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
if RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()
    print(f"eventlet {eventlet.__version__}, monkey-patched")

import socket  # noqa: E402 - after the patch, as a patched program imports it
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

listener = socket.create_server(("127.0.0.1", 0))
port = listener.getsockname()[1]


def reset_the_first_client() -> None:
    conn, _ = listener.accept()
    conn.sendall(b"x" * 1024)
    conn.recv(1)  # the client's go-ahead: it has read the data
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # RST, not FIN


threading.Thread(target=reset_the_first_client, daemon=True).start()
client = socket.create_connection(("127.0.0.1", port), timeout=5)
received = b""
while len(received) < 1024:
    received += client.recv(1024 - len(received))
client.sendall(b"k")
time.sleep(0.2)  # the RST has arrived (a green sleep under the patch)
try:
    data = client.recv(1024)
except ConnectionResetError as exc:
    print(f"recv raised {exc!r}, as blocking code sees it")
    print("NOT REPRODUCED: the reset is reported")
    sys.exit(1)
print(f"{RUNTIME}: recv after the peer's RST returned {data!r}")
if data == b"":
    print("REPRODUCED: a connection reset reads as a clean end of stream (b'')")
    sys.exit(0)
print("NOT REPRODUCED: recv returned data")
sys.exit(1)
