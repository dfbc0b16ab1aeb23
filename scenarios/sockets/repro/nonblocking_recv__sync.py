"""gevent and eventlet: a socket made with ``SOCK_NONBLOCK`` in its type reports ``gettimeout()`` None,
and its ``recv`` waits for data instead of raising ``BlockingIOError`` when nothing is pending.

Reference: CPython's socket takes ``SOCK_NONBLOCK`` in the type for a timeout of 0.0 (non-blocking mode),
so ``recv`` with nothing pending raises ``BlockingIOError`` at once. gevent's socket (src/gevent/
_socket3.py, ``socket.__init__``) sets its own timeout to ``getdefaulttimeout()`` whatever the type says,
and eventlet's ``GreenSocket.__init__`` (eventlet/greenio/base.py) takes ``fd.gettimeout() or
socket.getdefaulttimeout()``, so the 0.0 of the real socket becomes None: both then wait in their hub
for data. A socket made with ``setblocking(False)`` is handled (printed for comparison). Linux only
(``socket.SOCK_NONBLOCK``). Usage: python nonblocking_recv__sync.py gevent|eventlet|threads
(``threads`` prints NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import socket  # noqa: E402 - after the runtime has patched the standard library
import threading  # noqa: E402
import time  # noqa: E402

BOUND_S = 1.0
if not hasattr(socket, "SOCK_NONBLOCK"):
    print("NOT REPRODUCED: this platform has no socket.SOCK_NONBLOCK")
    sys.exit(1)


def attempt(sock: socket.socket) -> str:
    """recv with nothing pending; a watchdog shuts the socket down if it still waits after BOUND_S."""
    watchdog = threading.Timer(BOUND_S, sock.shutdown, (socket.SHUT_RDWR,))
    watchdog.start()
    started = time.perf_counter()
    try:
        got = sock.recv(1024)
        ended = f"returned {got!r}"
    except OSError as exc:
        ended = f"raised {type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    watchdog.cancel()
    watchdog.join(5)
    return f"{ended} after {elapsed * 1000:.1f} ms"


with socket.create_server(("127.0.0.1", 0)) as listener:
    listener.settimeout(5)
    results = {}
    for way in ("SOCK_NONBLOCK", "setblocking(False)"):
        if way == "SOCK_NONBLOCK":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
        with sock:
            sock.connect_ex(listener.getsockname())
            peer, _ = listener.accept()  # the peer never sends
            with peer:
                time.sleep(0.05)  # the connect has completed
                results[way] = (sock.gettimeout(), attempt(sock))
        print(f"{RUNTIME}: made with {way}: gettimeout() = {results[way][0]!r}; recv {results[way][1]}")
timeout, outcome = results["SOCK_NONBLOCK"]
if timeout != 0.0 or "BlockingIOError" not in outcome:
    print(f"REPRODUCED: a SOCK_NONBLOCK socket reports gettimeout() {timeout!r} and its recv {outcome}")
    sys.exit(0)
print("NOT REPRODUCED: a SOCK_NONBLOCK socket reports 0.0 and its recv raises BlockingIOError at once")
sys.exit(1)
