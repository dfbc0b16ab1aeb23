"""trio has no way to wait for urgent (out-of-band) data.

Reference: ``select.select([], [], [sock], timeout)`` reports a TCP socket whose peer sent a byte with
``MSG_OOB`` in its third (exceptional) list; ``sock.recv(1, MSG_OOB)`` then reads it. trio's waits for a
descriptor are ``trio.lowlevel.wait_readable`` and ``wait_writable``; on Linux its epoll I/O manager
registers EPOLLIN for a reader and EPOLLOUT for a writer, never EPOLLPRI (trio/_core/_io_epoll.py,
``_update_registrations``), so urgent data alone wakes neither. The script probes ``trio.lowlevel``'s
``wait_*`` functions for one that speaks of urgent, out-of-band, priority data or exceptional
conditions, and shows what ``wait_readable`` does when urgent data arrives. Usage: python
urgent_data__trio.py trio.
"""

import socket
import sys

import trio
import trio.lowlevel

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
WORDS = ("urgent", "oob", "prior", "except")


async def main() -> list[str]:
    waits = [name for name in dir(trio.lowlevel) if name.startswith("wait_")]
    found = [name for name in waits if any(word in name.lower() for word in WORDS)]
    print(f"trio {trio.__version__}: trio.lowlevel wait_* functions {waits}; for exceptional conditions: "
          f"{found or 'none'}")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(2)
        peer = socket.create_connection(listener.getsockname(), timeout=2)
        conn, _ = listener.accept()
    conn.setblocking(False)
    peer.send(b"!", socket.MSG_OOB)
    readable = False
    with trio.move_on_after(0.5):
        await trio.lowlevel.wait_readable(conn)
        readable = True
    print(f"wait_readable {'returned' if readable else 'did not return'} within 0.5 s of the urgent byte; "
          f"recv(1, MSG_OOB) gives {conn.recv(1, socket.MSG_OOB)!r}")
    conn.close()
    peer.close()
    return found


found = trio.run(main)
if not found:
    print("REPRODUCED: trio.lowlevel has no wait for an exceptional condition (urgent data)")
    sys.exit(0)
print(f"NOT REPRODUCED: trio.lowlevel offers {found}")
sys.exit(1)
