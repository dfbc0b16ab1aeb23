"""gevent's c-ares resolver reports a server that never answers as errno 12 (ARES_ETIMEOUT), not EAI_AGAIN.

Reference: with ``options timeout:1 attempts:1`` in resolv.conf, glibc's ``getaddrinfo`` of a name whose
server never answers gives up after about one second and raises ``socket.gaierror`` with ``EAI_AGAIN``
("Temporary failure in name resolution"). With ``GEVENT_RESOLVER=ares``, gevent's ``socket.getaddrinfo``
asks c-ares, which reads the same resolv.conf and gives up after the same second, but ends the lookup
with ``ARES_ETIMEOUT`` (12); gevent turns a c-ares status into a getaddrinfo code only where its table
``_ares_to_gai_system`` has it (gevent/resolver/cares.pyx), and ETIMEOUT is not there, so the caller gets
``gaierror(12, 'ARES_ETIMEOUT: Timeout while contacting DNS servers')``: no ``EAI_*`` code on Linux (12
is ``EAI_BADHINTS`` on macOS), so code that retries on ``EAI_AGAIN`` does not.

The script runs itself, as the suite's engine runs its dns cells, in private mount and network
namespaces (``unshare``; as root, or in a user namespace of its own) whose /etc/resolv.conf names a tiny
DNS server of its own on 127.0.0.1:53 (another process, in the same namespaces) that reads every query
and never answers, so no query leaves the machine; glibc and c-ares both read that file. Linux only.
Usage: GEVENT_RESOLVER=ares python timeout__gevent_ares.py gevent (``gevent`` alone uses the thread
resolver, i.e. glibc: NOT REPRODUCED; ``threads``: the reference, NOT REPRODUCED).
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

assert sys.platform == "linux", "the script runs in Linux namespaces"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
NAME = "timeout.example"
# Run by sh in the new namespaces: $0 is the resolv.conf, $1 the nsswitch.conf, then the command.
ISOLATE = ('mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf && '
           '{ [ ! -d /run/nscd ] || mount -t tmpfs tmpfs /run/nscd; } && shift && exec "$@"')


def serve() -> None:
    """Read every query on 127.0.0.1:53 and never answer, until stdin ends."""
    import threading

    loopback_up()
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 53))
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    print("ready", flush=True)
    while True:
        server.recvfrom(512)


def loopback_up() -> None:
    """A new network namespace starts with its loopback down."""
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 0x1))  # SIOCSIFFLAGS, IFF_UP


def inside() -> int:
    """In the namespaces: start the server, then look the name up under the runtime."""
    server = subprocess.Popen([sys.executable, __file__, RUNTIME, "--serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        if RUNTIME == "gevent":
            from gevent import monkey

            monkey.patch_all()
            import gevent

            resolver = type(gevent.get_hub().resolver)
            print(f"gevent {gevent.__version__}, monkey-patched; its resolver: "
                  f"{resolver.__module__}.{resolver.__name__}")
        codes = {getattr(socket, n): n for n in dir(socket) if n.startswith("EAI_")}
        started = time.monotonic()
        try:
            socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM)
        except socket.gaierror as exc:
            said = f"gaierror errno {exc.errno} ({codes.get(exc.errno, 'no EAI_* code')}): {exc}"
            errno = exc.errno
        else:
            said, errno = "addresses", None
        elapsed = time.monotonic() - started
    finally:
        server.kill()
        server.communicate(timeout=5)
    print(f"{RUNTIME}: a server that never answers: after {elapsed:.2f} s the lookup raised {said}; "
          f"glibc raises EAI_AGAIN ({socket.EAI_AGAIN}) after resolv.conf's 1 s")
    if errno != socket.EAI_AGAIN:
        print(f"REPRODUCED: an unanswered lookup gives errno {errno}, not EAI_AGAIN: code that retries on "
              "EAI_AGAIN does not")
        return 0
    print("NOT REPRODUCED: the failure carries EAI_AGAIN, as in the standard library")
    return 1


def isolated() -> int:
    """Run this script again in namespaces where resolv.conf names its server."""
    unshare = shutil.which("unshare")
    if unshare is None:
        print("the unshare command (util-linux) is needed to point the resolvers at a server of our own")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        resolv, nsswitch = os.path.join(folder, "resolv.conf"), os.path.join(folder, "nsswitch.conf")
        with open(resolv, "w", encoding="ascii") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        with open(nsswitch, "w", encoding="ascii") as f:
            f.write("hosts: files dns\n")
        user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
        command = [unshare, *user, "--mount", "--net", "--propagation", "private", "sh", "-c", ISOLATE,
                   resolv, nsswitch, sys.executable, __file__, RUNTIME, "--inside"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    print(done.stdout.rstrip())
    if done.returncode not in (0, 1):
        print(f"the namespaces could not be made (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return done.returncode


if "--serve" in sys.argv:
    serve()
elif "--inside" in sys.argv:
    sys.exit(inside())
sys.exit(isolated())
