"""The bench area's load generator: one fixed, simple client, the same for every runtime measured.

It never runs under the runtime being measured: a bench body starts it as a separate process
(``python -m conformance._helpers.loadgen MODE ...``), and the limit proxies (the C epoll echo server) are
driven by the very same code. Standard library only, and blocking or ``selectors`` code only.

Modes:

- ``echo``: ``--clients`` connections, each sends a ``--size``-byte message and reads ``--size`` bytes
  back, again and again. Reports requests, bytes and each request's round-trip time.
- ``accept``: ``--clients`` concurrent loops of connect, one ``--size``-byte exchange, close.
  Reports connections completed.
- ``rate``: ``--clients`` connections send ``--size``-byte messages at ``--rate`` messages/s in all,
  each connection on its own schedule whether or not earlier replies came back (an open loop).
  Reports each message's latency from the instant it was due, so that a server that stalls is charged
  for every message that waited (no coordinated omission).
- ``idle``: open ``--clients`` connections, print ``ready``, hold them until stdin is closed.

``echo`` and ``accept`` run one warm-up window (``--warm-up`` seconds, not reported) and then the measured
window (``--duration`` seconds) on the same connections; the result (JSON) goes to ``--result``. When one
process cannot saturate a server the clients are spread over ``--processes`` worker processes that start
their windows at the same instant (``time.monotonic`` is one clock for every process of a machine).
"""

from __future__ import annotations

import argparse
import collections
import errno
import json
import os
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

# How long a worker may take to start and connect before the windows begin; the native client alone
# starts in a few milliseconds and connects its 100 sockets in a few more.
START_DELAY_S = 0.5
NATIVE_DELAY_S = 0.15
# How long, after the measured window, outstanding requests may take to come back before closing.
DRAIN_S = 2.0
RECV_BYTES = 256 * 1024
# Idle connections open this many at a time (see run_idle).
IDLE_BATCH = 500


class LoadError(Exception):
    """The server under load misbehaved (refused, reset, closed early, echoed wrong bytes)."""


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    return sock


def _receive(sock: socket.socket) -> bytes | None:
    """What a ready connection has for the client mid-request, or None when nothing after all; a
    closed or reset connection is the server's misbehaviour."""
    try:
        chunk = sock.recv(RECV_BYTES)
    except BlockingIOError:
        return None
    except ConnectionError as exc:
        raise LoadError(f"the server dropped a connection mid-request: {exc}") from exc
    if not chunk:
        raise LoadError("the server closed a connection mid-request")
    return chunk


def _sleep_until(instant: float) -> None:
    delay = instant - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def run_echo(host: str, port: int, size: int, clients: int, start: float, warm_up_s: float,
             duration_s: float) -> dict[str, Any]:
    """The echo loop of one process: returns requests, bytes and latencies (µs) of the measured window."""
    message = os.urandom(size)
    conns = [_connect(host, port) for _ in range(clients)]
    selector = selectors.DefaultSelector()
    # Per connection: [unsent part of the message, bytes of the reply received, the instant the
    # request went out (perf_counter for the latency, monotonic for the window)]
    state: dict[socket.socket, list[Any]] = {}
    measure_from = start + warm_up_s
    measure_to = measure_from + duration_s
    latencies: list[int] = []
    requests = 0
    _sleep_until(start)

    def send_next(sock: socket.socket) -> None:
        # Per request: one send, and a change of the selector's interest only when it was partial.
        entry = state[sock]
        entry[1] = 0
        entry[2] = time.perf_counter()
        entry[3] = time.monotonic()
        try:
            sent = sock.send(message)
        except BlockingIOError:
            sent = 0
        if sent < size:
            entry[0] = memoryview(message)[sent:]
            selector.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)

    def pump_send(sock: socket.socket) -> None:
        entry = state[sock]
        view = entry[0]
        while view:
            try:
                sent = sock.send(view)
            except BlockingIOError:
                break
            view = view[sent:]
        entry[0] = view
        if not view:
            selector.modify(sock, selectors.EVENT_READ)

    for sock in conns:
        state[sock] = [b"", 0, 0.0, 0.0]
        selector.register(sock, selectors.EVENT_READ)
        send_next(sock)
    stopping = False
    outstanding = len(conns)
    deadline = measure_to + DRAIN_S
    while outstanding:
        now = time.monotonic()
        if now > deadline:
            raise LoadError(f"{outstanding} replies did not come back within {DRAIN_S} s of the "
                            "window's end")
        for key, events in selector.select(timeout=0.1):
            sock = cast(socket.socket, key.fileobj)
            if events & selectors.EVENT_WRITE:
                pump_send(sock)
            if events & selectors.EVENT_READ:
                chunk = _receive(sock)
                if chunk is None:
                    continue
                entry = state[sock]
                entry[1] += len(chunk)
                if entry[1] > size:
                    raise LoadError(f"the server sent {entry[1]} bytes for a {size}-byte message")
                if entry[1] < size:
                    continue
                done = time.monotonic()
                if measure_from <= entry[3] and done <= measure_to:
                    requests += 1
                    latencies.append(round((time.perf_counter() - entry[2]) * 1e6))
                stopping = stopping or done >= measure_to
                if stopping:
                    selector.unregister(sock)
                    outstanding -= 1
                else:
                    send_next(sock)
    for sock in conns:
        sock.close()
    return {"requests": requests, "bytes": requests * size, "seconds": duration_s,
            "latencies_us": latencies}


