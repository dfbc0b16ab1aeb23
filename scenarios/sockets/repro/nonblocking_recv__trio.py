"""trio: a trio socket has no non-blocking mode (no ``gettimeout``, no ``setblocking``), even one made
with ``SOCK_NONBLOCK`` in its type: its ``recv`` waits for data instead of raising ``BlockingIOError``.

trio documents it (docs/source/reference-io.rst, "Socket objects": ``setblocking`` is not supported,
"Trio sockets always act like blocking sockets"; src/trio/_socket.py lists setblocking/getblocking and
settimeout/gettimeout as "Intentionally omitted"); its ``recv`` waits for readability after a
``BlockingIOError`` (``_nonblocking_helper``). Usage: python nonblocking_recv__trio.py trio.
"""

import socket
import sys
import time

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
BOUND_S = 1.0


async def main() -> tuple[list[str], str]:
    kind = socket.SOCK_STREAM | getattr(socket, "SOCK_NONBLOCK", 0)
    with socket.create_server(("127.0.0.1", 0)) as listener, trio.socket.socket(socket.AF_INET, kind) as sock:
        missing = [name for name in ("gettimeout", "setblocking") if not hasattr(sock, name)]
        with trio.fail_after(5):
            await sock.connect(listener.getsockname())
        started = time.perf_counter()
        with trio.move_on_after(BOUND_S) as scope:
            try:
                got = await sock.recv(1024)
                ended = f"returned {got!r}"
            except BlockingIOError:
                ended = "raised BlockingIOError"
        if scope.cancelled_caught:
            ended = f"was still waiting after {time.perf_counter() - started:.1f} s"
        return missing, ended


missing, ended = trio.run(main)
print(f"{RUNTIME} {trio.__version__}: a trio socket (SOCK_NONBLOCK in its type where the OS has it) lacks "
      f"{missing}; with nothing pending its recv {ended}")
if missing and "waiting" in ended:
    print(f"REPRODUCED: trio sockets have no non-blocking mode ({', '.join(missing)} missing), recv waits")
    sys.exit(0)
print("NOT REPRODUCED: trio sockets have a non-blocking mode")
sys.exit(1)
