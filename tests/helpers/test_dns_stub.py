"""The stub DNS server of the dns scenarios (conformance._helpers.dns_stub), asked with dnspython's own query
functions at its address (never through the system resolver), and one isolated-resolver cell end to end.

The Linux stub binds port 53, which needs root: the tests of it are skipped otherwise, and off Linux,
where the stub is placed otherwise. The stub of a zone of its own on a free port of 127.0.0.1 (how macOS
gets it) needs nothing; Windows' stub binds port 53 of a 127.53.x.y address, which any user may bind on
Windows and which macOS's loopback does not have.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conformance._helpers import dns_stub as _dns_stub
from conformance._model.outcomes import Outcome
from conformance._model.scenarios import Scenario
from conformance._parent.cells import CellRunner
from conformance._parent.peers import PeerProcess
from conformance._runtimes import get_runtime

# The Linux placement (conformance.test on port 53 of 127.53.x.y, named by a resolv.conf): only Linux
# places its stub so, and only root may bind port 53 there.
LINUX_STUB = ("the Linux placement of the stub DNS server (conformance.test on port 53 of a 127.53.x.y "
              "address) needs Linux and root")
linux_stub_here = sys.platform == "linux" and os.geteuid() == 0
# Port 53 of a 127.53.x.y address: Windows lets any user bind it; Linux only root; macOS's loopback has
# no address but 127.0.0.1.
binds_127_53 = pytest.mark.skipif(
    not (linux_stub_here or sys.platform == "win32"),
    reason="binds port 53 of a 127.53.x.y address: Linux needs root for it, and macOS's loopback has no "
           "address but 127.0.0.1")

ScenarioFactory = Callable[..., Scenario]  # the write_scenario fixture (conftest.py)
QUERY_TIMEOUT_S = 5.0
SLOW_QUERIES = 40
SLOW_DELAY_S = 0.2


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One stub for the module, in a peer process as the scenarios get it."""
    if not linux_stub_here:
        pytest.skip(LINUX_STUB)
    peers = PeerProcess(["dns_stub"], tmp_path_factory.mktemp("dns"))
    try:
        info = peers.addresses["dns_stub"]
        if "unavailable" in info:
            pytest.skip(info["unavailable"])
        yield info
    finally:
        peers.stop()


def ask(stub: dict[str, Any], name: str, rdtype: str = "A", *, tcp: bool = False,
        timeout: float = QUERY_TIMEOUT_S) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, stub["host"], timeout=timeout, port=stub["port"])


def answers(response: dns.message.Message) -> set[str]:
    return {rdata.to_text() for rrset in response.answer for rdata in rrset}


def test_address_and_resolv_conf(stub: dict[str, Any]) -> None:
    host = ipaddress.ip_address(stub["host"])
    assert host in ipaddress.ip_network("127.53.0.0/16")
    assert stub["port"] == 53
    assert stub["zone"] == "conformance.test"
    lines = [line for line in Path(stub["resolv_conf"]).read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    assert lines == [f"nameserver {stub['host']}", "options timeout:1 attempts:1"]
    # The namespace's resolv.conf names the stub alone: every query of the child reaches it.
    assert stub["every_query"] is True
    assert stub["resolver_timeout_s"] == 1
    assert stub["resolver_timeout_setting"] == "/etc/resolv.conf says timeout:1 attempts:1"


def test_a_name(stub: dict[str, Any]) -> None:
    response = ask(stub, "a.conformance.test")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert answers(response) == {"192.0.2.1"}
    assert response.answer[0].ttl == 0


def test_names_are_case_insensitive(stub: dict[str, Any]) -> None:
    assert answers(ask(stub, "A.Conformance.TEST")) == {"192.0.2.1"}


def test_a_name_has_no_aaaa(stub: dict[str, Any]) -> None:
    response = ask(stub, "a.conformance.test", "AAAA")
    assert response.rcode() == dns.rcode.NOERROR
    assert not response.answer
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]


@pytest.mark.parametrize(("name", "address"), [
    ("xn--bcher-kva.conformance.test", "192.0.2.2"),
    ("fass.conformance.test", "192.0.2.3"),
    ("xn--fa-hia.conformance.test", "192.0.2.4"),
    ("xn--n3h.conformance.test", "192.0.2.5"),
])
def test_idn_names(stub: dict[str, Any], name: str, address: str) -> None:
    assert answers(ask(stub, name)) == {address}


def test_slow_name_answers_after_its_delay(stub: dict[str, Any]) -> None:
    started = time.perf_counter()
    response = ask(stub, "slow-300ms-7.conformance.test")
    elapsed = time.perf_counter() - started
    assert answers(response) == {"198.51.100.7"}
    assert elapsed >= 0.29
    assert answers(ask(stub, "slow-10ms.conformance.test")) == {"198.51.100.1"}