def run_rate(host: str, port: int, size: int, clients: int, start: float, warm_up_s: float,
             duration_s: float, rate: float) -> dict[str, Any]:
    """The open loop of one process: ``clients`` connections send ``size``-byte messages at ``rate``
    messages/s in all, each on its own schedule whether or not earlier replies came back; a message's
    latency runs from the instant it was due (no coordinated omission). Returns requests, bytes and
    latencies (µs) of the messages due in the measured window."""
    message = memoryview(os.urandom(size))
    conns = [_connect(host, port) for _ in range(clients)]
    selector = selectors.DefaultSelector()
    interval = clients / rate
    measure_from = start + warm_up_s
    measure_to = measure_from + duration_s
    # Per connection: the due instants of the messages not answered yet, bytes due and not sent,
    # the offset in the message being sent, bytes of the reply being received, the next due instant.
    due: dict[socket.socket, collections.deque[float]] = {}
    state: dict[socket.socket, list[Any]] = {}
    for index, sock in enumerate(conns):
        due[sock] = collections.deque()
        state[sock] = [0, 0, 0, start + interval * index / clients, False]
        selector.register(sock, selectors.EVENT_READ)
    latencies: list[int] = []

    def pump(sock: socket.socket) -> None:
        entry = state[sock]
        while entry[0]:
            try:
                sent = sock.send(message[entry[1]:entry[1] + min(entry[0], size - entry[1])])
            except BlockingIOError:
                break
            entry[0] -= sent
            entry[1] = (entry[1] + sent) % size
        wants_out = bool(entry[0])
        if wants_out != entry[4]:
            selector.modify(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if wants_out else 0))
            entry[4] = wants_out

    _sleep_until(start)
    while True:
        now = time.monotonic()
        if now > measure_to + DRAIN_S:
            raise LoadError(f"replies did not come back within {DRAIN_S} s of the window's end")
        earliest, pending = None, False
        for sock, entry in state.items():
            while entry[3] <= now and entry[3] < measure_to:
                due[sock].append(entry[3])
                entry[0] += size
                entry[3] += interval
            if entry[0]:
                pump(sock)
            if entry[3] < measure_to:
                earliest = entry[3] if earliest is None else min(earliest, entry[3])
            pending = pending or bool(due[sock]) or entry[3] < measure_to
        if not pending:
            break
        timeout = 0.1 if earliest is None else min(0.1, max(0.0, earliest - time.monotonic()))
        for key, events in selector.select(timeout):
            sock = cast(socket.socket, key.fileobj)
            if events & selectors.EVENT_WRITE:
                pump(sock)
            if not events & selectors.EVENT_READ:
                continue
            chunk = _receive(sock)
            if chunk is None:
                continue
            entry = state[sock]
            entry[2] += len(chunk)
            while entry[2] >= size:
                if not due[sock]:
                    raise LoadError("the server sent more bytes than it was sent")
                when = due[sock].popleft()
                entry[2] -= size
                if measure_from <= when < measure_to:
                    latencies.append(round((time.monotonic() - when) * 1e6))
    for sock in conns:
        sock.close()
    return {"requests": len(latencies), "bytes": len(latencies) * size, "seconds": duration_s,
            "latencies_us": latencies}


