"""conformance.support, the code scenario bodies share, on real sockets, pipes and processes.

The Twisted helpers run under Twisted's default reactor in a process of their own (``task.react``), as
a cell's child runs them: a reactor installed in the test process would stay installed for every other
test.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from conformance.support.net import (
    BacklogAnswered,
    connect_state,
    fill_backlog,
    receive_exactly_trio,
    recv_exactly,
    within_asyncio,
    within_trio,
)

# A Twisted program (argv[1]: which check) that prints one JSON document: what the check observed.
TWISTED_PROGRAM = r'''
import json, os, signal, sys, time

from twisted.internet import defer, endpoints, protocol, task


async def returncodes(reactor):
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    found = {}
    for name, code in (("exit 0", "pass"), ("exit 3", "import sys; sys.exit(3)")):
        child = spawn([sys.executable, "-c", code])
        found[name] = [await within_twisted(10, child.wait_exited()),
                       await within_twisted(10, child.wait_ended())]
    child = spawn([sys.executable, "-c", "import sys, time; print('up', flush=True); time.sleep(60)"])
    line = await within_twisted(10, child.readline())
    child.transport.signalProcess("KILL")
    found["SIGKILL"] = [await within_twisted(10, child.wait_exited()),
                        await within_twisted(10, child.wait_ended())]
    found["line"] = line.decode()
    return found


async def bounds(reactor):
    from conformance.support.net import within_twisted

    async def value_after(seconds):
        await task.deferLater(reactor, seconds)
        return "done"

    found = {}
    for name, make in (("deferred", lambda s: task.deferLater(reactor, s, lambda: "done")),
                       ("coroutine", value_after)):
        started = time.monotonic()
        found[name + " in time"] = [await within_twisted(5, make(0.01)), time.monotonic() - started]
        started = time.monotonic()
        try:
            await within_twisted(0.2, make(30))
            outcome = "no timeout"
        except defer.TimeoutError:
            outcome = "TimeoutError"
        found[name + " late"] = [outcome, time.monotonic() - started]
    return found


async def streams(reactor):
    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream, read_pipe_to_eof

    class Echo(protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data)
            if data.endswith(b"END"):
                self.transport.loseConnection()

    port = await endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(
        protocol.Factory.forProtocol(Echo))
    endpoint = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port)
    stream = await within_twisted(5, endpoints.connectProtocol(endpoint, Stream()))
    stream.transport.write(b"one\ntwo three END")
    found = {"until": (await within_twisted(5, stream.read_until(b"\n"))).decode(),
             "exactly": (await within_twisted(5, stream.read_exactly(3))).decode(),
             "to eof": (await within_twisted(5, stream.read_to_eof())).decode()}
    await stream.close()
    await port.stopListening()
    r, w = os.pipe()
    os.write(w, b"through the pipe")
    os.close(w)
    found["pipe"] = (await read_pipe_to_eof(open(r, "rb", buffering=0), 5)).decode()
    return found


async def resolver(reactor):
    import socket

    from conformance.support.twisted_resolver import resolve_host_name

    addresses = await resolve_host_name("127.0.0.1", 80, 10, socket.AF_INET)
    return [[type(a).__name__, a.host, a.port] for a in addresses]


async def datagrams(reactor):
    import socket

    from conformance.support.twisted_datagrams import Datagrams, stop_listening

    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a blocking socket answers by hand
    echo.bind(("127.0.0.1", 0))
    echo.settimeout(5)
    echo_address = echo.getsockname()
    client = Datagrams()
    port = reactor.listenUDP(0, client, interface="127.0.0.1")
    client.send(b"ping", echo_address)
    data, sender = echo.recvfrom(100)  # UDP's write is a sendto: the datagram is there already
    echo.sendto(b"pong", sender)
    received, source = await client.receive(5, reactor)
    try:
        await client.receive(0.2, reactor)
        timed_out = False
    except defer.TimeoutError:
        timed_out = True
    await stop_listening(port, 5, reactor)
    echo.close()
    return {"echo got": data.decode(), "client got": received.decode(),
            "from the echo": list(source) == list(echo_address), "timed out": timed_out}


def main(reactor):
    check = globals()[sys.argv[1]]
    return defer.Deferred.fromCoroutine(check(reactor)).addCallback(lambda found: print(json.dumps(found)))


task.react(main)
'''


def twisted_check(name: str) -> Any:
    """Run one check of TWISTED_PROGRAM under Twisted's default reactor; what it printed."""
    done = subprocess.run([sys.executable, "-c", TWISTED_PROGRAM, name], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- fill_backlog, connect_state -------------------------------------------------------------------------

@pytest.mark.skipif(sys.platform != "linux", reason="Linux drops a SYN to a full backlog; others answer it")
def test_fill_backlog_leaves_its_last_connect_unanswered_and_connect_state_tells_apart() -> None:
    with socket.create_server(("127.0.0.1", 0), backlog=1) as full, \
            socket.create_server(("127.0.0.1", 0)) as answering:
        fillers = fill_backlog(full.getsockname(), 16, 0.25)
        try:
            assert 1 < len(fillers) <= 16
            assert connect_state(fillers[-1], 0.3) is None  # still unanswered
            assert all(connect_state(f, 0) == "" for f in fillers[:-1])  # the ones that filled it connected
        finally:
            for filler in fillers:
                filler.close()
        with socket.socket() as client:
            client.setblocking(False)
            client.connect_ex(answering.getsockname())
            assert connect_state(client, 2) == ""
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))  # bound, not listening: a connect to it is refused
        with socket.socket() as client:
            client.setblocking(False)
            client.connect_ex(closed_port.getsockname())
            assert (connect_state(client, 2) or "").startswith("error ")


