"""The stub DNS server of the dns scenarios: a tiny authoritative server for one zone.

The dns scenarios resolve names through the system's real resolution path (getaddrinfo, gevent's and
libuv's thread pools, eventlet's own resolver...), so the server must sit where the system resolver
looks, which depends on the platform (docs/dns.md):

- Linux: port 53, because glibc's /etc/resolv.conf cannot name a port. Each cell's stub binds UDP and
  TCP port 53 of its own random loopback address ``127.53.x.y`` (so cells running in parallel never
  share one), serves ``conformance.test``, and writes a ``resolv.conf`` naming only that address. The
  parent bind-mounts that file over /etc/resolv.conf in the child's private mount namespace
  (``conformance._parent.resolver``), so a scenario can never send a query off this machine.
  ``options timeout:1 attempts:1`` bounds a lookup the stub never answers to about one second.
- macOS: only 127.0.0.1 exists on its loopback, and a per-domain resolver file can name a port, so the
  stub binds 127.0.0.1 on a free port; Windows: an NRPT rule cannot name a port, so it binds port 53 of
  its own 127.53.x.y, as on Linux. On both, the system sends only the names under one zone to the stub
  (``conformance._os.system_resolver``), and cells run in parallel, so each stub serves a zone of its own,
  ``c<random>.conformance.test``.

What the stub answers is decided by the first label of the name asked (case-insensitive), so that any
number of distinct names (which no cache can help with) behave alike; see :data:`BEHAVIOUR`. Only
documentation addresses (RFC 5737 TEST-NETs, RFC 3849 2001:db8::/32) and, for the ``addrs-...`` names a
scenario spells its own loopback addresses with, IPv4 loopback addresses are ever answered. Every query
is appended to ``queries.log`` (``<monotonic time> <udp|tcp> <name> <type>``) and counted.

Each query is answered on a thread of its own, so a slow answer never delays another. How many are
being answered at once is what a client's resolver concurrency looks like from the server's side: each
time a query is taken up or its answer goes out, ``in_flight.log`` gets ``<monotonic time> <queries in
flight> <names in flight>`` (queries for the same name, an A and an AAAA, count as one name), and
:func:`max_in_flight` reads the largest of them since a moment. A query that is never answered
(``timeout...``) is not counted: it would stay in flight for ever.
"""

from __future__ import annotations

import errno
import random
import re
import secrets
import socket
import sys
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