def test_slow_answers_overlap(stub: dict[str, Any]) -> None:
    """40 queries answered after 200 ms each, sent at once: far sooner than one after another (8 s)."""
    names = [f"slow-{int(SLOW_DELAY_S * 1000)}ms-{n}.conformance.test" for n in range(1, SLOW_QUERIES + 1)]
    with ThreadPoolExecutor(SLOW_QUERIES) as pool:
        started = time.perf_counter()
        responses = list(pool.map(ask, [stub] * SLOW_QUERIES, names))
        elapsed = time.perf_counter() - started
    assert [answers(r) for r in responses] == [{f"198.51.100.{n}"} for n in range(1, SLOW_QUERIES + 1)]
    assert elapsed >= SLOW_DELAY_S * 0.95
    assert elapsed < SLOW_QUERIES * SLOW_DELAY_S / 4, f"{SLOW_QUERIES} slow answers took {elapsed:.2f} s"


def test_queries_in_flight_at_once_are_counted(stub: dict[str, Any]) -> None:
    """40 slow queries sent together are all in flight at once; then one at a time, one; a name's A and
    AAAA count as two queries but one name."""
    since = time.monotonic()
    names = [f"slow-{int(SLOW_DELAY_S * 1000)}ms-{n}.in-flight.conformance.test"
             for n in range(1, SLOW_QUERIES + 1)]
    with ThreadPoolExecutor(SLOW_QUERIES) as pool:
        list(pool.map(ask, [stub] * SLOW_QUERIES, names))
    assert _dns_stub.max_in_flight(stub["in_flight_log"], since) == (SLOW_QUERIES, SLOW_QUERIES)
    since = time.monotonic()
    for name in names[:3]:
        ask(stub, name)
    assert _dns_stub.max_in_flight(stub["in_flight_log"], since) == (1, 1)
    since = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(ask, [stub] * 2, ["slow-300ms-5.in-flight.conformance.test"] * 2, ["A", "AAAA"]))
    assert _dns_stub.max_in_flight(stub["in_flight_log"], since) == (2, 1)
    # Every count went back to zero: the last line of the log says nothing is in flight.
    last = Path(stub["in_flight_log"]).read_text(encoding="utf-8").splitlines()[-1]
    assert last.split()[1:] == ["0", "0"]


def test_an_unanswered_query_is_not_in_flight(stub: dict[str, Any]) -> None:
    since = time.monotonic()
    with pytest.raises(dns.exception.Timeout):
        ask(stub, "timeout-in-flight.conformance.test", timeout=0.3)
    assert _dns_stub.max_in_flight(stub["in_flight_log"], since) == (0, 0)


def test_pipelined_tcp_queries_are_answered_independently(stub: dict[str, Any]) -> None:
    """On one TCP connection, a quick answer overtakes a slow one asked before it."""
    slow = dns.message.make_query("slow-500ms.conformance.test", "A")
    quick = dns.message.make_query("a.conformance.test", "A")
    with socket.create_connection((stub["host"], stub["port"]), timeout=QUERY_TIMEOUT_S) as sock:
        dns.query.send_tcp(sock, slow)
        dns.query.send_tcp(sock, quick)
        first, _ = dns.query.receive_tcp(sock, time.time() + QUERY_TIMEOUT_S)
        second, _ = dns.query.receive_tcp(sock, time.time() + QUERY_TIMEOUT_S)
    assert (first.id, second.id) == (quick.id, slow.id)
    assert answers(first) == {"192.0.2.1"}
    assert answers(second) == {"198.51.100.1"}


@pytest.mark.parametrize("name", ["nxdomain.conformance.test", "nxdomain-42.conformance.test",
                                  "unknown.conformance.test", "x.y.conformance.test"])
def test_names_that_do_not_exist(stub: dict[str, Any], name: str) -> None:
    response = ask(stub, name)
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]


def test_servfail(stub: dict[str, Any]) -> None:
    assert ask(stub, "servfail-1.conformance.test").rcode() == dns.rcode.SERVFAIL


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_timeout_is_never_answered(stub: dict[str, Any], tcp: bool) -> None:
    with pytest.raises(dns.exception.Timeout):
        ask(stub, "timeout.conformance.test", tcp=tcp, timeout=1.0)


def test_aaaa_only(stub: dict[str, Any]) -> None:
    no_a = ask(stub, "aaaa-only.conformance.test", "A")
    assert no_a.rcode() == dns.rcode.NOERROR
    assert not no_a.answer
    assert answers(ask(stub, "aaaa-only.conformance.test", "AAAA")) == {"2001:db8::1"}


