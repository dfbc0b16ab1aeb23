"""The stub DNS server of the dns scenarios: a tiny server for the zone ``conformance.test``.

The dns scenarios resolve names through the system's real resolution path (getaddrinfo, gevent's and
libuv's thread pools, eventlet's own resolver...), so the server must sit where the system resolver
looks: port 53, because glibc's /etc/resolv.conf cannot name a port. Each cell's stub binds UDP and TCP
port 53 of its own random loopback address ``127.53.x.y`` (so cells running in parallel never share
one), and writes a ``resolv.conf`` naming only that address. The parent bind-mounts that file over
/etc/resolv.conf in the child's private mount namespace (``conformance._runner``), so a scenario
can never send a query off this machine. ``options timeout:1 attempts:1`` bounds a lookup the stub
never answers to about one second.

What the stub answers is decided by the first label of the name asked (case-insensitive), so that any
number of distinct names (which no cache can help with) behave alike; see :data:`BEHAVIOUR`. Only
documentation addresses are ever answered (RFC 5737 TEST-NETs, RFC 3849 2001:db8::/32). Every query
is appended to ``queries.log`` (``<monotonic time> <udp|tcp> <name> <type>``) and counted.

Each query is answered on a thread of its own, so a slow answer never delays another.
"""

from __future__ import annotations

import errno
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

ZONE = dns.name.from_text("conformance.test")
TTL = 0  # nothing may be cached: the same name must cost the same every time
SOA = "ns.conformance.test. hostmaster.conformance.test. 1 3600 600 86400 0"
UDP_LIMIT = 512  # without EDNS (RFC 1035); larger answers are truncated and come again over TCP
MAX_DELAY_MS = 10_000
BIND_ATTEMPTS = 50

# How names under the zone are answered, by their first label. A name whose first label matches none
# of these does not exist (NXDOMAIN); a name outside the zone is REFUSED.
BEHAVIOUR = """\
a                            A 192.0.2.1
xn--bcher-kva                A 192.0.2.2 (bücher, the same in IDNA 2003 and 2008)
fass                         A 192.0.2.3 (faß in IDNA 2003: ß maps to ss)
xn--fa-hia                   A 192.0.2.4 (faß in IDNA 2008: ß is kept)
slow-<ms>ms, slow-<ms>ms-<n> A 198.51.100.<n> (n in 0..255, default 1), after <ms> ms (A and AAAA)
aaaa-only...                 AAAA 2001:db8::1 only (an A query gets NOERROR and no data)
many...                      32 A records 203.0.113.1-32 (too big for UDP: TC, then TCP)
nxdomain...                  NXDOMAIN
servfail...                  SERVFAIL
timeout...                   no answer at all
"""

_FIXED = {"a": "192.0.2.1", "xn--bcher-kva": "192.0.2.2", "fass": "192.0.2.3",
          "xn--fa-hia": "192.0.2.4"}
_SLOW = re.compile(r"^slow-(\d+)ms(?:-(\d+))?$")
MANY_ADDRESSES = tuple(f"203.0.113.{n}" for n in range(1, 33))
AAAA_ONLY_ADDRESS = "2001:db8::1"


def slow_address(n: int = 1) -> str:
    """The address the stub gives ``slow-<ms>ms-<n>``."""
    return f"198.51.100.{n}"


