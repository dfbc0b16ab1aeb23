"""gevent and eventlet: after ``sock.setblocking(True)`` the descriptor stays ``O_NONBLOCK``, so a child
handed the connection gets ``EAGAIN`` instead of waiting for data.

Reference: ``socket.socket.setblocking(True)`` clears ``O_NONBLOCK`` on the descriptor (CPython's
``internal_setblocking``). gevent's socket (src/gevent/_socket3.py, ``setblocking``) and eventlet's
``GreenSocket`` (eventlet/greenio/base.py, ``setblocking``) only change what their own object does
(``timeout`` / ``act_non_blocking``): the OS descriptor, which they keep non-blocking to wait in their
hub, is never switched back. Usage: python blocking_flag__sync.py gevent|eventlet|threads (``threads``
prints NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
assert sys.platform != "win32", "fcntl and pass_fds are POSIX"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import fcntl  # noqa: E402 - after the runtime has patched the standard library
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

CHILD = """\
import fcntl, os, signal, sys
signal.alarm(5)
fd = int(sys.argv[1])
mode = "O_NONBLOCK" if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK else "blocking"
try:
    data = os.read(fd, 64).decode()
except BlockingIOError:
    data = "EAGAIN"
sys.stdout.write(mode + " " + data)
"""

with socket.create_server(("127.0.0.1", 0)) as listener:
    listener.settimeout(5)
    with socket.create_connection(listener.getsockname(), timeout=5) as sock:
        peer, _ = listener.accept()
        with peer:
            sock.setblocking(True)
            flags = fcntl.fcntl(sock.fileno(), fcntl.F_GETFL)
            print(f"{RUNTIME}: after sock.setblocking(True): gettimeout() = {sock.gettimeout()}, "
                  f"O_NONBLOCK {'set' if flags & os.O_NONBLOCK else 'clear'}")
            child = subprocess.Popen([sys.executable, "-I", "-c", CHILD, str(sock.fileno())],
                                     pass_fds=(sock.fileno(),), stdout=subprocess.PIPE)
            # The child waits in its read if the descriptor is blocking: the answer comes 300 ms later.
            peer.settimeout(5)
            time.sleep(0.3)
            peer.sendall(b"ping\n")
            out, _ = child.communicate(timeout=5)
report = out.decode()
print(f"the child handed the descriptor saw: {report!r}")
if report.startswith("O_NONBLOCK"):
    print("REPRODUCED: the descriptor stays O_NONBLOCK after setblocking(True): the child's read got "
          + report.partition(" ")[2])
    sys.exit(0)
print("NOT REPRODUCED: the child found the descriptor blocking and waited for the data")
sys.exit(1)