def test_many_is_truncated_over_udp_and_whole_over_tcp(stub: dict[str, Any]) -> None:
    over_udp = ask(stub, "many.conformance.test")
    assert over_udp.flags & dns.flags.TC
    assert not over_udp.answer
    over_tcp = ask(stub, "many.conformance.test", tcp=True)
    assert answers(over_tcp) == {f"203.0.113.{n}" for n in range(1, 33)}


def test_names_outside_the_zone_are_refused(stub: dict[str, Any]) -> None:
    for name in ("example.com", "1.0.0.127.in-addr.arpa", "conformance.test.example"):
        response = ask(stub, name)
        assert response.rcode() == dns.rcode.REFUSED, name
        assert not response.flags & dns.flags.AA


def test_the_zone_apex_has_its_soa(stub: dict[str, Any]) -> None:
    assert ask(stub, "conformance.test", "SOA").answer[0].rdtype == dns.rdatatype.SOA
    apex_a = ask(stub, "conformance.test", "A")
    assert apex_a.rcode() == dns.rcode.NOERROR
    assert not apex_a.answer


def test_queries_are_logged(stub: dict[str, Any]) -> None:
    ask(stub, "logged-once.conformance.test", "AAAA")
    ask(stub, "logged-once.conformance.test", "A", tcp=True)
    lines = Path(stub["query_log"]).read_text(encoding="utf-8").splitlines()
    assert [line.split()[1:] for line in lines if "logged-once" in line] == [
        ["udp", "logged-once.conformance.test.", "AAAA"], ["tcp", "logged-once.conformance.test.", "A"]]


def test_garbage_is_ignored(stub: dict[str, Any]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"not a dns message", (stub["host"], stub["port"]))
    assert answers(ask(stub, "a.conformance.test")) == {"192.0.2.1"}  # still serving


def test_the_canary_is_answered(stub: dict[str, Any]) -> None:
    response = ask(stub, "canary-0123456789ab.conformance.test")
    assert answers(response) == {_dns_stub.CANARY_ADDRESS} == {"192.0.2.53"}
    assert not ask(stub, "canary-0123456789ab.conformance.test", "AAAA").answer


def test_addrs_names_give_their_loopback_addresses_in_order(stub: dict[str, Any]) -> None:
    label = _dns_stub.addrs_label("127.0.0.2", "127.0.0.3")
    assert label == "addrs-127-0-0-2-127-0-0-3"
    for _ in range(5):  # the order asked for, every time (never shuffled), over UDP and TCP alike
        for tcp in (False, True):
            response = ask(stub, f"{label}.conformance.test", tcp=tcp)
            assert [rdata.to_text() for rdata in response.answer[0]] == ["127.0.0.2", "127.0.0.3"]
            assert response.answer[0].ttl == 0
    reverse = ask(stub, "ADDRS-127-0-0-3-127-0-0-2.conformance.test")
    assert [rdata.to_text() for rdata in reverse.answer[0]] == ["127.0.0.3", "127.0.0.2"]
    assert answers(ask(stub, "addrs-127-1-2-3.conformance.test")) == {"127.1.2.3"}
    no_aaaa = ask(stub, f"{label}.conformance.test", "AAAA")
    assert no_aaaa.rcode() == dns.rcode.NOERROR
    assert not no_aaaa.answer


@pytest.mark.parametrize("label", ["addrs", "addrs-127-0-0", "addrs-127-0-0-256", "addrs-10-0-0-1",
                                   "addrs-127-0-0-2-192-0-2-1", "addrs-127-0-0-2-127-0-0-2",
                                   "addrs-127-0-0-2x", "addrs-127-0-0-1234"])
def test_malformed_or_foreign_addrs_names_do_not_exist(stub: dict[str, Any], label: str) -> None:
    response = ask(stub, f"{label}.conformance.test")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert not response.answer


def test_loopback_addresses_reads_a_label_without_a_server() -> None:
    assert _dns_stub.loopback_addresses("addrs-127-0-0-2-127-0-0-3") == ["127.0.0.2", "127.0.0.3"]
    assert _dns_stub.loopback_addresses("addrs-127-255-0-9") == ["127.255.0.9"]
    for label in ("addrs", "addrs-", "addrs-127-0-0", "addrs-128-0-0-1", "addrs-127-0-0-300", "a"):
        assert _dns_stub.loopback_addresses(label) is None, label


@binds_127_53
def test_an_address_in_use_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.53.254.254", 53))
    picks = iter([254, 254, 254, 253])
    monkeypatch.setattr(random, "randrange", lambda *args: next(picks))
    try:
        info, _ = _dns_stub.dns_stub(tmp_path)
        assert info["host"] == "127.53.254.253"
    finally:
        taken.close()