DEFAULT_ZONE = "conformance.test"  # Linux's, where the child's whole resolver is the stub
TTL = 0  # nothing may be cached: the same name must cost the same every time
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
xn--n3h                      A 192.0.2.5 (☃ in IDNA 2003; IDNA 2008 and UTS 46 refuse the symbol)
slow-<ms>ms, slow-<ms>ms-<n> A 198.51.100.<n> (n in 0..255, default 1), after <ms> ms (A and AAAA)
aaaa-only...                 AAAA 2001:db8::1 only (an A query gets NOERROR and no data)
many...                      32 A records 203.0.113.1-32 (too big for UDP: TC, then TCP)
nxdomain...                  NXDOMAIN
servfail...                  SERVFAIL
timeout...                   no answer at all
canary...                    A 192.0.2.53 (scenarios/dns/_canary.py: does this runtime's resolver ask us?)
addrs-<a>-<b>-<c>-<d>...     A records for the IPv4 loopback addresses spelt in the label, 4 numbers each
                             (addrs-127-0-0-2-127-0-0-3: 127.0.0.2, then 127.0.0.3), in that order,
                             never shuffled; NXDOMAIN for a malformed label or an address outside 127/8
"""

_FIXED = {"a": "192.0.2.1", "xn--bcher-kva": "192.0.2.2", "fass": "192.0.2.3",
          "xn--fa-hia": "192.0.2.4", "xn--n3h": "192.0.2.5"}
_SLOW = re.compile(r"^slow-(\d+)ms(?:-(\d+))?$")
ADDRS_LABEL = "addrs"
_ADDRS = re.compile(r"^addrs((?:-\d{1,3}){4})+$")
MANY_ADDRESSES = tuple(f"203.0.113.{n}" for n in range(1, 33))
AAAA_ONLY_ADDRESS = "2001:db8::1"
# scenarios/dns/_canary.py checks for exactly this label and address (tests/os/test_system_resolver.py
# pins the two together): the scenarios import nothing of the engine's DNS code.
CANARY_LABEL = "canary"
CANARY_ADDRESS = "192.0.2.53"
# What a lookup the stub never answers is bounded by, where the mechanism can say (resolv.conf's
# ``options timeout:1 attempts:1``, resolver(5)'s ``timeout 1``); an NRPT rule cannot.
RESOLVER_TIMEOUT_S = 1


def slow_address(n: int = 1) -> str:
    """The address the stub gives ``slow-<ms>ms-<n>``."""
    return f"198.51.100.{n}"


def addrs_label(*addresses: str) -> str:
    """The first label the stub answers with exactly ``addresses`` (IPv4 loopback), in that order."""
    return "-".join([ADDRS_LABEL, *(address.replace(".", "-") for address in addresses)])


def loopback_addresses(label: str) -> list[str] | None:
    """The addresses an ``addrs-...`` label spells, in order; None unless each is an IPv4 loopback
    address (four numbers 0-255, the first 127)."""
    if not _ADDRS.match(label):
        return None
    numbers = [int(number) for number in label.split("-")[1:]]
    addresses = [numbers[i:i + 4] for i in range(0, len(numbers), 4)]
    if any(octets[0] != 127 or max(octets) > 255 for octets in addresses):
        return None
    return [".".join(map(str, octets)) for octets in addresses]


def cell_zone() -> str:
    """A zone of one cell's own, for the system resolvers of macOS and Windows, which are shared by
    every process of the machine: ``c<random>.conformance.test``."""
    return f"c{secrets.token_hex(5)}.{DEFAULT_ZONE}"


def dns_stub(folder: Path, platform: str | None = None) -> tuple[dict[str, Any], Callable[[], None]]:
    """Bind the stub where ``platform``'s resolver can be pointed at it (see the module's docstring).

    Returns the address info and the function that serves forever; or ``{"unavailable": why}`` and a
    no-op where it cannot bind. The info: ``host``, ``port``, ``zone``, ``query_log``, ``in_flight_log``;
    ``every_query`` (True where every DNS query of the child reaches the stub, False where only the
    names under ``zone`` do); ``resolver_timeout_s`` and ``resolver_timeout_setting`` (the bound on a
    lookup the stub never answers and the setting that says so, or None where nothing can set one);
    and on Linux ``resolv_conf``, the file naming the stub.
    """
    platform = platform or sys.platform
    if platform == "darwin":
        return _darwin_stub(folder)
    try:
        udp, tcp = _bind()
    except OSError as exc:
        needs = ("a loopback that routes all of 127.0.0.0/8" if platform == "win32" else
                 "root (CAP_NET_BIND_SERVICE) and a loopback that routes all of 127.0.0.0/8")
        why = f"the stub DNS server cannot bind port 53 on a 127.53.x.y address ({exc}); it needs {needs}"
        return {"unavailable": why}, lambda: None
    host = udp.getsockname()[0]
    if platform == "win32":
        zone = cell_zone()
        stub = Stub(udp, tcp, folder / "queries.log", zone)
        return {"host": host, "port": 53, "zone": zone, "query_log": str(stub.log_path),
                "in_flight_log": str(stub.in_flight_path), "every_query": False,
                "resolver_timeout_s": None, "resolver_timeout_setting": None}, stub.serve
    resolv_conf = folder / "resolv.conf"
    resolv_conf.write_text(f"# the conformance stub DNS server alone\nnameserver {host}\n"
                           f"options timeout:{RESOLVER_TIMEOUT_S} attempts:1\n", encoding="utf-8")
    stub = Stub(udp, tcp, folder / "queries.log")
    info = {"host": host, "port": 53, "resolv_conf": str(resolv_conf), "zone": DEFAULT_ZONE,
            "query_log": str(stub.log_path), "in_flight_log": str(stub.in_flight_path),
            "every_query": True,
            "resolver_timeout_s": RESOLVER_TIMEOUT_S,
            "resolver_timeout_setting": f"/etc/resolv.conf says timeout:{RESOLVER_TIMEOUT_S} attempts:1"}
    return info, stub.serve


def _darwin_stub(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    try:
        udp, tcp = _bind_free_port("127.0.0.1")
    except OSError as exc:
        return {"unavailable": f"the stub DNS server cannot bind 127.0.0.1 ({exc})"}, lambda: None
    zone = cell_zone()
    stub = Stub(udp, tcp, folder / "queries.log", zone)
    info = {"host": "127.0.0.1", "port": udp.getsockname()[1], "zone": zone,
            "query_log": str(stub.log_path), "in_flight_log": str(stub.in_flight_path),
            "every_query": False,
            # conformance._os.system_resolver writes this bound into the zone's resolver file.
            "resolver_timeout_s": RESOLVER_TIMEOUT_S,
            "resolver_timeout_setting": f"/etc/resolver/{zone} says timeout {RESOLVER_TIMEOUT_S}"}
    return info, stub.serve


def _bind() -> tuple[socket.socket, socket.socket]:
    """UDP and TCP sockets on port 53 of the same random 127.53.x.y; retry where one is taken."""
    last: OSError | None = None
    for _ in range(BIND_ATTEMPTS):
        address = (f"127.53.{random.randrange(256)}.{random.randrange(1, 255)}", 53)
        try:
            return _bind_pair(address)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
    assert last is not None
    raise last


def _bind_free_port(host: str) -> tuple[socket.socket, socket.socket]:
    """UDP and TCP sockets on one free port of ``host``: the UDP port the kernel picks, and TCP on
    the same number (another port where TCP has that one taken)."""
    last: OSError | None = None
    for _ in range(BIND_ATTEMPTS):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            udp.bind((host, 0))
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as in _bind_pair
            tcp.bind((host, udp.getsockname()[1]))
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


def _bind_pair(address: tuple[str, int]) -> tuple[socket.socket, socket.socket]:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if sys.platform != "win32":
            # Only TCP reuses: a previous stub's connections in TIME_WAIT must not block the address,
            # while a UDP socket with SO_REUSEADDR could share a port another stub is serving. On
            # Windows SO_REUSEADDR lets a socket take a port another is listening on, and TIME_WAIT
            # does not block a bind there anyway
            # (https://learn.microsoft.com/en-us/windows/win32/winsock/using-so-reuseaddr-and-so-exclusiveaddruse).
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        udp.bind(address)
        tcp.bind(address)
        tcp.listen(64)
    except OSError:
        udp.close()
        tcp.close()
        raise
    return udp, tcp


class Stub:
    """Answers queries on the two sockets; see :data:`BEHAVIOUR`."""

    def __init__(self, udp: socket.socket, tcp: socket.socket, log_path: Path,
                 zone: str = DEFAULT_ZONE) -> None:
        self.udp, self.tcp, self.log_path = udp, tcp, log_path
        self.zone = dns.name.from_text(zone)
        apex = self.zone.to_text()
        self.soa = f"ns.{apex} hostmaster.{apex} 1 3600 600 86400 0"
        self.queries = 0
        self._lock = threading.Lock()
        log_path.touch()
        # Queries being answered now, by name (lower case): what in_flight.log records.
        self.in_flight_path = log_path.with_name("in_flight.log")
        self.in_flight_path.touch()
        self._in_flight: dict[str, int] = {}
        self.max_in_flight_queries = self.max_in_flight_names = 0

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
        name = query.question[0].name.to_text().lower() if query.question else ""
        self._taken_up(name)
        try:
            if delay_s:
                time.sleep(delay_s)
            # want_shuffle=False: records go out in the order the behaviour lists them (dnspython
            # shuffles an RRset by default), which the addrs-... names promise.
            if transport == "tcp":
                return response.to_wire(want_shuffle=False)
            limit = max(UDP_LIMIT, query.payload) if query.edns >= 0 else UDP_LIMIT
            try:
                return response.to_wire(max_size=limit, want_shuffle=False)
            except dns.exception.TooBig:
                response.answer.clear()
                response.flags |= dns.flags.TC
                return response.to_wire(max_size=limit, want_shuffle=False)
        finally:
            self._answered(name)

    def _taken_up(self, name: str) -> None:
        with self._lock:
            self._in_flight[name] = self._in_flight.get(name, 0) + 1
            self._record_in_flight()

    def _answered(self, name: str) -> None:
        with self._lock:
            self._in_flight[name] -= 1
            if not self._in_flight[name]:
                del self._in_flight[name]
            self._record_in_flight()

    def _record_in_flight(self) -> None:
        """Under the lock: the counts now, and the largest so far."""
        queries, names = sum(self._in_flight.values()), len(self._in_flight)
        self.max_in_flight_queries = max(self.max_in_flight_queries, queries)
        self.max_in_flight_names = max(self.max_in_flight_names, names)
        with open(self.in_flight_path, "a", encoding="utf-8") as log:
            log.write(f"{time.monotonic():.6f} {queries} {names}\n")

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
        if question.rdclass != dns.rdataclass.IN or not name.is_subdomain(self.zone):
            response.set_rcode(dns.rcode.REFUSED)
            return response, 0.0
        response.flags |= dns.flags.AA
        label = (name.relativize(self.zone).labels[0].decode("ascii", "replace").lower()
                 if name != self.zone else "")
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
        elif label.startswith(CANARY_LABEL):
            records = [(dns.rdatatype.A, CANARY_ADDRESS)]
        elif (loopback := loopback_addresses(label)) is not None:
            records = [(dns.rdatatype.A, address) for address in loopback]
            if len(set(loopback)) != len(loopback):  # an RRset holds each address once
                records = []
                response.set_rcode(dns.rcode.NXDOMAIN)
        elif label:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:  # the apex exists, with its SOA only
            records = [(dns.rdatatype.SOA, self.soa)]
        wanted = [data for kind, data in records if kind == rdtype]
        if wanted:
            response.answer.append(dns.rrset.from_text(name, TTL, "IN", rdtype, *wanted))
        else:  # NXDOMAIN, or the name exists without this type (NODATA): the SOA says so (RFC 2308)
            response.authority.append(dns.rrset.from_text(self.zone, TTL, "IN", "SOA", self.soa))
        return response, delay_s

    def _log(self, transport: str, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> None:
        line = f"{time.monotonic():.6f} {transport} {name.to_text()} {dns.rdatatype.to_text(rdtype)}\n"
        with self._lock:
            self.queries += 1
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(line)


def max_in_flight(in_flight_log: str | Path, since: float = 0.0) -> tuple[int, int]:
    """The most queries, and the most distinct names, the stub was answering at once from ``since`` (a
    ``time.monotonic()`` of this machine) on, read from its ``in_flight.log``."""
    queries = names = 0
    for line in Path(in_flight_log).read_text(encoding="utf-8").splitlines():
        at, in_flight, distinct = line.split()
        if float(at) >= since:
            queries, names = max(queries, int(in_flight)), max(names, int(distinct))
    return queries, names


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data
