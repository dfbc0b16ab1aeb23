"""eventlet waits far longer than resolv.conf's "timeout:1 attempts:1" for a server that never answers.

Reference: with ``options timeout:1 attempts:1`` in resolv.conf, glibc's ``getaddrinfo`` of a name
whose server never answers gives up after about one second with ``EAI_AGAIN``: that setting is how an
operator bounds every lookup. eventlet's ``greendns`` resolves with dnspython, whose
``read_resolv_conf`` takes ``timeout:1`` but ignores ``attempts:`` and keeps retrying until its
``Resolver.lifetime`` (5 s by default) runs out (dns/resolver.py); greendns then asks AAAA and A one
after the other (``_getaddrinfo_lookup``), so the lookup ends after about 11 s. The script runs a DNS
server of its own that never answers, so no query leaves the machine, and bounds the lookup at 4 s (four
times the setting). Under eventlet it writes such a resolv.conf naming the server (another process on
127.0.0.1) and builds eventlet's resolver from it as greendns does. The reference (``threads``) is
glibc's getaddrinfo, which cannot be pointed at a port: the script then runs itself, as the suite's
engine runs its dns cells, in private mount and network namespaces (``unshare``; as root, or in a user
namespace of its own) whose /etc/resolv.conf is that one, naming the server on 127.0.0.1:53: the lookup
ends after about 1 s, NOT REPRODUCED. Linux only. Usage: python timeout__eventlet.py eventlet (or
threads: the reference).
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

assert sys.platform == "linux", "the reference runs in Linux namespaces"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
NAME = "timeout.example"
BOUND_S = 4.0
RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"
# Run by sh in the new namespaces: $0 is the resolv.conf, $1 the nsswitch.conf, then the command.
ISOLATE = ('mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf && '
           '{ [ ! -d /run/nscd ] || mount -t tmpfs tmpfs /run/nscd; } && shift && exec "$@"')


def serve(server: socket.socket) -> None:
    """Take every query and never answer."""
    while True:
        server.recvfrom(512)


def lookup() -> tuple[float, str]:
    """How long the lookup took, and how it ended (glibc's bounds it: resolv.conf)."""
    started = time.monotonic()
    try:
        socket.getaddrinfo(NAME, 80, type=socket.SOCK_STREAM)
        said = "addresses"
    except socket.gaierror as exc:
        said = f"gaierror: {exc}"
    return time.monotonic() - started, said


def verdict(elapsed_s: float, said: str) -> int:
    ended = elapsed_s < BOUND_S and said != "still waiting"
    print(f"{RUNTIME}: after {elapsed_s:.1f} s the lookup had {'ended: ' + said if ended else 'not ended'} "
          "(resolv.conf: timeout:1 attempts:1)")
    if not ended:
        print(f"REPRODUCED: the lookup outlived {BOUND_S:g} s, four times resolv.conf's timeout:1 attempts:1")
        return 0
    print("NOT REPRODUCED: the lookup ended within the bound")
    return 1


def under_eventlet() -> int:
    # The server in a process of its own, which ends when its stdin does.
    server = subprocess.Popen([sys.executable, __file__, RUNTIME, "--serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        import dns.resolver
        import eventlet

        eventlet.monkey_patch()
        from eventlet.support import greendns

        with tempfile.TemporaryDirectory() as folder:
            conf = os.path.join(folder, "resolv.conf")
            with open(conf, "w", encoding="ascii") as f:
                f.write(RESOLV_CONF)
            resolver = dns.resolver.Resolver(filename=conf)  # as greendns.ResolverProxy.clear() builds it
        resolver.port = port
        resolver.nameservers = ["127.0.0.1"]  # again, after the port: resolv.conf cannot name one
        greendns.resolver._resolver = resolver
        print(f"eventlet {eventlet.__version__}, monkey-patched; its resolver asks 127.0.0.1:{port} "
              f"(timeout={resolver.timeout}, lifetime={resolver.lifetime})")
        started = time.monotonic()
        try:
            with eventlet.Timeout(BOUND_S):
                elapsed, said = lookup()
        except eventlet.Timeout:
            elapsed, said = time.monotonic() - started, "still waiting"
    finally:
        server.kill()
        server.communicate(timeout=5)
    return verdict(elapsed, said)


def loopback_up() -> None:
    """A new network namespace starts with its loopback down."""
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 0x1))  # SIOCSIFFLAGS, IFF_UP


def reference() -> int:
    """glibc's getaddrinfo, run again by this script in namespaces where resolv.conf names its server."""
    unshare = shutil.which("unshare")
    if unshare is None:
        print("the unshare command (util-linux) is needed to point getaddrinfo at a server of our own")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        resolv, nsswitch = os.path.join(folder, "resolv.conf"), os.path.join(folder, "nsswitch.conf")
        with open(resolv, "w", encoding="ascii") as f:
            f.write(RESOLV_CONF)
        with open(nsswitch, "w", encoding="ascii") as f:
            f.write("hosts: files dns\n")
        user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
        command = [unshare, *user, "--mount", "--net", "--propagation", "private", "sh", "-c", ISOLATE,
                   resolv, nsswitch, sys.executable, __file__, RUNTIME, "--inside"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=9, check=False)
    print(done.stdout.rstrip())
    if done.returncode not in (0, 1):
        print(f"the namespaces could not be made (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return done.returncode


if "--serve" in sys.argv:
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    serve(listener)
elif "--inside" in sys.argv:
    loopback_up()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 53))
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    sys.exit(verdict(*lookup()))
sys.exit(under_eventlet() if RUNTIME == "eventlet" else reference())
