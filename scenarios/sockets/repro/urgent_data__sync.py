"""gevent and eventlet: select.select does not report urgent (out-of-band) data that arrives while it waits.

Reference: a program waits with ``select.select([], [], [sock], 2.0)`` on a connected TCP socket; the
peer sends one byte with ``MSG_OOB`` 200 ms later. The wait returns then with the socket in its third
(exceptional) list, and ``sock.recv(1, MSG_OOB)`` gives the byte.

- gevent: ``gevent.select.select`` ("*xlist* is ignored", its docstring says) passes the xlist only to
  a first zero-timeout call of the real select, which sees urgent data that is already there; the wait
  itself starts libev watchers for rlist (read) and wlist (write) only, so urgent data that arrives
  during the wait is never reported and the call sleeps out its timeout (src/gevent/select.py).
- eventlet: ``eventlet.green.select.select`` records the error_list's descriptors but adds hub
  listeners for the read and write lists only (eventlet/green/select.py), so the exceptional list is
  always empty and the call sleeps out its timeout.

Usage: python urgent_data__sync.py gevent|eventlet (``threads``, unpatched: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import select  # noqa: E402 - after the patch, as a patched program imports them
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

with socket.create_server(("127.0.0.1", 0)) as listener:
    listener.settimeout(2)
    peer = socket.create_connection(listener.getsockname(), timeout=2)
    conn, _ = listener.accept()
conn.setblocking(False)


def send_urgent() -> None:
    time.sleep(0.2)  # the program is waiting in select by then
    peer.send(b"!", socket.MSG_OOB)


sender = threading.Thread(target=send_urgent, daemon=True)
started = time.perf_counter()
sender.start()
_, _, exceptional = select.select([], [], [conn], 2.0)
elapsed = time.perf_counter() - started
sender.join(2)
urgent = conn.recv(1, socket.MSG_OOB)  # the byte did arrive: it can be read
conn.close()
peer.close()
print(f"{RUNTIME} ({select.select.__module__}.select): urgent byte sent 200 ms into a 2 s wait; the "
      f"exceptional list is {'[sock]' if exceptional else '[]'} after {elapsed * 1000:.0f} ms; "
      f"recv(1, MSG_OOB) then gives {urgent!r}")
if not exceptional:
    print("REPRODUCED: select.select slept out its timeout without reporting the urgent data as an "
          "exceptional condition")
    sys.exit(0)
print("NOT REPRODUCED: select.select reported the urgent data in its exceptional list")
sys.exit(1)
