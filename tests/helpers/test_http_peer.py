"""The ``http`` peer of the libraries area (conformance._helpers.peers), asked with http.client in a peer
process as the scenarios get it: slow requests counted by name, a client that goes away no longer
counted, and a kill that resets the connections of a name."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conformance._parent.peers import PeerProcess

TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    peers = PeerProcess(["http"], tmp_path_factory.mktemp("http"))
    try:
        yield peers.addresses["http"]
    finally:
        peers.stop()


def ask(peer: dict[str, Any], path: str, method: str = "GET",
        conn: http.client.HTTPConnection | None = None) -> tuple[int, str]:
    conn = conn or http.client.HTTPConnection(peer["host"], peer["port"], timeout=TIMEOUT_S)
    conn.request(method, path)
    response = conn.getresponse()
    return response.status, response.read().decode()


def active(peer: dict[str, Any], name: str) -> int:
    status, body = ask(peer, f"/active?name={name}")
    assert status == 200
    return int(body)


def wait_for(peer: dict[str, Any], name: str, count: int) -> float:
    started = time.monotonic()
    while active(peer, name) != count:
        assert time.monotonic() - started < TIMEOUT_S, f"{name} never had {count} requests in progress"
        time.sleep(0.01)
    return time.monotonic() - started


def test_address(peer: dict[str, Any]) -> None:
    assert peer["host"] == "127.0.0.1"
    assert peer["url"] == f"http://127.0.0.1:{peer['port']}"
    assert "http.server" in peer["version"]


def test_simple_and_unknown_route(peer: dict[str, Any]) -> None:
    assert ask(peer, "/simple") == (200, "42")
    assert ask(peer, "/nothing")[0] == 404


def test_one_slow_request_counts_itself(peer: dict[str, Any]) -> None:
    started = time.monotonic()
    assert ask(peer, "/slow?ms=200&name=one") == (200, "1")
    assert time.monotonic() - started >= 0.19
    assert active(peer, "one") == 0


def test_keep_alive(peer: dict[str, Any]) -> None:
    conn = http.client.HTTPConnection(peer["host"], peer["port"], timeout=TIMEOUT_S)
    try:
        assert ask(peer, "/slow?ms=10&name=kept", conn=conn) == (200, "1")
        assert ask(peer, "/simple", conn=conn) == (200, "42")
    finally:
        conn.close()


def test_concurrent_slow_requests_are_counted_by_name(peer: dict[str, Any]) -> None:
    with ThreadPoolExecutor(8) as pool:
        others = pool.submit(ask, peer, "/slow?ms=600&name=other")
        answers = list(pool.map(lambda _: ask(peer, "/slow?ms=400&name=many"), range(6)))
        assert others.result() == (200, "1")
    assert all(status == 200 for status, _ in answers)
    # Each answers how many of its name are still running: the first to end sees all six.
    assert max(int(body) for _, body in answers) == 6
    assert active(peer, "many") == 0


def test_a_client_that_goes_away_is_no_longer_counted(peer: dict[str, Any]) -> None:
    conn = http.client.HTTPConnection(peer["host"], peer["port"], timeout=TIMEOUT_S)
    conn.request("GET", "/slow?ms=5000&name=gone")
    wait_for(peer, "gone", 1)
    conn.close()
    assert wait_for(peer, "gone", 0) < 1.0


def test_kill_resets_the_connections_of_a_name(peer: dict[str, Any]) -> None:
    conn = http.client.HTTPConnection(peer["host"], peer["port"], timeout=TIMEOUT_S)
    spared = http.client.HTTPConnection(peer["host"], peer["port"], timeout=TIMEOUT_S)
    try:
        conn.request("GET", "/slow?ms=5000&name=killed")
        spared.request("GET", "/slow?ms=500&name=spared")
        wait_for(peer, "killed", 1)
        assert ask(peer, "/kill?name=killed", method="POST") == (200, "1")
        started = time.monotonic()
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            conn.getresponse()
        assert time.monotonic() - started < 1.0
        assert active(peer, "killed") == 0
        assert spared.getresponse().read() == b"1"
    finally:
        conn.close()
        spared.close()


def test_a_killed_name_stays_killed(peer: dict[str, Any]) -> None:
    # A client's retry of the killed request, on a fresh connection, is reset too: the server is gone.
    conn = http.client.HTTPConnection(peer["host"], peer["port"], timeout=TIMEOUT_S)
    try:
        conn.request("GET", "/slow?ms=5000&name=dead")
        wait_for(peer, "dead", 1)
        assert ask(peer, "/kill?name=dead", method="POST") == (200, "1")
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            conn.getresponse()
    finally:
        conn.close()
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        ask(peer, "/slow?ms=10&name=dead")
    assert ask(peer, "/slow?ms=10&name=alive") == (200, "1")