def test_fill_backlog_says_what_was_seen_where_the_connects_are_answered() -> None:
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        with pytest.raises(BacklogAnswered, match="answered with error"):
            fill_backlog(closed_port.getsockname(), 4, 0.25)
    with socket.create_server(("127.0.0.1", 0), backlog=64) as roomy, \
            pytest.raises(BacklogAnswered, match=r"3 connects .* were all answered"):
        fill_backlog(roomy.getsockname(), 3, 0.25)


# -- recv_exactly ------------------------------------------------------------------------------------------

def test_recv_exactly_gathers_the_bytes_of_several_sends() -> None:
    a, b = socket.socketpair()
    with a, b:
        a.settimeout(5)
        data = bytes(range(256)) * 64  # more than one recv gives at once from three sends

        def send() -> None:
            for offset in range(0, len(data), 6000):
                b.sendall(data[offset:offset + 6000])
                time.sleep(0.02)

        sender = threading.Thread(target=send)
        sender.start()
        received = recv_exactly(a, len(data))
        sender.join(5)
    assert received == data


def test_recv_exactly_returns_what_came_before_eof() -> None:
    a, b = socket.socketpair()
    with a:
        a.settimeout(5)
        b.sendall(b"short")
        b.close()
        assert recv_exactly(a, 100) == b"short"


def test_recv_exactly_is_bounded_by_the_socket_timeout() -> None:
    a, b = socket.socketpair()
    with a, b:
        a.settimeout(0.2)
        b.sendall(b"abc")
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            recv_exactly(a, 4)
        assert 0.15 < time.monotonic() - started < 5


# -- within: asyncio, trio, Twisted ------------------------------------------------------------------------

