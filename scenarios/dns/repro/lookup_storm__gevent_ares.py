"""gevent's c-ares resolver gives up on a DNS answer after about 250 ms, not resolv.conf's one second.

Reference: with ``options timeout:1 attempts:1`` in resolv.conf, glibc's ``getaddrinfo`` waits up to a
second for each answer, every time: a server that answers a name after 600 ms gives its address.
With ``GEVENT_RESOLVER=ares``, gevent's ``socket.getaddrinfo`` asks the c-ares it bundles (1.34.5), which
reads the same file but, as documented since c-ares 1.32.0 (docs/ares_init_options.3,
ARES_OPT_TIMEOUTMS), honours the configured timeout only until the server has answered: from its third
answer on, each query gets five times the server's average latency, at least 250 ms
(``ares_metrics_server_timeout``, src/lib/ares_metrics.c), and with ``attempts:1`` a query that runs
past it is not retried but fails with ``ARES_ETIMEOUT`` (``gaierror(12, ...)``). So after a few quick
answers, a lookup the server answers within the configured second is lost; gevent's own
``GEVENT_RESOLVER_TIMEOUT`` ("the total amount of time that the DNS resolver will spend making queries",
gevent/_config.py) is passed to c-ares as the same option and fares no better (set it to 5: the lookup
still gives up after about 250 ms). (gevent checks c-ares's timeouts when one of its sockets is ready
or once a second, so the 250 ms bite while other lookups are running: as in a storm of lookups.)

The script looks up a name the server answers after 600 ms twice, each time while other lookups (answered
at once) run beside it: first in a fresh process, then after 20 quick lookups. It runs itself, as the
suite's engine runs its dns cells, in private mount and network namespaces (``unshare``; as root, or in a
user namespace of its own) whose /etc/resolv.conf names a tiny DNS server of its own on 127.0.0.1:53
(another process, in the same namespaces), so no query leaves the machine; glibc and c-ares both read
that file. Linux only. Usage: GEVENT_RESOLVER=ares python lookup_storm__gevent_ares.py gevent
(``gevent`` alone uses the thread resolver, i.e. glibc: NOT REPRODUCED; ``threads``: the reference).
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
SLOW_S = 0.6  # how long the server takes to answer a name starting with "slow": within resolv.conf's 1 s
# Run by sh in the new namespaces: $0 is the resolv.conf, $1 the nsswitch.conf, then the command.
ISOLATE = ('mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf && '
           '{ [ ! -d /run/nscd ] || mount -t tmpfs tmpfs /run/nscd; } && shift && exec "$@"')


def serve() -> None:
    """Answer every A query on 127.0.0.1:53 with 192.0.2.1, at once or, for a name starting with "slow",
    after SLOW_S, each on a thread of its own; other types get no records. Until stdin ends."""
    import threading

    loopback_up()
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 53))
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    print("ready", flush=True)
    while True:
        data, peer = server.recvfrom(512)
        threading.Thread(target=answer, args=(server, data, peer), daemon=True).start()


def answer(server: socket.socket, data: bytes, peer: tuple[str, int]) -> None:
    end = 12
    while data[end]:
        end += data[end] + 1
    question = data[12:end + 5]
    a_query = data[end + 1:end + 3] == b"\x00\x01"
    if data[13:18].lower() == b"slow-":
        time.sleep(SLOW_S)
    record = struct.pack(">HHHIH", 0xC00C, 1, 1, 0, 4) + bytes([192, 0, 2, 1]) if a_query else b""
    header = struct.pack(">HHHHHH", struct.unpack(">H", data[:2])[0], 0x8580, 1, int(a_query), 0, 0)
    server.sendto(header + question + record, peer)


def loopback_up() -> None:
    """A new network namespace starts with its loopback down."""
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 0x1))  # SIOCSIFFLAGS, IFF_UP


def lookup(name: str) -> tuple[str, float]:
    started = time.monotonic()
    try:
        found = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"gaierror errno {exc.errno}: {exc}", time.monotonic() - started
    return f"its address {found[0][4][0]}", time.monotonic() - started


def slow_beside_quick(slow: str, quick: str) -> tuple[str, float]:
    """Look ``slow`` up while quick lookups run beside it (one every 20 ms), as in a storm."""
    import threading

    result: list[tuple[str, float]] = []
    thread = threading.Thread(target=lambda: result.append(lookup(slow)))
    thread.start()
    for n in range(45):
        if result:
            break
        time.sleep(0.02)
        lookup(f"{quick}-{n}.example")
    thread.join(5)
    return result[0] if result else ("no result after 5 s", 5.0)


def inside() -> int:
    """In the namespaces: start the server, then the lookups under the runtime."""
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
        first, first_s = slow_beside_quick("slow-1.example", "quick-a")
        print(f"{RUNTIME}: fresh process: a name answered after {SLOW_S * 1000:.0f} ms gave {first} "
              f"after {first_s * 1000:.0f} ms")
        for n in range(20):
            lookup(f"warm-{n}.example")
        second, second_s = slow_beside_quick("slow-2.example", "quick-b")
        print(f"{RUNTIME}: after 20 quick answers: the same gave {second} after {second_s * 1000:.0f} ms")
    finally:
        server.kill()
        server.communicate(timeout=5)
    if not second.startswith("its address"):
        print(f"REPRODUCED: after a few quick answers the resolver gave up on an answer that came "
              f"{SLOW_S * 1000:.0f} ms after the query, within resolv.conf's 'timeout:1' (glibc waits 1 s)")
        return 0
    print("NOT REPRODUCED: every answer within resolv.conf's one second was taken")
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
