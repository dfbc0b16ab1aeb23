"""eventlet: shutdown() then close() from another green thread does not wake a recv or accept blocked on
that socket.

Reference: with real threads, a thread blocked in ``recv`` (or ``accept``) wakes at once when another
thread calls ``shutdown(SHUT_RDWR)`` and then ``close()`` on that socket: the idiom blocking code uses to
cancel such a wait (socketserver's). Under eventlet the blocked green thread waits in the hub's epoll on
the descriptor; ``GreenSocket.close`` is the plain socket's close (eventlet/greenio/base.py) and
``Hub.notify_close`` does nothing (eventlet/hubs/hub.py), so the close removes the descriptor from
epoll before the hub has seen the shutdown's wake-up, and the waiter sleeps until its own timeout.
Usage: python cancel_blocked__eventlet.py eventlet (``python cancel_blocked__eventlet.py threads`` runs
it without the patch: both wake at once, NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
if RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()
    print(f"eventlet {eventlet.__version__}, monkey-patched")

import contextlib  # noqa: E402 - after the patch, as a patched program imports them
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

TIMEOUT_S = 2.0
server = socket.create_server(("127.0.0.1", 0))  # accepts nothing: the client's peer stays silent
client = socket.create_connection(server.getsockname(), timeout=TIMEOUT_S)
listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(TIMEOUT_S)
ended: dict[str, str] = {}


def wait_in(name: str, call: Callable[[], object]) -> None:
    started = time.monotonic()
    try:
        result = call()
        what = f"returned {result!r}"[:40]
    except OSError as exc:
        what = f"raised {type(exc).__name__}"
    ended[name] = f"{what} after {time.monotonic() - started:.2f} s"


threads = [threading.Thread(target=wait_in, args=("recv", lambda: client.recv(1024))),
           threading.Thread(target=wait_in, args=("accept", listener.accept))]
for thread in threads:
    thread.start()
time.sleep(0.1)  # both are blocked now
for sock in (client, listener):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
for thread in threads:
    thread.join(TIMEOUT_S + 2)
server.close()
print(f"after shutdown() and close() from another thread: recv {ended.get('recv')}, "
      f"accept {ended.get('accept')}")
if all("TimeoutError" in ended.get(name, "") for name in ("recv", "accept")):
    print(f"REPRODUCED: neither wait woke; both ran into their {TIMEOUT_S:g} s timeout")
    sys.exit(0)
print("NOT REPRODUCED: the close woke the blocked waits")
sys.exit(1)
