"""asyncio, uvloop and rloop never reach a host's second address when the first never answers.

Reference: ``socket.create_connection((host, port), timeout=3)`` tries the addresses in turn, each with
its own 3 s timeout, so it connects to the second address once the first attempt has timed out.
``asyncio.open_connection(host, port)`` inside ``asyncio.wait_for(..., 3)``, the idiomatic asyncio
spelling, puts the 3 s on the whole call instead, and without ``happy_eyeballs_delay`` (None by
default) the loop's ``create_connection`` tries the addresses one after another with no timeout of its
own (asyncio's and rloop's ``for addrinfo in infos`` loop, uvloop's ``while rai_iter is not NULL``, which
has no ``happy_eyeballs_delay`` at all): the first attempt, on an address that drops every SYN, uses up
the whole 3 s and the call times out without trying the second. The two addresses are given as numbers
to the name, in that order, by an /etc/hosts of the script's own (it runs itself again in a private
mount namespace: root and util-linux's ``unshare``), which the loop's resolver returns in that order.

The address that never answers is 127.0.0.2:P, a listener whose backlog of 1 is full (Linux drops SYNs
to it); 127.0.0.3:P answers. Linux only (other 127/8 addresses). Usage: python
connect_several_addresses__asyncio.py asyncio|uvloop|rloop.
"""

import asyncio
import importlib
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
DEAD, LIVE = "127.0.0.2", "127.0.0.3"
NAME = "two-addresses.repro.test"


def in_own_hosts_file() -> None:
    """Run this script again in a private mount namespace whose /etc/hosts gives NAME the two
    addresses, DEAD first (needs root and util-linux's unshare): the loop's own resolver path
    (getaddrinfo in a thread, or libuv's) then returns them in that order."""
    if os.environ.get("REPRO_HOSTS") == NAME:
        return
    with tempfile.TemporaryDirectory() as folder:
        hosts = os.path.join(folder, "hosts")
        with open(hosts, "w", encoding="ascii") as file:
            file.write(f"{DEAD} {NAME}\n{LIVE} {NAME}\n")
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$0" /etc/hosts && exec "$@"', hosts, sys.executable, *sys.argv],
            env={**os.environ, "REPRO_HOSTS": NAME}, timeout=60, check=False)
    sys.exit(done.returncode)


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


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


async def main(port: int) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(NAME, port), 3)
    except asyncio.TimeoutError:
        return "TimeoutError", time.perf_counter() - started
    peer = writer.get_extra_info("peername")[0]
    writer.close()
    return f"connected to {peer}", time.perf_counter() - started


in_own_hosts_file()
port, sockets = setup()
loop = new_loop()
try:
    what, elapsed = loop.run_until_complete(main(port))
finally:
    loop.close()
    for sock in sockets:
        sock.close()
if what == "TimeoutError":
    print(f"REPRODUCED: {RUNTIME}: open_connection to a name with {DEAD} (never answers) then {LIVE} "
          f"(answers), inside wait_for(3), raised TimeoutError after {elapsed * 1000:.0f} ms without "
          f"reaching {LIVE}; socket.create_connection(timeout=3) connects to it after ~3000 ms")
    sys.exit(0)
print(f"NOT REPRODUCED: {RUNTIME}: {what} after {elapsed * 1000:.0f} ms")
sys.exit(1)