def test_unbindable_port_makes_the_stub_unavailable(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_dns_stub, "_bind", refuse)
    info, serve = _dns_stub.dns_stub(tmp_path, platform="linux")  # the placement whose bind needs root
    assert set(info) == {"unavailable"}
    assert "port 53" in info["unavailable"] and "root" in info["unavailable"]
    serve()  # a no-op
    assert not (tmp_path / "resolv.conf").exists()


ISOLATED = """\
    '''Resolve a stub name in the isolated resolver.'''
    import socket

    PEERS = ("dns_stub",)
    ISOLATED_RESOLVER = True

    def run_sync(ctx):
        with open("/etc/resolv.conf") as f:
            ctx.expect_equal(f.read().split("nameserver ")[1].split()[0], ctx.peers["dns_stub"].host,
                             "the nameserver of the child's /etc/resolv.conf")
        ctx.expect_equal(socket.gethostbyname("a.conformance.test"), "192.0.2.1", "a.conformance.test")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the isolated resolver is arranged on Linux only")
def test_isolated_resolver_cell_end_to_end(write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("isolated", ISOLATED, area="dns")
    cell = CellRunner().run(scenario, get_runtime("threads"))
    assert cell.outcome is Outcome.PASS, (cell.reason, cell.details)


# -- the stub of a zone of the cell's own, as macOS and Windows get it ----------------------------


@pytest.fixture
def zone_stub(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The macOS placement: a zone of its own, on a free port of 127.0.0.1 (no root needed)."""
    info, serve = _dns_stub.dns_stub(tmp_path, platform="darwin")
    assert "unavailable" not in info, info
    threading.Thread(target=serve, daemon=True).start()
    yield info


def test_a_macos_stub_has_a_zone_and_a_port_of_its_own(zone_stub: dict[str, Any], tmp_path: Path) -> None:
    assert zone_stub["host"] == "127.0.0.1"
    assert zone_stub["port"] not in (0, 53)
    assert re.fullmatch(r"c[0-9a-f]{10}\.conformance\.test", zone_stub["zone"])
    assert zone_stub["every_query"] is False  # the system sends it the zone's names only
    assert zone_stub["resolver_timeout_s"] == 1
    assert zone_stub["resolver_timeout_setting"] == f"/etc/resolver/{zone_stub['zone']} says timeout 1"
    assert "resolv_conf" not in zone_stub
    assert not (tmp_path / "resolv.conf").exists()
    (tmp_path / "other").mkdir()
    other, _ = _dns_stub.dns_stub(tmp_path / "other", platform="darwin")  # a cell running beside it
    assert other["zone"] != zone_stub["zone"]
    assert other["port"] != zone_stub["port"]


def test_a_zone_stub_answers_in_its_zone_alone(zone_stub: dict[str, Any]) -> None:
    zone = zone_stub["zone"]
    assert answers(ask(zone_stub, f"a.{zone}")) == {"192.0.2.1"}
    assert answers(ask(zone_stub, f"slow-10ms-9.{zone}", tcp=True)) == {"198.51.100.9"}
    assert answers(ask(zone_stub, f"canary-42.{zone}")) == {"192.0.2.53"}
    nxdomain = ask(zone_stub, f"nxdomain.{zone}")
    assert nxdomain.rcode() == dns.rcode.NXDOMAIN
    assert [rrset.name.to_text() for rrset in nxdomain.authority] == [f"{zone}."]
    assert ask(zone_stub, zone, "SOA").answer[0].to_text().split()[4] == f"ns.{zone}."
    # The Linux zone, and names beside this one in it, belong to other stubs.
    for name in ("a.conformance.test", "conformance.test", f"a.x{zone}"):
        assert ask(zone_stub, name).rcode() == dns.rcode.REFUSED, name
    lines = Path(zone_stub["query_log"]).read_text(encoding="utf-8").splitlines()
    assert lines[0].split()[1:] == ["udp", f"a.{zone}.", "A"]


@binds_127_53
def test_a_windows_stub_listens_on_port_53_of_its_own_address(tmp_path: Path) -> None:
    info, serve = _dns_stub.dns_stub(tmp_path, platform="win32")
    assert "unavailable" not in info, info
    threading.Thread(target=serve, daemon=True).start()
    assert ipaddress.ip_address(info["host"]) in ipaddress.ip_network("127.53.0.0/16")
    assert info["port"] == 53
    assert re.fullmatch(r"c[0-9a-f]{10}\.conformance\.test", info["zone"])
    # An NRPT rule sends the zone's names only, and sets no timeout.
    assert (info["every_query"], info["resolver_timeout_s"], info["resolver_timeout_setting"]) == (
        False, None, None)
    assert answers(ask(info, f"a.{info['zone']}")) == {"192.0.2.1"}
    assert ask(info, "a.conformance.test").rcode() == dns.rcode.REFUSED