def run_accept(host: str, port: int, size: int, clients: int, start: float, warm_up_s: float,
               duration_s: float) -> dict[str, Any]:
    """``clients`` concurrent connect / exchange / close loops; returns connections completed in the
    measured window."""
    message = os.urandom(size)
    selector = selectors.DefaultSelector()
    measure_from = start + warm_up_s
    measure_to = measure_from + duration_s
    completed = 0
    # Per socket: [phase ("connect", "send", "recv"), unsent view, bytes received, started at]
    state: dict[socket.socket, list[Any]] = {}

    def open_one() -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        code = sock.connect_ex((host, port))
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            sock.close()
            raise LoadError(f"connect failed: {os.strerror(code)}")
        state[sock] = ["connect", memoryview(message), 0, time.monotonic()]
        selector.register(sock, selectors.EVENT_WRITE)

    _sleep_until(start)
    for _ in range(clients):
        open_one()
    deadline = measure_to + DRAIN_S
    while state:
        if time.monotonic() > deadline:
            raise LoadError(f"{len(state)} connections did not finish within {DRAIN_S} s of the "
                            "window's end")
        for key, _events in selector.select(timeout=0.1):
            sock = cast(socket.socket, key.fileobj)
            entry = state[sock]
            if entry[0] == "connect":
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise LoadError(f"connect failed: {os.strerror(code)}")
                entry[0] = "send"
            if entry[0] == "send":
                try:
                    sent = sock.send(entry[1])
                except BlockingIOError:
                    continue
                entry[1] = entry[1][sent:]
                if entry[1]:
                    continue
                entry[0] = "recv"
                selector.modify(sock, selectors.EVENT_READ)
                continue
            try:
                chunk = sock.recv(RECV_BYTES)
            except BlockingIOError:
                continue
            except ConnectionError as exc:
                raise LoadError(f"the server dropped a connection mid-exchange: {exc}") from exc
            if not chunk:
                raise LoadError("the server closed a connection before echoing")
            entry[2] += len(chunk)
            if entry[2] < size:
                continue
            selector.unregister(sock)
            sock.close()
            del state[sock]
            done = time.monotonic()
            if measure_from <= entry[3] and done <= measure_to:
                completed += 1
            if done < measure_to:
                open_one()
    return {"connections": completed, "seconds": duration_s}


