"""The sync style has no happy-eyeballs connect: socket.create_connection tries a host's addresses in turn.

``socket.create_connection`` (CPython's, gevent's and eventlet's, which monkey-patching puts in its place)
takes no ``happy_eyeballs_delay`` (a TypeError) and no other option that races a host's addresses: it
loops over getaddrinfo's results, giving each attempt the whole timeout. So connecting with
``timeout=3`` to a name whose first address never answers reaches the second only after ~3000 ms, where
asyncio's ``happy_eyeballs_delay=0.25``, trio's ``open_tcp_stream`` and Twisted's ``HostnameEndpoint`` get
there after ~250 ms.

The two addresses come from a DNS server of the script's own (UDP port 53 of 127.53.x.y, in a thread),
which answers the name's A query with 127.0.0.2 then 127.0.0.3, in that order, and its AAAA query with no
data; the script runs itself again in a private mount namespace whose /etc/resolv.conf names only that
server and whose /etc/nsswitch.conf says ``hosts: files dns`` (root and util-linux's ``unshare``), so
every runtime's resolver asks it (glibc's, gevent's c-ares, eventlet's dnspython-based greendns, which
would read one address per name from an /etc/hosts). The address that never answers is 127.0.0.2:P, a
listener whose backlog of 1 is full (Linux drops SYNs to it); 127.0.0.3:P answers. Linux only (other
127/8 addresses). Usage: python connect_happy_eyeballs__sync.py threads|gevent|eventlet.
"""

import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "threads"
DEAD, LIVE = "127.0.0.2", "127.0.0.3"
NAME = "two-addresses.repro.test"
TIMEOUT_S = 3.0


def dns_answer(query: bytes) -> bytes:
    """The answer to one query: NAME's A records DEAD then LIVE, NOERROR without data for its other
    types, REFUSED for any other name."""
    end = 12
    labels = []
    while query[end]:
        labels.append(query[end + 1:end + 1 + query[end]].decode("ascii").lower())
        end += 1 + query[end]
    qtype = struct.unpack("!H", query[end + 1:end + 3])[0]
    question = query[12:end + 5]
    ours = ".".join(labels) == NAME
    records = [DEAD, LIVE] if ours and qtype == 1 else []
    flags = 0x8180 if ours else 0x8185  # a response, recursion desired and available; REFUSED
    answer = query[:2] + struct.pack("!HHHHH", flags, 1, len(records), 0, 0) + question
    for address in records:
        answer += struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(address)
    return answer


def serve_dns(server: socket.socket, stop: Any) -> None:
    server.settimeout(0.1)
    while not stop.is_set():
        try:
            query, client = server.recvfrom(4096)
        except TimeoutError:
            continue
        server.sendto(dns_answer(query), client)


def in_own_resolver() -> None:
    """Run this script again in a private mount namespace whose resolver is a DNS server of its own
    (needs root and util-linux's unshare); the server runs in a thread of this, unpatched, process."""
    if os.environ.get("REPRO_RESOLVER") == NAME:
        return
    import threading  # here only: the run in the namespace imports it after the runtime's patch

    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    while True:
        address = f"127.53.{random.randrange(1, 255)}.{random.randrange(1, 255)}"
        try:
            server.bind((address, 53))
            break
        except OSError:
            continue
    stop = threading.Event()
    thread = threading.Thread(target=serve_dns, args=(server, stop), daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory() as folder:
        resolv, nsswitch = os.path.join(folder, "resolv.conf"), os.path.join(folder, "nsswitch.conf")
        with open(resolv, "w", encoding="ascii") as file:
            file.write(f"nameserver {address}\noptions timeout:1 attempts:1\n")
        with open(nsswitch, "w", encoding="ascii") as file:
            file.write("hosts: files dns\n")
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf '
             '&& shift && exec "$@"',
             resolv, nsswitch, sys.executable, *sys.argv],
            env={**os.environ, "REPRO_RESOLVER": NAME}, timeout=60, check=False)
    stop.set()
    thread.join(1)
    server.close()
    sys.exit(done.returncode)


in_own_resolver()  # before the runtime's patch: the server is a real thread of the outer process
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import select  # noqa: E402 - after the patch, as a patched program imports them
import time  # noqa: E402


def setup() -> tuple[int, list[socket.socket]]:
    while True:
        live = socket.socket()
        dead = socket.socket()
        try:
            live.bind((LIVE, 0))
            port = live.getsockname()[1]
            dead.bind((DEAD, port))
            break
        except OSError:
            live.close()
            dead.close()
    live.listen(8)
    dead.listen(1)
    sockets = [live, dead]
    for _ in range(16):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex((DEAD, port))
        sockets.append(filler)
        _, writable, _ = select.select([], [filler], [], 0.25)
        if not writable:
            return port, sockets  # unanswered: the backlog is full
    raise SystemExit("NOT REPRODUCED: the full backlog answered every connect (not Linux?)")


order = [entry[4][0] for entry in socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM)]
if order[:1] != [DEAD] or LIVE not in order:
    print(f"NOT REPRODUCED: {RUNTIME}: getaddrinfo({NAME!r}) gave {order}, not {DEAD} then {LIVE}")
    sys.exit(1)
port, sockets = setup()
create_connection: Any = socket.create_connection  # called with a keyword it may not take
try:
    try:
        create_connection((NAME, port), timeout=TIMEOUT_S, happy_eyeballs_delay=0.25).close()
        option = "accepted happy_eyeballs_delay"
    except TypeError as exc:
        option = f"TypeError: {exc}"
    started = time.perf_counter()
    with create_connection((NAME, port), timeout=TIMEOUT_S) as sock:
        peer = sock.getpeername()[0]
    elapsed = time.perf_counter() - started
finally:
    for each in sockets:
        each.close()
where = f"{create_connection.__module__}.create_connection"
print(f"{RUNTIME}: {where}(..., happy_eyeballs_delay=0.25): {option}; {where}(({NAME!r}, {port}), "
      f"timeout={TIMEOUT_S:g}) ({DEAD} never answers, then {LIVE}) connected to {peer} after "
      f"{elapsed * 1000:.0f} ms")
if option.startswith("TypeError") and peer == LIVE and elapsed >= TIMEOUT_S * 0.9:
    print(f"REPRODUCED: no happy-eyeballs option, and the connect reached {LIVE} only after the first "
          f"attempt's whole {TIMEOUT_S:g} s timeout")
    sys.exit(0)
print("NOT REPRODUCED: the connect has a happy-eyeballs option, or did not wait the first attempt's "
      "whole timeout")
sys.exit(1)
