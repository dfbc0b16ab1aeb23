"""eventlet's green getnameinfo skips /etc/hosts and the services database for an IPv4 address.

Reference: ``socket.getnameinfo(("127.0.0.1", 80), 0)`` asks the system's name service, which reads
/etc/hosts before DNS: ``("localhost", "http")`` on most systems, without a DNS query. eventlet's
``greendns.getnameinfo`` (what ``monkey_patch()`` installs) asks DNS for the PTR record of an IPv4
address and, when DNS has none, returns the address; and for IPv4 it never converts the port, returning
``80`` (an int) instead of ``"http"`` (eventlet/support/greendns.py, ``getnameinfo``). The script
points eventlet's resolver at a tiny DNS server of its own (another process on 127.0.0.1, which
refuses every name, as a resolver that does not know 127.0.0.1 does), so no query leaves the machine,
and compares with the unpatched ``getnameinfo``. Usage: python reverse__eventlet.py eventlet
(``threads``: the unpatched call, NOT REPRODUCED).
"""

import subprocess
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
# A DNS server in a process of its own: prints its UDP port, answers every query with REFUSED.
SERVER = ("import socket, struct, sys, threading\n"
          "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))\n"
          "print(s.getsockname()[1], flush=True)\n"
          "threading.Thread(target=lambda: (sys.stdin.read(), s.close()), daemon=True).start()\n"
          "while True:\n"
          "    data, peer = s.recvfrom(512)\n"
          "    end = 12\n"
          "    while data[end]: end += data[end] + 1\n"
          "    s.sendto(struct.pack('>HHHHHH', struct.unpack('>H', data[:2])[0], 0x8185, 1, 0, 0, 0)"
          " + data[12:end + 5], peer)\n")
server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True)
try:
    assert server.stdout is not None
    port = int(server.stdout.readline())
    import socket

    reference = socket.getnameinfo(("127.0.0.1", 80), 0)
    if RUNTIME == "eventlet":
        import dns.resolver
        import eventlet

        eventlet.monkey_patch()
        from eventlet.support import greendns

        resolver = dns.resolver.Resolver(configure=False)
        resolver.port = port
        resolver.nameservers = ["127.0.0.1"]  # after the port: each server takes the port set then
        resolver.lifetime = 3.0
        greendns.resolver._resolver = resolver
        with eventlet.Timeout(5):
            got = socket.getnameinfo(("127.0.0.1", 80), 0)
    else:
        got = socket.getnameinfo(("127.0.0.1", 80), 0)
finally:
    server.kill()
    server.communicate(timeout=5)
print(f"the standard library: getnameinfo(('127.0.0.1', 80), 0) = {reference!r}; {RUNTIME}: {got!r}")
if got != reference:
    print("REPRODUCED: the green getnameinfo answers from DNS alone and leaves the port a number")
    sys.exit(0)
print("NOT REPRODUCED: the same answer")
sys.exit(1)
