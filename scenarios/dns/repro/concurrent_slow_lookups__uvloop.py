"""uvloop runs at most 2 lookups at once: libuv's thread pool runs getaddrinfo on half of its 4 threads.

Reference: asyncio's ``loop.getaddrinfo`` runs ``socket.getaddrinfo`` in the loop's default executor
(``run_in_executor(None, ...)``: asyncio/base_events.py), a ``ThreadPoolExecutor`` of ``min(32, cpus +
4)`` threads, so that many lookups of slow names are in flight at once. uvloop's ``getaddrinfo`` calls
libuv's ``uv_getaddrinfo`` instead, which queues the work on libuv's global thread pool (4 threads,
``UV_THREADPOOL_SIZE``) as "slow I/O", and libuv runs slow I/O on at most half of the pool's threads
(``slow_work_thread_threshold``, src/threadpool.c): 2 lookups at once. glibc's getaddrinfo cannot be
pointed at a port, so the script runs itself, as the suite's engine runs its dns cells, in private mount
and network namespaces (``unshare``; as root, or in a user namespace of its own) whose /etc/resolv.conf
names a DNS server of its own on 127.0.0.1, which answers every name after 200 ms and counts how many
queries it holds at once: no query can leave the machine. Linux only. Usage: python
concurrent_slow_lookups__uvloop.py uvloop (``asyncio``: the default executor, NOT REPRODUCED).
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

assert sys.platform == "linux", "the script runs itself in Linux namespaces"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
LOOKUPS = 40
DELAY_S = 0.2
# Run by sh in the new namespaces: $0 is the resolv.conf, $1 the nsswitch.conf, then the command.
ISOLATE = ('mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf && '
           '{ [ ! -d /run/nscd ] || mount -t tmpfs tmpfs /run/nscd; } && shift && exec "$@"')


def outside() -> int:
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


def loopback_up() -> None:
    """A new network namespace starts with its loopback down."""
    import fcntl
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 0x1))  # SIOCSIFFLAGS, IFF_UP


def serve(server: socket.socket, in_flight: list[int], lock: threading.Lock) -> None:
    """Answer every A query with 192.0.2.1 after DELAY_S, each on a thread of its own."""
    def answer(data: bytes, peer: tuple[str, int]) -> None:
        import struct

        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        time.sleep(DELAY_S)
        end = 12
        while data[end]:
            end += data[end] + 1
        qtype = struct.unpack(">H", data[end + 1:end + 3])[0]
        record = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 0, 4) + socket.inet_aton("192.0.2.1")
        answers = 1 if qtype == 1 else 0
        header = struct.pack(">HHHHHH", struct.unpack(">H", data[:2])[0], 0x8580, 1, answers, 0, 0)
        with lock:
            in_flight[0] -= 1
        server.sendto(header + data[12:end + 5] + (record if answers else b""), peer)

    while True:
        data, peer = server.recvfrom(512)
        threading.Thread(target=answer, args=(data, peer), daemon=True).start()


async def lookups() -> float:
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(
        loop.getaddrinfo(f"slow-{n}.example", 80, family=socket.AF_INET, type=socket.SOCK_STREAM)
        for n in range(LOOKUPS))), 8)
    return time.monotonic() - started


def inside() -> int:
    loopback_up()
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 53))
    in_flight, lock = [0, 0], threading.Lock()
    threading.Thread(target=serve, args=(server, in_flight, lock), daemon=True).start()
    loop: asyncio.AbstractEventLoop
    if RUNTIME == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        elapsed = loop.run_until_complete(lookups())
    finally:
        loop.close()
    executor = min(32, (os.cpu_count() or 1) + 4)
    print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): {LOOKUPS} lookups of names answered "
          f"after {DELAY_S * 1000:.0f} ms took {elapsed * 1000:.0f} ms; the server held at most "
          f"{in_flight[1]} at once (asyncio's default executor runs {executor})")
    if in_flight[1] < min(LOOKUPS, executor):
        print(f"REPRODUCED: only {in_flight[1]} lookups ran at once")
        return 0
    print("NOT REPRODUCED: as many lookups ran at once as asyncio's default executor runs")
    return 1


sys.exit(inside() if "--inside" in sys.argv else outside())
