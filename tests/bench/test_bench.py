"""``conformance bench``: the load generator against real servers, repeats and medians, the limit proxy,
the command as a user runs it, and the bench section of the report."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance._bench.command import merge_repeats
from conformance._bench.limits import c_epoll_echo, iperf3
from conformance._helpers.loadgen import LoadError, generate
from conformance._model.bench import BenchSettings, higher_is_better, spread, unit_of
from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, DocumentError, RunDocument
from conformance._model.scenarios import default_scenarios_dir, discover
from conformance._os.processes import raise_open_file_limit

IDLE_CLIENTS = 1200
INTERRUPT_NEEDS_POSIX = ("Windows cannot send one process a Ctrl-C (SIGINT): CTRL_C_EVENT reaches every "
                         "process of the console, and there is no preexec_fn to restore its handler")

# A measured window that completes work even on a loaded machine, for every test that measures one: the
# quick windows (0.2 s) completed no request or connection at all while three other test workers shared the
# 2 CPUs (the priming test's server of Python threads, the self-check's servers, the C epoll limit's
# accept load).
WINDOW_S = 0.5


def utf8_output() -> dict[str, str]:
    """The environment of a ``conformance`` command whose output the test reads as UTF-8. Its tables
    print symbols (✓, ↑) that Windows' default encoding for a pipe (cp1252) cannot encode; tox sets
    the same variable for every env."""
    return {**os.environ, "PYTHONIOENCODING": "utf-8"}


# -- a real server for the load generator: echo, or misbehave -------------------------------------


def _serve(handler: Callable[[socket.socket], None]) -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0), backlog=512)
    listener.settimeout(0.1)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(None)
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


def _echo(conn: socket.socket) -> None:
    with conn:
        try:
            while data := conn.recv(65536):
                conn.sendall(data)
        except OSError:
            pass


def _close_after_first(conn: socket.socket) -> None:
    with conn:
        conn.recv(65536)


def _echo_twice(conn: socket.socket) -> None:
    with conn:
        try:
            while data := conn.recv(65536):
                conn.sendall(data + data)
        except OSError:
            pass


@pytest.fixture
def echo_port() -> Iterator[int]:
    yield from _serve(_echo)


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """The compiled C client where it can be built here, else why not (the engine's reason: no C
    compiler, or no epoll off Linux)."""
    from conformance._bench.limits import CLIENT_SOURCE, compile_c

    return compile_c(CLIENT_SOURCE, tmp_path_factory.mktemp("native"))


@pytest.fixture(params=["python", "native"])
def client(request: pytest.FixtureRequest, native: Path | str) -> str | None:
    if request.param == "python":
        return None
    if isinstance(native, str):
        pytest.skip(f"the native client cannot be built here: {native}")
    return str(native)


def test_echo_load_measures_requests_bytes_and_latency(echo_port: int, client: str | None) -> None:
    figures = generate("echo", "127.0.0.1", echo_port, size=1024, clients=4, processes=1,
                       warm_up_s=0.05, duration_s=0.3, native=client)
    assert set(figures) == {"req_per_s", "mib_per_s", "p50_us", "p99_us"}
    assert figures["req_per_s"] > 100
    assert math.isclose(figures["mib_per_s"], figures["req_per_s"] * 1024 / 2**20)
    assert 0 < figures["p50_us"] <= figures["p99_us"]


def test_the_servers_cpu_time_per_request_is_a_figure_where_proc_shows_it(echo_port: int,
                                                                         client: str | None) -> None:
    # The echo server is a thread of this process: its CPU time is this process's.
    figures = generate("echo", "127.0.0.1", echo_port, size=1024, clients=4, processes=1,
                       warm_up_s=0.05, duration_s=0.3, native=client, server_pid=os.getpid())
    if not sys.platform.startswith("linux"):
        assert "cpu_per_req_us" not in figures  # no /proc: left out, not guessed
        return
    assert figures["cpu_per_req_us"] > 0
    # no server spends more CPU than the machine has in the window
    assert figures["cpu_per_req_us"] * figures["req_per_s"] <= (os.cpu_count() or 1) * 1e6


def test_echo_load_spread_over_worker_processes_adds_up(echo_port: int, client: str | None) -> None:
    figures = generate("echo", "127.0.0.1", echo_port, size=65536, clients=3, processes=2,
                       warm_up_s=0.05, duration_s=0.3, native=client)
    assert figures["req_per_s"] > 10


def test_accept_load_counts_connections(echo_port: int, client: str | None) -> None:
    figures = generate("accept", "127.0.0.1", echo_port, size=1024, clients=3, processes=1,
                       warm_up_s=0.05, duration_s=0.3, native=client)
    assert set(figures) == {"conn_per_s"}
    assert figures["conn_per_s"] > 10


def test_a_window_with_no_connection_is_an_error_not_a_rate_of_zero() -> None:
    from conformance._helpers.loadgen import summarize

    with pytest.raises(LoadError, match="no connection completed in the measured window"):
        summarize("accept", 1024, {"connections": 0, "seconds": 0.2})
    assert summarize("accept", 1024, {"connections": 5, "seconds": 0.5}) == {"conn_per_s": 10.0}


def _after_priming(handler: Callable[[socket.socket], None]) -> Callable[[socket.socket], None]:
    """A server that echoes its first connection (the load generator's priming one) and serves every
    later one with ``handler``."""
    seen = []

    def serve(conn: socket.socket) -> None:
        seen.append(conn)
        (_echo if len(seen) == 1 else handler)(conn)

    return serve


@pytest.mark.parametrize("mode", ["echo", "rate"])
@pytest.mark.parametrize(("handler", "message"), [
    # Closed with a request unread (an open loop has several out at once): the kernel answers with a
    # reset, and the client sees the connection dropped rather than closed. Either is the server's doing.
    (_close_after_first, "closed a connection|dropped a connection"),
    (_echo_twice, "bytes for a 1024-byte message"),
])
def test_a_misbehaving_server_is_a_load_error_not_a_figure(handler: Callable[[socket.socket], None],
                                                           message: str, mode: str,
                                                           client: str | None) -> None:
    rate = 2000.0 if mode == "rate" else None
    if mode == "rate" and handler is _echo_twice:  # an open loop has several messages out at once
        message = "more bytes than it was sent"
    for port in _serve(_after_priming(handler)):  # the measuring connections see the misbehaviour
        with pytest.raises(LoadError, match=message):
            generate(mode, "127.0.0.1", port, size=1024, clients=2, processes=1, warm_up_s=0.05,
                     duration_s=0.2, native=client, rate=rate)
    priming_message = "bytes for a 1024-byte message" if handler is _echo_twice else message
    for port in _serve(handler):  # and so does the priming connection, before any window
        with pytest.raises(LoadError, match=f"{priming_message}.*the priming one"):
            generate(mode, "127.0.0.1", port, size=1024, clients=2, processes=1, warm_up_s=0.05,
                     duration_s=0.2, native=client, rate=rate)



def test_the_load_generator_primes_the_server_with_one_closed_connection(client: str | None) -> None:
    """Before any window, one connection exchanges one message and closes: every server is measured
    in the state of a server that has closed a connection (docs/bench.md: a fresh CPython server
    receives through mmap until then)."""
    received: list[int] = []  # bytes each connection sent; the priming one is the first to start
    lock = threading.Lock()

    def counting_echo(conn: socket.socket) -> None:
        with lock:
            received.append(0)
            index = len(received) - 1
        with conn:
            try:
                while data := conn.recv(65536):
                    received[index] += len(data)
                    conn.sendall(data)
            except OSError:
                pass

    for port in _serve(counting_echo):
        generate("echo", "127.0.0.1", port, size=1024, clients=3, processes=1, warm_up_s=0.05,
                 duration_s=WINDOW_S, native=client)
    # the first connection sent one message: the others only opened once it had its echo and closed
    assert len(received) == 4 and received[0] == 1024 and all(n > 1024 for n in received[1:])
    received.clear()
    for port in _serve(counting_echo):  # --no-priming: the fresh server as it is
        generate("echo", "127.0.0.1", port, size=1024, clients=3, processes=1, warm_up_s=0.05,
                 duration_s=WINDOW_S, native=client, priming=False)
    assert len(received) == 3 and all(n > 1024 for n in received)


def test_rate_load_keeps_its_rate_and_reports_latency_percentiles(echo_port: int,
                                                                   client: str | None) -> None:
    figures = generate("rate", "127.0.0.1", echo_port, size=1024, clients=4, processes=1,
                       warm_up_s=0.05, duration_s=0.4, native=client, rate=2000)
    assert set(figures) == {"achieved_per_s", "p50_us", "p90_us", "p99_us"}
    assert 1600 <= figures["achieved_per_s"] <= 2400
    assert 0 < figures["p50_us"] <= figures["p90_us"] <= figures["p99_us"]


def _echo_with_one_stall(conn: socket.socket, stalled: list[bool]) -> None:
    """Echo, but the first connection to pass 100 KiB stops for 150 ms once."""
    received = 0
    with conn:
        try:
            while data := conn.recv(65536):
                received += len(data)
                if received > 100 * 1024 and not stalled:
                    stalled.append(True)
                    time.sleep(0.15)
                conn.sendall(data)
        except OSError:
            pass


def test_rate_load_charges_a_stall_to_every_message_that_waited(client: str | None) -> None:
    """No coordinated omission: while one connection's server stalls 150 ms, the messages that fall
    due on it wait, and each counts from when it was due. At 500 messages/s per connection about 75 of
    the window's ~2,400 (3%) wait 0-150 ms, so the p99 is tens of ms; a client that measured from when
    it could send would see one slow message in 2,400 and a p99 of well under a millisecond."""
    stalled: list[bool] = []
    for port in _serve(lambda conn: _echo_with_one_stall(conn, stalled)):
        figures = generate("rate", "127.0.0.1", port, size=1024, clients=4, processes=1,
                           warm_up_s=0.05, duration_s=0.6, native=client, rate=2000)
    assert stalled
    assert figures["p99_us"] >= 20_000, figures


def test_rate_needs_a_rate_and_only_rate_takes_one(echo_port: int) -> None:
    with pytest.raises(ValueError, match="rate takes a positive --rate"):
        generate("rate", "127.0.0.1", echo_port, size=1024, clients=1, processes=1, warm_up_s=0.05,
                 duration_s=0.1)
    with pytest.raises(ValueError, match="rate takes a positive --rate"):
        generate("echo", "127.0.0.1", echo_port, size=1024, clients=1, processes=1, warm_up_s=0.05,
                 duration_s=0.1, rate=100)


def test_idle_clients_open_in_batches_that_the_server_has_answered(echo_port: int) -> None:
    # This process accepts every connection: macOS starts it with a soft limit of 256 open files.
    allowed = raise_open_file_limit(IDLE_CLIENTS + 100)
    if allowed < IDLE_CLIENTS + 100:
        pytest.skip(f"the open-file limit here is {allowed}: the echo server of this test cannot accept "
                    f"{IDLE_CLIENTS} connections")
    clients = subprocess.Popen([sys.executable, "-m", "conformance._helpers.loadgen", "idle", "--port",
                                str(echo_port), "--clients", str(IDLE_CLIENTS)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert clients.stdout is not None and clients.stdin is not None
    assert clients.stdout.readline() == "ready\n"  # every connection, each echoed its first byte
    clients.stdin.close()
    assert clients.wait(timeout=60) == 0


def test_load_generator_command_line_reports_failure_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run([sys.executable, "-m", "conformance._helpers.loadgen", "echo", "--port", str(port),
                           "--result", str(tmp_path / "r.json")], capture_output=True, timeout=60,
                          encoding="utf-8", errors="replace", env=utf8_output())
    assert done.returncode == 1
    assert done.stderr.startswith("load generator: ") and "Traceback" not in done.stderr
    assert not (tmp_path / "r.json").exists()


# -- figures, repeats, documents ---------------------------------------------------------------------


def test_figure_names_carry_unit_and_direction() -> None:
    assert higher_is_better("1kib_c10_req_per_s") and unit_of("tasks_per_s") == "/s"
    assert not higher_is_better("p99_us") and unit_of("p99_us") == "µs"
    assert not higher_is_better("rss_per_conn_kib") and unit_of("rss_per_conn_kib") == "KiB"
    assert spread([90.0, 100.0, 110.0]) == pytest.approx(0.2)


def test_ratios_pair_repeats_of_the_same_round() -> None:
    from conformance._model.bench import ratio

    # a machine twice as slow in round 2 slows both runtimes: the paired ratio stays 2
    assert ratio([200.0, 100.0, 200.0], [100.0, 50.0, 100.0]) == 2.0
    assert ratio([200.0, 210.0], [100.0, 50.0, 100.0]) == pytest.approx(205.0 / 100.0)  # unpaired
    assert ratio([1.0], []) is None


def _cell(outcome: Outcome = Outcome.PASS, **measurements: float) -> Cell:
    return Cell("bench.work", "threads", outcome, reason="" if outcome is Outcome.PASS else "broke",
                duration_s=1.0, max_stall_ms=1.0, measurements=measurements)


def test_repeats_merge_into_medians_with_every_sample() -> None:
    cell = merge_repeats([_cell(x_per_s=10.0, y_us=5.0), _cell(x_per_s=30.0, y_us=1.0),
                          _cell(x_per_s=20.0, y_us=3.0)])
    assert cell.outcome is Outcome.PASS
    assert cell.measurements == {"x_per_s": 20.0, "y_us": 3.0}
    assert cell.samples == {"x_per_s": (10.0, 30.0, 20.0), "y_us": (5.0, 1.0, 3.0)}
    assert cell.duration_s == 3.0
    again = Cell.from_json(json.loads(json.dumps(cell.to_json())))
    assert again == cell


def test_a_repeat_that_did_not_pass_decides_the_cell() -> None:
    cell = merge_repeats([_cell(x_per_s=10.0), _cell(Outcome.ERROR)])
    assert cell.outcome is Outcome.ERROR and cell.reason == "broke"
    assert cell.details["repeat"] == "2 of 2"


@pytest.mark.parametrize("samples", [{"x": []}, {"x": [1.0, float("nan")]}, {"x": "12"}])
def test_samples_are_validated(samples: object) -> None:
    data = _cell(x=1.0).to_json()
    data["samples"] = samples
    with pytest.raises(DocumentError, match=r"samples .x.|cell bench.work"):
        Cell.from_json(json.loads(json.dumps(data)))


# -- the limit proxy ---------------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("cc"),
                    reason="the C echo server needs Linux (epoll) and a C compiler")
def test_c_epoll_echo_is_compiled_and_driven_by_the_same_loads() -> None:
    scenarios = [s for s in discover(default_scenarios_dir(), ("bench",)) if s.id == "bench.accept_rate"]
    limit = c_epoll_echo(scenarios, BenchSettings(quick=True, repeats=2, window_override_s=WINDOW_S))
    assert limit["available"], limit["reason"]
    figure = limit["figures"]["bench.accept_rate"]
    assert len(figure["samples"]["c10_conn_per_s"]) == 2
    assert figure["measurements"]["c10_conn_per_s"] > 100


def test_c_epoll_echo_says_why_when_it_cannot_be_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    scenarios = [s for s in discover(default_scenarios_dir(), ("bench",)) if s.id == "bench.tcp_echo"]
    limit = c_epoll_echo(scenarios, BenchSettings(quick=True, repeats=1))
    assert not limit["available"]
    # Linux lacks only the compiler here; macOS and Windows lack epoll first.
    assert limit["reason"] == ("no C compiler (cc, gcc or clang) on PATH" if sys.platform.startswith("linux")
                               else f"epoll_echo.c uses epoll, which {sys.platform} does not have")


@pytest.mark.skipif(not shutil.which("iperf3"), reason="iperf3 is not installed")
def test_iperf3_measures_loopback_bandwidth() -> None:
    limit = iperf3(BenchSettings(quick=True, repeats=2))
    assert limit["available"], limit["reason"]
    samples = limit["figures"]["loopback"]["samples"]["mib_per_s"]
    assert len(samples) == 2 and min(samples) > 10


def test_iperf3_missing_is_a_reason_not_a_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    limit = iperf3(BenchSettings(quick=True, repeats=1))
    assert limit == {"name": "iperf3", "description": limit["description"], "available": False,
                     "reason": "iperf3 is not installed (Debian and Ubuntu: apt-get install iperf3)",
                     "figures": {}}


# -- the command ------------------------------------------------------------------------------------

COUNTING = '''
"""Counts to a number: a stand-in workload."""
import time
def _count(ctx):
    n = ctx.bench.scale(200_000, 20_000)
    started = time.perf_counter()
    for _ in range(n):
        pass
    ctx.measure("counts_per_s", n / (time.perf_counter() - started))
def run_sync(ctx): _count(ctx)
async def run_asyncio(ctx): _count(ctx)
async def run_trio(ctx): _count(ctx)
async def run_twisted(ctx): _count(ctx)
'''

CONFORMANCE = '''
"""A conformance scenario: never run by the bench."""
def run_sync(ctx): pass
async def run_asyncio(ctx): pass
'''


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    root = tmp_path / "scenarios"
    (root / "bench").mkdir(parents=True)
    (root / "sockets").mkdir()
    (root / "bench" / "counting.py").write_text(textwrap.dedent(COUNTING), encoding="utf-8")
    (root / "sockets" / "plain.py").write_text(textwrap.dedent(CONFORMANCE), encoding="utf-8")
    return root


def conformance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True,
                          encoding="utf-8", env=utf8_output(), timeout=300, check=False)


def test_bench_writes_a_document_with_every_repeat_and_prints_ratios(suite: Path) -> None:
    output = suite.parent / "bench.json"
    result = conformance("bench", "--scenarios", str(suite), "--runtime", "threads", "--runtime",
                         "asyncio", "--repeats", "3", "--no-limits", "--output", str(output),
                         cwd=suite.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    document = RunDocument.load(output)
    assert document.run_info["kind"] == "bench"
    bench = document.run_info["bench"]
    assert (bench["quick"], bench["repeats"]) == (False, 3)
    assert bench["load_generator"].startswith(("C (", "Python ("))
    assert [c.id for c in document.cells] == ["bench.counting[threads]", "bench.counting[asyncio]"]
    for cell in document.cells:
        assert cell.outcome is Outcome.PASS
        assert len(cell.samples["counts_per_s"]) == 3  # three fresh children
        assert cell.measurements["counts_per_s"] == sorted(cell.samples["counts_per_s"])[1]
    assert "counts_per_s ↑" in result.stdout and "[lowest-highest]" in result.stdout
    # asyncio's cell leads with its round-paired ratio to threads and that ratio's range
    assert re.search(r"x\d+\.\d\d \[\d+\.\d\d-\d+\.\d\d\] [\d,]+k", result.stdout), result.stdout
    assert "sockets.plain" not in result.stdout


def test_conformance_run_never_runs_a_bench_workload(suite: Path) -> None:
    output = suite.parent / "run.json"
    result = conformance("run", "--scenarios", str(suite), "--runtime", "threads", "--output",
                         str(output), cwd=suite.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    cells = json.loads(output.read_text(encoding="utf-8"))["cells"]
    assert [c["scenario"] for c in cells] == ["sockets.plain"]


@pytest.mark.parametrize(("args", "message"), [
    (["--repeats", "0"], "--repeats must be 1 or more, not 0"),
    (["-k", "nothing_like_this"], "no bench scenario matches -k 'nothing_like_this'"),
    (["--runtime", "curio"], "unknown runtime 'curio'"),
    (["--window", "0"], "--window takes seconds from 0.05 to 10, not 0"),
    (["--warm-up", "-1"], "--warm-up takes seconds from 0 to 5, not -1"),
    (["--self-check"], "--self-check measures bench.tcp_echo, which -k/--keyword left out"),
])
def test_bad_bench_input_is_one_clear_line(suite: Path, args: list[str], message: str) -> None:
    result = conformance("bench", "--scenarios", str(suite), "--no-limits", *args, cwd=suite.parent)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason=INTERRUPT_NEEDS_POSIX)
def test_interrupted_bench_keeps_every_finished_cell(suite: Path) -> None:
    (suite / "bench" / "counting_again.py").write_text(textwrap.dedent(COUNTING), encoding="utf-8")
    output = suite.parent / "bench.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "bench", "--scenarios", str(suite), "--no-limits",
         "--repeats", "2", "--output", str(output)],
        cwd=suite.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
        env=utf8_output(), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if output.exists() and len(json.loads(output.read_text(encoding="utf-8"))["cells"]) >= 2:
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("the bench wrote no cells within 120 s")
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 130, stdout
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["run_info"]["interrupted"] is True
    assert len(document["cells"]) >= 2
    assert f"the {len(document['cells'])} cells already finished are kept" in stdout


def test_every_workload_runs_quick_under_two_runtimes(tmp_path: Path) -> None:
    """The suite's own bench workloads, in their quick form, under one thread-based and one
    event-loop runtime: every cell passes and reports its figures."""
    output = tmp_path / "bench.json"
    # 0.5 s windows, not the quick 0.2 s: this runs beside the other tests' workers, and a 0.2 s window
    # of bench.accept_rate once completed no connection at all while they shared the 2 CPUs.
    # The database workloads have a test of their own (test_database_workloads.py): an asyncio-only
    # library is unsupported under threads, and their quick 0.2 s windows are enough for a query.
    result = conformance("bench", "--quick", "--window", str(WINDOW_S), "--runtime", "threads",
                         "--runtime", "asyncio", "-k", "not queries", "--no-limits", "--output", str(output),
                         cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    document = RunDocument.load(output)
    workloads = {s.id for s in discover(default_scenarios_dir(), ("bench",)) if not s.id.endswith("_queries")}
    assert {c.scenario for c in document.cells} == workloads
    for cell in document.cells:
        # Not run, with the reason: the DNS workload where no private resolver can be had (skipped),
        # subprocess spawns where there is no `true` to spawn (not applicable: Windows).
        if cell.outcome in (Outcome.SKIPPED, Outcome.NOT_APPLICABLE):
            assert cell.reason, cell.id
            continue
        assert cell.outcome is Outcome.PASS, f"{cell.id}: {cell.reason}"
        assert cell.measurements and all(v > 0 for v in cell.measurements.values()), cell.id


def test_self_check_measures_each_server_in_the_harness_and_standalone(tmp_path: Path) -> None:
    """Both paths run under the same client and give both figures every round; the figures themselves
    are not judged (this machine's noise is larger than any threshold worth setting)."""
    output = tmp_path / "self-check.json"
    result = conformance("bench", "--self-check", "--quick", "--window", str(WINDOW_S), "--repeats", "2",
                         "--runtime", "threads", "--runtime", "asyncio", "--output", str(output),
                         cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "Self-check: bench.tcp_echo 1kib_c10" in result.stdout
    document = json.loads(output.read_text(encoding="utf-8"))
    assert [c["runtime"] for c in document["comparisons"]] == ["threads", "asyncio"]
    figures = {"req_per_s", "cpu_per_req_us"} if sys.platform.startswith("linux") else {"req_per_s"}
    for comparison in document["comparisons"]:
        assert not comparison["failed"]
        for path in ("harness", "standalone"):
            assert len(comparison["rounds"][path]) == 2
            assert all(set(r) == figures and all(v > 0 for v in r.values())
                       for r in comparison["rounds"][path]), comparison
        assert len(comparison["paired"]["req_per_s"]) == 2


def test_self_check_sets_a_gevent_configuration_up_by_its_variables(tmp_path: Path) -> None:
    """gevent-ares is gevent with GEVENT_RESOLVER=ares: the standalone server must get the variables a
    cell's child gets, or its set-up refuses to run as another configuration."""
    output = tmp_path / "self-check.json"
    result = conformance("bench", "--self-check", "--quick", "--window", str(WINDOW_S), "--runtime",
                         "gevent-ares", "--output", str(output), cwd=tmp_path)
    comparison = json.loads(output.read_text(encoding="utf-8"))["comparisons"][0]
    if comparison["unavailable"]:
        pytest.skip(f"gevent-ares cannot run here: {comparison['failed']}")
    assert result.returncode == 0 and not comparison["failed"], result.stdout[-3000:]
    assert len(comparison["rounds"]["standalone"]) == 1


def test_self_check_says_why_a_runtime_could_not_be_measured(tmp_path: Path) -> None:
    output = tmp_path / "self-check.json"
    result = conformance("bench", "--self-check", "--quick", "--runtime", "winloop" if sys.platform !=
                         "win32" else "uvloop", "--output", str(output), cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr  # unavailable: a fact here
    comparison = json.loads(output.read_text(encoding="utf-8"))["comparisons"][0]
    assert comparison["unavailable"] and "unavailable" in comparison["failed"]
    assert f"{comparison['runtime']}: harness: the bench cell: unavailable" in result.stdout  # below


# -- the report ---------------------------------------------------------------------------------------


def test_report_shows_bench_documents_beside_the_table(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("jinja2")
    from conformance._report.build import write_report
    from conformance._report.merge import load

    info = {"platform": "linux-x86_64-cpython3.11", "sys_platform": "linux", "arch": "x86_64",
            "python_implementation": "CPython", "python_version": "3.11.7", "cpu_count": 2}
    run = RunDocument(info, (Cell("sockets.tcp_echo", "threads", Outcome.PASS),))
    cells = (
        Cell("bench.tcp_echo", "threads", Outcome.PASS, measurements={"1kib_c1_req_per_s": 100.0},
             samples={"1kib_c1_req_per_s": (90.0, 100.0, 110.0)}),
        Cell("bench.tcp_echo", "asyncio", Outcome.PASS, measurements={"1kib_c1_req_per_s": 250.0},
             samples={"1kib_c1_req_per_s": (250.0, 240.0, 260.0)}),
        Cell("bench.tcp_echo", "trio", Outcome.ERROR, reason="the server fell over"),
    )
    limits = {"c-epoll-echo": {"name": "c-epoll-echo", "description": "C", "available": True,
                               "reason": "", "figures": {"bench.tcp_echo": {
                                   "measurements": {"1kib_c1_req_per_s": 400.0},
                                   "samples": {"1kib_c1_req_per_s": [400.0]}}}},
              "iperf3": {"name": "iperf3", "description": "bandwidth", "available": False,
                         "reason": "iperf3 is not installed", "figures": {}}}
    bench = RunDocument({**info, "kind": "bench", "bench": {"quick": False, "repeats": 3},
                         "limits": limits}, cells)
    for name, document in (("run.json", run), ("bench.json", bench)):
        (tmp_path / name).write_text(json.dumps(document.to_json()), encoding="utf-8")
    merged, problems = load([tmp_path / "run.json", tmp_path / "bench.json"], None)
    assert not problems
    assert [c.scenario for c in merged.cells.values()] == ["sockets.tcp_echo"]  # bench: not in the table
    write_report(merged, tmp_path / "report", bench_titles={"bench.tcp_echo": "TCP echo"})
    markdown = (tmp_path / "report" / "bench.md").read_text(encoding="utf-8")
    # the ratio is the median of the repeat-by-repeat ratios: 250/90, 240/100, 260/110 -> 2.40
    # and the lowest and highest of them lead the cell; threads, the baseline, has no ratio of its own
    assert "| tcp_echo | 1kib_c1_req_per_s ↑ | 100 ±20% | x2.40 [2.36-2.78] 250 ±8% | error | 400 |" \
        in markdown
    assert "limit `iperf3`: not measured: iperf3 is not installed" in markdown
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "Bench: Linux x86_64, CPython 3.11.7, 2 CPUs" in page
    assert "x2.40 [2.36-2.78]" in page
    plot = tmp_path / "report" / "plots" / "bench-linux-x86-64-cpython3-11-bench-tcp-echo-req-per-s.svg"
    assert plot.read_text(encoding="utf-8").startswith("<?xml")