@pytest.fixture(params=["asyncio.timeout", "written out (Python 3.10)"])
def asyncio_bound(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways within_asyncio bounds: asyncio.timeout where it exists, its own timer where not."""
    import asyncio

    if request.param == "written out (Python 3.10)":
        monkeypatch.delattr(asyncio, "timeout", raising=False)
    elif not hasattr(asyncio, "timeout"):
        pytest.skip("asyncio.timeout is Python 3.11+")
    return str(request.param)


def test_within_asyncio_returns_the_result_in_the_callers_own_task(asyncio_bound: str) -> None:
    import asyncio

    async def main() -> tuple[str, bool]:
        outer = asyncio.current_task()

        async def value() -> tuple[str, bool]:
            await asyncio.sleep(0.01)
            return "done", asyncio.current_task() is outer

        return await within_asyncio(5, value())

    assert asyncio.run(main()) == ("done", True)


def test_within_asyncio_times_out(asyncio_bound: str) -> None:
    import asyncio

    async def main() -> float:
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await within_asyncio(0.2, asyncio.sleep(30))
        return time.monotonic() - started

    assert 0.15 < asyncio.run(main()) < 5


def test_within_asyncio_lets_another_cancellation_through(asyncio_bound: str) -> None:
    import asyncio

    async def main() -> None:
        task = asyncio.create_task(within_asyncio(30, asyncio.sleep(30)))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_receive_exactly_trio_gathers_several_sends_and_stops_at_the_end() -> None:
    trio = pytest.importorskip("trio")
    testing = pytest.importorskip("trio.testing")

    async def main() -> tuple[bytes, bytes]:
        left, right = testing.memory_stream_pair()
        async with trio.open_nursery() as nursery:
            async def send() -> None:
                for piece in (b"ab", b"cde", b"f"):
                    await right.send_all(piece)
                    await trio.sleep(0.01)
                await right.aclose()
            nursery.start_soon(send)
            with trio.fail_after(5):
                first = await receive_exactly_trio(left, 4)
                rest = await receive_exactly_trio(left, 10)  # more than will come: what came before the end
        return first, rest

    assert trio.run(main) == (b"abcd", b"ef")


def test_within_trio_returns_in_time_and_times_out() -> None:
    trio = pytest.importorskip("trio")

    async def main() -> float:
        async def value() -> str:
            await trio.sleep(0.01)
            return "done"

        assert await within_trio(5, value()) == "done"
        started = time.monotonic()
        with pytest.raises(trio.TooSlowError):
            await within_trio(0.2, trio.sleep(30))
        return time.monotonic() - started

    assert 0.15 < trio.run(main) < 5


def test_within_twisted_returns_in_time_and_times_out() -> None:
    pytest.importorskip("twisted")
    found = twisted_check("bounds")
    for kind in ("deferred", "coroutine"):
        value, elapsed = found[f"{kind} in time"]
        assert value == "done" and elapsed < 5, (kind, found)
        outcome, elapsed = found[f"{kind} late"]
        assert outcome == "TimeoutError" and 0.15 < elapsed < 5, (kind, found)


# -- Twisted: processes, streams, the resolver -------------------------------------------------------------

def _subprocess_returncodes() -> dict[str, int]:
    """What the reference, subprocess, says for the same three children."""
    codes = {name: subprocess.run([sys.executable, "-c", code], timeout=30).returncode
             for name, code in (("exit 0", "pass"), ("exit 3", "import sys; sys.exit(3)"))}
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as child:
        child.kill()
        codes["SIGKILL"] = child.wait(30)
    return codes


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and the exit of a killed child are POSIX's")
def test_the_process_protocol_reads_an_end_as_subprocess_does() -> None:
    pytest.importorskip("twisted")
    found = twisted_check("returncodes")
    assert found.pop("line") == "up\n"
    # at processExited and at processEnded alike
    assert found == {"exit 0": [0, 0], "exit 3": [3, 3], "SIGKILL": [-signal.SIGKILL, -signal.SIGKILL]}
    assert {name: codes[1] for name, codes in found.items()} == _subprocess_returncodes()


def test_the_stream_protocol_and_the_pipe_reader_read_what_was_sent() -> None:
    pytest.importorskip("twisted")
    assert twisted_check("streams") == {"until": "one\n", "exactly": "two", "to eof": " three END",
                                        "pipe": "through the pipe"}


def test_the_datagram_protocols_send_receive_and_time_out() -> None:
    pytest.importorskip("twisted")
    assert twisted_check("datagrams") == {"echo got": "ping", "client got": "pong", "from the echo": True,
                                          "timed out": True}
    import asyncio

    from conformance.support.asyncio_datagrams import Datagrams

    async def main() -> tuple[bytes, bool]:
        echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        echo.bind(("127.0.0.1", 0))
        echo.settimeout(5)
        transport, client = await asyncio.get_running_loop().create_datagram_endpoint(
            Datagrams, local_addr=("127.0.0.1", 0))
        try:
            transport.sendto(b"ping", echo.getsockname())
            data, sender = await asyncio.to_thread(echo.recvfrom, 100)
            echo.sendto(data + b"!", sender)
            received, source = await client.receive(5)
            with pytest.raises(asyncio.TimeoutError):
                await client.receive(0.2)
            return received, source == echo.getsockname()
        finally:
            transport.close()
            echo.close()

    assert asyncio.run(main()) == (b"ping!", True)


def test_the_resolver_reports_the_addresses_of_a_name() -> None:
    pytest.importorskip("twisted")
    assert twisted_check("resolver") == [["IPv4Address", "127.0.0.1", 80]]


def test_the_return_code_rule_on_twisteds_own_reasons() -> None:
    """The rule itself, on the reasons Twisted builds (``_BaseProcess._getReason``'s three kinds)."""
    pytest.importorskip("twisted")
    from twisted.internet import error as errors
    from twisted.python import failure as failures

    from conformance.support.twisted_processes import returncode

    error: Any = errors  # Twisted's Failure and its process errors are not annotated
    failure: Any = failures
    assert returncode(failure.Failure(error.ProcessDone(0))) == 0
    assert returncode(failure.Failure(error.ProcessTerminated(exitCode=3))) == 3
    assert returncode(failure.Failure(error.ProcessTerminated(signal=9))) == -9