def dns_stub(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Bind the stub on port 53 of a fresh 127.53.x.y and write ``folder/resolv.conf`` naming it.

    Returns the address info (``host``, ``port``, ``resolv_conf``, ``zone``, ``query_log``) and the
    function that serves forever; or ``{"unavailable": why}`` and a no-op where port 53 of such an
    address cannot be bound (not root, or a loopback without 127.0.0.0/8, as on macOS).
    """
    try:
        udp, tcp = _bind()
    except OSError as exc:
        why = (f"the stub DNS server cannot bind port 53 on a 127.53.x.y address ({exc}); it needs root "
               "(CAP_NET_BIND_SERVICE) and a loopback that routes all of 127.0.0.0/8")
        return {"unavailable": why}, lambda: None
    host = udp.getsockname()[0]
    resolv_conf = folder / "resolv.conf"
    resolv_conf.write_text(f"# the conformance stub DNS server alone\nnameserver {host}\n"
                           "options timeout:1 attempts:1\n", encoding="utf-8")
    stub = Stub(udp, tcp, folder / "queries.log")
    info = {"host": host, "port": 53, "resolv_conf": str(resolv_conf), "zone": ZONE.to_text(True),
            "query_log": str(stub.log_path)}
    return info, stub.serve


def _bind() -> tuple[socket.socket, socket.socket]:
    """UDP and TCP sockets on port 53 of the same random 127.53.x.y; retry where one is taken."""
    last: OSError | None = None
    for _ in range(BIND_ATTEMPTS):
        address = (f"127.53.{random.randrange(256)}.{random.randrange(1, 255)}", 53)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # Only TCP reuses: a previous stub's connections in TIME_WAIT must not block the address,
            # while a UDP socket with SO_REUSEADDR could share a port another stub is serving.
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            udp.bind(address)
            tcp.bind(address)
            tcp.listen(64)
        except OSError as exc:
            udp.close()
            tcp.close()
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
            continue
        return udp, tcp
    assert last is not None
    raise last


class Stub:
    """Answers queries on the two sockets; see :data:`BEHAVIOUR`."""

    def __init__(self, udp: socket.socket, tcp: socket.socket, log_path: Path) -> None:
        self.udp, self.tcp, self.log_path = udp, tcp, log_path
        self.queries = 0
        self._lock = threading.Lock()
        log_path.touch()

    # -- transport ------------------------------------------------------------------------------
    def serve(self) -> None:
        threading.Thread(target=self._serve_tcp, name="dns-tcp", daemon=True).start()
        while True:
            data, peer = self.udp.recvfrom(65535)
            threading.Thread(target=self._answer_udp, args=(data, peer), daemon=True).start()

    def _answer_udp(self, data: bytes, peer: tuple[str, int]) -> None:
        wire = self._answer(data, "udp")
        if wire is not None:
            try:
                self.udp.sendto(wire, peer)
            except OSError:
                pass  # the client is gone: nothing to tell it

    def _serve_tcp(self) -> None:
        while True:
            conn, _ = self.tcp.accept()
            threading.Thread(target=self._serve_connection, args=(conn,), daemon=True).start()

    def _serve_connection(self, conn: socket.socket) -> None:
        send_lock = threading.Lock()

        def answer(data: bytes) -> None:
            wire = self._answer(data, "tcp")
            if wire is not None:
                with send_lock:
                    try:
                        conn.sendall(len(wire).to_bytes(2, "big") + wire)
                    except OSError:
                        pass  # the client went away

        with conn:
            try:
                while True:
                    size = int.from_bytes(_recv_exactly(conn, 2), "big")
                    data = _recv_exactly(conn, size)
                    # Queries pipelined on one connection are answered independently too.
                    threading.Thread(target=answer, args=(data,), daemon=True).start()
            except (EOFError, OSError):
                return

    def _answer(self, data: bytes, transport: str) -> bytes | None:
        """The response's wire form, after the name's delay; None: no answer."""
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return None  # not a DNS query: ignore it, as servers do with garbage
        response, delay_s = self.respond(query, transport)
        if response is None:
            return None
        if delay_s:
            time.sleep(delay_s)
        if transport == "tcp":
            return response.to_wire()
        limit = max(UDP_LIMIT, query.payload) if query.edns >= 0 else UDP_LIMIT
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            response.answer.clear()
            response.flags |= dns.flags.TC
            return response.to_wire(max_size=limit)

    # -- behaviour ------------------------------------------------------------------------------
    def respond(self, query: dns.message.Message,
                transport: str) -> tuple[dns.message.Message | None, float]:
        """The response to ``query`` (None: never answer) and how long to wait before sending it."""
        response = dns.message.make_response(query, recursion_available=True)
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            response.set_rcode(dns.rcode.NOTIMP)
            return response, 0.0
        question = query.question[0]
        name, rdtype = question.name, question.rdtype
        self._log(transport, name, rdtype)
        if question.rdclass != dns.rdataclass.IN or not name.is_subdomain(ZONE):
            response.set_rcode(dns.rcode.REFUSED)
            return response, 0.0
        response.flags |= dns.flags.AA
        label = name.relativize(ZONE).labels[0].decode("ascii", "replace").lower() if name != ZONE else ""
        delay_s = 0.0
        records: list[tuple[dns.rdatatype.RdataType, str]] = []
        if label in _FIXED:
            records = [(dns.rdatatype.A, _FIXED[label])]
        elif slow := _SLOW.match(label):
            delay_s = min(int(slow.group(1)), MAX_DELAY_MS) / 1000.0
            number = int(slow.group(2) or 1)
            records = [(dns.rdatatype.A, slow_address(number))] if number < 256 else []
        elif label.startswith("aaaa-only"):
            records = [(dns.rdatatype.AAAA, AAAA_ONLY_ADDRESS)]
        elif label.startswith("many"):
            records = [(dns.rdatatype.A, address) for address in MANY_ADDRESSES]
        elif label.startswith("servfail"):
            response.set_rcode(dns.rcode.SERVFAIL)
            return response, 0.0
        elif label.startswith("timeout"):
            return None, 0.0
        elif label:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:  # the apex exists, with its SOA only
            records = [(dns.rdatatype.SOA, SOA)]
        wanted = [data for kind, data in records if kind == rdtype]
        if wanted:
            response.answer.append(dns.rrset.from_text(name, TTL, "IN", rdtype, *wanted))
        else:  # NXDOMAIN, or the name exists without this type (NODATA): the SOA says so (RFC 2308)
            response.authority.append(dns.rrset.from_text(ZONE, TTL, "IN", "SOA", SOA))
        return response, delay_s

    def _log(self, transport: str, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> None:
        line = f"{time.monotonic():.6f} {transport} {name.to_text()} {dns.rdatatype.to_text(rdtype)}\n"
        with self._lock:
            self.queries += 1
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(line)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data