def run_idle(host: str, port: int, clients: int) -> None:
    """Open ``clients`` connections, say ``ready``, hold them until stdin closes, then close them.

    They open in batches, each connection sending one byte and the batch waiting for the echoes: a
    client that connected faster than the server accepts would overflow its listen queue, and the
    kernel's SYN retries (a second, then more) would be measured instead of the server.
    """
    if sys.platform != "win32":  # one descriptor per connection, plus a few
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < clients + 50:
            wanted = clients + 50 if hard == resource.RLIM_INFINITY else min(clients + 50, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    conns: list[socket.socket] = []
    while len(conns) < clients:
        batch = [socket.create_connection((host, port), timeout=30)
                 for _ in range(min(IDLE_BATCH, clients - len(conns)))]
        for sock in batch:
            sock.sendall(b"!")
        for sock in batch:
            if sock.recv(1) != b"!":
                raise LoadError("the server did not echo the first byte of an idle connection")
        conns.extend(batch)
    print("ready", flush=True)
    sys.stdin.read()
    for sock in conns:
        sock.close()


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "seconds":
                merged[key] = value
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = merged.get(key, 0) + value
    return merged


def summarize(mode: str, size: int, raw: dict[str, Any]) -> dict[str, float]:
    """The figures of one measured window: rates, and latency percentiles for ``echo`` and ``rate``."""
    seconds = raw["seconds"]
    if mode == "accept":
        if not raw["connections"]:  # a rate of 0 would be a figure of nothing measured
            raise LoadError("no connection completed in the measured window")
        return {"conn_per_s": raw["connections"] / seconds}
    latencies = sorted(raw["latencies_us"])
    if not latencies:
        raise LoadError("no request completed in the measured window")

    def percentile(q: float) -> float:
        return float(latencies[min(len(latencies) - 1, int(q * len(latencies)))])

    if mode == "rate":  # the rate is set: what it says is how long each message took
        return {"achieved_per_s": raw["requests"] / seconds,
                "p50_us": percentile(0.50),
                "p90_us": percentile(0.90),
                "p99_us": percentile(0.99)}
    return {"req_per_s": raw["requests"] / seconds,
            "mib_per_s": raw["bytes"] / seconds / 2**20,
            "p50_us": percentile(0.50),
            "p99_us": percentile(0.99)}


def with_server_cpu(mode: str, figures: dict[str, float], cpu_s: float | None,
                    duration_s: float) -> dict[str, float]:
    """``figures`` and the server's CPU time per request (per connection for ``accept``) in the
    measured window, in µs: the capacity figure, which does not depend on how fast the client is."""
    done = figures.get({"echo": "req_per_s", "rate": "achieved_per_s"}.get(mode, "conn_per_s"))
    if cpu_s is None or cpu_s <= 0 or not done:  # none, or below the 10 ms the clock ticks in
        return figures
    count = done * duration_s
    return {**figures, ("cpu_per_conn_us" if mode == "accept" else "cpu_per_req_us"): cpu_s / count * 1e6}


def server_cpu_s(pid: int) -> float | None:
    """The CPU time process ``pid`` has used so far, user and system, of every thread it ever ran
    (Linux: ``/proc/PID/stat``, in clock ticks, 10 ms; a window of 0.4 s at full load reads within
    2.5%). Summing the live threads' own counters instead loses the time of a thread that ends in
    the window (a thread-per-connection server's, when a connection closes). None where it cannot be
    read (another OS): the figure is then left out, not guessed."""
    if sys.platform == "win32":  # no /proc (nor os.sysconf)
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


class _ServerCpu:
    """Reads the server's CPU time at the measured window's two edges, from a thread of this process
    (the client's own CPUs), while the client runs."""

    def __init__(self, pid: int | None, measure_from: float, measure_to: float) -> None:
        self.readings: list[float | None] = []
        self._thread = None
        if pid is not None:
            import threading

            self._thread = threading.Thread(target=self._read, args=(pid, measure_from, measure_to),
                                            daemon=True)
            self._thread.start()

    def _read(self, pid: int, measure_from: float, measure_to: float) -> None:
        _sleep_until(measure_from)
        self.readings.append(server_cpu_s(pid))
        _sleep_until(measure_to)
        self.readings.append(server_cpu_s(pid))

    def cpu_s(self) -> float | None:
        if self._thread is None:
            return None
        self._thread.join()
        first, last = [*self.readings, None, None][:2]
        return None if first is None or last is None else last - first


def prime(host: str, port: int, size: int) -> None:
    """One connection that exchanges one message and closes, before any measured window: the server
    is then in the state every long-running server is in, having closed a connection once.

    That changes what a server costs. glibc's malloc serves blocks of 128 KiB and more with mmap until
    the process frees one such block; then it raises that threshold to the block's size (its dynamic
    mmap threshold). A Python server that receives with ``recv(256 KiB)`` (asyncio's transports, a
    thread per connection) allocates such a block for every receive: until its first connection closes
    (and its last receive, empty, frees a whole block), every request costs an mmap, an mremap and a
    munmap, and the server serves a third as many requests (docs/bench.md, "Why a fresh server is
    slower"). Servers that receive into smaller or reused buffers (uvloop, trio, Twisted, C) are the
    same either way."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"!" * size)
        received = 0
        while received < size:
            chunk = sock.recv(RECV_BYTES)
            if not chunk:
                raise LoadError("the server closed a connection before echoing (the priming one)")
            received += len(chunk)
        sock.settimeout(0.05)  # anything more that comes is a wrong echo
        try:
            received += len(sock.recv(RECV_BYTES))
        except TimeoutError:
            pass
        if received > size:
            raise LoadError(f"the server sent {received} bytes for a {size}-byte message (the priming "
                            "one)")


def generate(mode: str, host: str, port: int, *, size: int, clients: int, processes: int,
             warm_up_s: float, duration_s: float, native: str | None = None,
             server_pid: int | None = None, rate: float | None = None,
             priming: bool = True) -> dict[str, float]:
    """Run ``mode`` against ``host:port`` in ``processes`` processes; return the window's figures.

    ``native``: the compiled C client (``conformance/_helpers/loadgen.c``), which does the same with less
    CPU per request; every process then runs it. ``server_pid``: the server's process, whose CPU time
    in the window gives ``cpu_per_req_us`` (``cpu_per_conn_us``) where this OS shows it. ``rate``:
    messages per second in all, for ``rate`` (each process sends its connections' share).
    ``priming``: one closed connection first (:func:`prime`); without it a fresh server is measured
    as it is before its first connection closes.
    """
    if mode not in ("echo", "accept", "rate"):
        raise ValueError(f"unknown mode {mode!r}; the timed modes are echo, accept, rate")
    if (mode == "rate") != (rate is not None and rate > 0):
        raise ValueError("rate takes a positive --rate, and only rate does")
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    rates = [(rate or 0.0) * share / clients for share in shares]
    if priming:
        prime(host, port, size)
    # Workers need time to start and connect before the common start; one process needs none.
    start = time.monotonic() + (START_DELAY_S if processes > 1 else NATIVE_DELAY_S if native else 0.05)
    server_cpu = _ServerCpu(server_pid, start + warm_up_s, start + warm_up_s + duration_s)
    if native:
        figures = summarize(mode, size, _merge(_run_native(native, mode, host, port, size, shares, start,
                                                           warm_up_s, duration_s, rates)))
        return with_server_cpu(mode, figures, server_cpu.cpu_s(), duration_s)
    workers = [
        subprocess.Popen([sys.executable, "-m", "conformance._helpers.loadgen", "worker", mode,
                          "--host", host, "--port", str(port), "--size", str(size),
                          "--clients", str(share), "--start", repr(start),
                          "--warm-up", repr(warm_up_s), "--duration", repr(duration_s),
                          *(["--rate", repr(share_rate)] if mode == "rate" else [])],
                         stdout=subprocess.PIPE)
        for share, share_rate in zip(shares[1:], rates[1:], strict=True)
    ]
    try:
        parts = [_run_one(mode, host, port, size, shares[0], start, warm_up_s, duration_s, rates[0])]
    finally:
        outputs = [w.communicate()[0] for w in workers]
    for worker, output in zip(workers, outputs, strict=True):
        if worker.returncode != 0:
            raise LoadError(f"a load-generator worker exited with {worker.returncode}")
        parts.append(json.loads(output))
    return with_server_cpu(mode, summarize(mode, size, _merge(parts)), server_cpu.cpu_s(), duration_s)


def _run_one(mode: str, host: str, port: int, size: int, clients: int, start: float,
             warm_up_s: float, duration_s: float, rate: float) -> dict[str, Any]:
    if mode == "rate":
        return run_rate(host, port, size, clients, start, warm_up_s, duration_s, rate)
    loop = run_echo if mode == "echo" else run_accept
    return loop(host, port, size, clients, start, warm_up_s, duration_s)


def _run_native(native: str, mode: str, host: str, port: int, size: int, shares: list[int],
                start: float, warm_up_s: float, duration_s: float,
                rates: list[float]) -> list[dict[str, Any]]:
    workers = [subprocess.Popen([native, mode, host, str(port), str(size), str(share), repr(start),
                                 repr(warm_up_s), repr(duration_s),
                                 *([repr(share_rate)] if mode == "rate" else [])],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for share, share_rate in zip(shares, rates, strict=True)]
    parts = []
    for worker in workers:
        output, errors = worker.communicate()
        if worker.returncode != 0:
            raise LoadError(errors.strip() or f"the native load generator exited with {worker.returncode}")
        parts.append(json.loads(output))
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance._helpers.loadgen")
    parser.add_argument("mode", choices=("echo", "accept", "rate", "idle", "worker"))
    parser.add_argument("worker_mode", nargs="?", choices=("echo", "accept", "rate"))
    parser.add_argument("--rate", type=float, metavar="PER_S",
                        help="rate: messages per second in all, on every connection's own schedule")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--warm-up", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--start", type=float)
    parser.add_argument("--result", type=Path)
    parser.add_argument("--native", metavar="PATH", help="the compiled C client to run the load with")
    parser.add_argument("--cpus", metavar="N,N", help="run on these CPUs only (and so do its workers)")
    parser.add_argument("--no-priming", dest="priming", action="store_false",
                        help="no priming connection first: measure a fresh server as it is")
    parser.add_argument("--server-pid", type=int, metavar="PID",
                        help="the server's process: its CPU time per request in the window is a figure")
    args = parser.parse_args(argv)
    if args.cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(n) for n in args.cpus.split(",")})
    try:
        if args.mode == "idle":
            run_idle(args.host, args.port, args.clients)
            return 0
        if args.mode == "worker":
            print(json.dumps(_run_one(args.worker_mode, args.host, args.port, args.size, args.clients,
                                      args.start, args.warm_up, args.duration, args.rate or 0.0)))
            return 0
        figures = generate(args.mode, args.host, args.port, size=args.size, clients=args.clients,
                           processes=args.processes, warm_up_s=args.warm_up,
                           duration_s=args.duration, native=args.native,
                           server_pid=args.server_pid, rate=args.rate, priming=args.priming)
    except (LoadError, OSError, ValueError) as exc:
        print(f"load generator: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(figures)
    if args.result:
        args.result.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
