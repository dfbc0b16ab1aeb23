"""eventlet reports a DNS server's SERVFAIL as "no such name" (EAI_NONAME) instead of EAI_AGAIN.

Reference: ``socket.getaddrinfo("servfail.example", 80)`` through glibc, whose server answers SERVFAIL,
raises ``socket.gaierror`` with ``EAI_AGAIN`` ("Temporary failure in name resolution"): callers retry
on it and give up on ``EAI_NONAME``. eventlet's ``greendns`` (what ``monkey_patch()`` installs) maps
every dnspython error other than a timeout to ``EAI_NODATA_ERROR``, which it defines as
``EAI_NONAME_ERROR`` (eventlet/support/greendns.py, ``resolve``); SERVFAIL ends as dnspython's
``NoNameservers`` and so as "Name or service not known". The script runs a tiny DNS server of its own
that answers SERVFAIL, so no query leaves the machine. Under eventlet it points eventlet's resolver at
it (the server runs in another process on 127.0.0.1). The reference (``threads``) is glibc's
getaddrinfo, which cannot be pointed at a port: the script then runs itself, as the suite's engine runs
its dns cells, in private mount and network namespaces (``unshare``; as root, or in a user namespace of
its own) whose /etc/resolv.conf names the server on 127.0.0.1:53, and gets EAI_AGAIN: NOT REPRODUCED.
Linux only. Usage: python servfail__eventlet.py eventlet (or threads: the reference).
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading

assert sys.platform == "linux", "the reference runs in Linux namespaces"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
NAME = "servfail.example"
NAMES = {socket.EAI_AGAIN: "EAI_AGAIN", socket.EAI_NONAME: "EAI_NONAME"}
# Run by sh in the new namespaces: $0 is the resolv.conf, $1 the nsswitch.conf, then the command.
ISOLATE = ('mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf && '
           '{ [ ! -d /run/nscd ] || mount -t tmpfs tmpfs /run/nscd; } && shift && exec "$@"')


def serve(server: socket.socket) -> None:
    """Answer every query with SERVFAIL (its question echoed, no records)."""
    while True:
        data, peer = server.recvfrom(512)
        end = 12
        while data[end]:
            end += data[end] + 1
        header = struct.pack(">HHHHHH", struct.unpack(">H", data[:2])[0], 0x8182, 1, 0, 0, 0)
        server.sendto(header + data[12:end + 5], peer)


def lookup() -> str:
    try:
        socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"gaierror {NAMES.get(exc.errno or 0, exc.errno)} ({exc})"
    return "addresses"


def verdict(said: str) -> int:
    print(f"{RUNTIME}: a SERVFAIL answer raised {said}; glibc raises EAI_AGAIN")
    if "EAI_NONAME" in said:
        print("REPRODUCED: a failing server reads as a missing name")
        return 0
    print("NOT REPRODUCED: the failure keeps its code")
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

        resolver = dns.resolver.Resolver(configure=False)
        resolver.port = port
        resolver.nameservers = ["127.0.0.1"]  # after the port: each server takes the port set then
        resolver.lifetime = 3.0
        greendns.resolver._resolver = resolver
        print(f"eventlet {eventlet.__version__}, monkey-patched; its resolver asks 127.0.0.1:{port}")
        with eventlet.Timeout(5):
            said = lookup()
    finally:
        server.kill()
        server.communicate(timeout=5)
    return verdict(said)


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
            f.write("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n")
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
    sys.exit(verdict(lookup()))
sys.exit(under_eventlet() if RUNTIME == "eventlet" else reference())
