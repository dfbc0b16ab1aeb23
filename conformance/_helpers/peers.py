"""Peer services: the servers a scenario talks to, run outside the runtime under test.

The parent starts them in a helper process (``python -m conformance._helpers.peers NAME... --dir DIR``,
through ``conformance._parent.peers``) before the cell's child, so their behaviour never depends on the
runtime being measured. The process prints one JSON line mapping each service to its address, serves
until its standard input closes, and is then killed with its process group. Every service binds port 0
on loopback only, and is plain blocking code on threads: simple, and the same for every runtime.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from conformance._os.processes import raise_open_file_limit

SLOW_ECHO_DELAY_S = 0.3
# Descriptors a peer process may hold: sockets.concurrent_clients keeps 500 connections to one echo
# server open at once, and each costs the peer a descriptor (macOS starts processes with 256).
OPEN_FILES = 4096
RESET_PREFIX_BYTES = 64 * 1024


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Hundreds of clients connect at once in sockets.concurrent_clients: a short backlog would turn
    # that scenario into a measurement of SYN retransmission timers.
    request_queue_size = 1024


class _Server6(_Server):
    address_family = socket.AF_INET6


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_line(sock: socket.socket) -> bytes:
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = sock.recv(1)
        if not byte:
            break
        line += byte
    return bytes(line)


def _echo(sock: socket.socket) -> None:
    while True:
        data = sock.recv(65536)
        if not data:
            return
        sock.sendall(data)


class _Handler(socketserver.BaseRequestHandler):
    serve: Callable[[socket.socket], None] = staticmethod(_echo)

    def handle(self) -> None:
        # Without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms to small writes after a handshake:
        # the scenario would measure the peer, not the runtime.
        if self.request.family in (socket.AF_INET, socket.AF_INET6):
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            type(self).serve(self.request)
        except OSError:
            pass  # the client went away: its business, not the peer's


def _tcp(serve: Callable[[socket.socket], None], server_class: type[_Server] = _Server,
         host: str = "127.0.0.1") -> tuple[dict[str, Any], Callable[[], None]]:
    handler = type("Handler", (_Handler,), {"serve": staticmethod(serve)})
    server = server_class((host, 0), handler)
    return {"host": host, "port": server.server_address[1]}, server.serve_forever


def tcp_echo(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Echoes every byte back until the client closes."""
    return _tcp(_echo)


def tcp6_echo(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """The echo on IPv6 loopback; ``{"unavailable": reason}`` where the host has no ::1."""
    if not socket.has_ipv6:
        return {"unavailable": "this Python was built without IPv6"}, lambda: None
    try:
        return _tcp(_echo, _Server6, "::1")
    except OSError as exc:
        return {"unavailable": f"the host has no IPv6 loopback (binding ::1: {exc})"}, lambda: None


def unix_echo(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """The echo on a Unix domain stream socket; ``{"unavailable": reason}`` where there is no AF_UNIX."""
    if sys.platform == "win32" or not hasattr(socket, "AF_UNIX"):
        return {"unavailable": f"{sys.platform} has no AF_UNIX in the socket module"}, lambda: None
    path = folder / "echo.sock"
    handler = type("Handler", (_Handler,), {"serve": staticmethod(_echo)})
    server = socketserver.ThreadingUnixStreamServer(str(path), handler)
    server.daemon_threads = True
    return {"path": str(path)}, server.serve_forever


def udp_echo(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Sends every datagram back to its sender."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            data, address = sock.recvfrom(65536)
            sock.sendto(data, address)

    return {"host": "127.0.0.1", "port": sock.getsockname()[1]}, serve


def _tls_context(folder: Path) -> tuple[ssl.SSLContext, str]:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_pem = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    return context, str(ca_pem)


def tls_echo(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Echo over TLS with a certificate for ``localhost`` made now; ``ca_pem`` is the CA to trust."""
    context, ca_pem = _tls_context(folder)

    def serve(sock: socket.socket) -> None:
        with context.wrap_socket(sock, server_side=True) as tls:
            _echo(tls)

    info, run = _tcp(serve)
    return {**info, "ca_pem": ca_pem, "server_hostname": "localhost"}, run


def starttls(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """A line protocol: ``HELLO`` is answered ``HELLO``, ``STARTTLS`` with ``READY``, then the same
    connection becomes TLS and echoes."""
    context, ca_pem = _tls_context(folder)

    def serve(sock: socket.socket) -> None:
        while True:
            line = _read_line(sock)
            if line == b"HELLO\n":
                sock.sendall(b"HELLO\n")
            elif line == b"STARTTLS\n":
                sock.sendall(b"READY\n")
                break
            else:
                return
        with context.wrap_socket(sock, server_side=True) as tls:
            _echo(tls)

    info, run = _tcp(serve)
    return {**info, "ca_pem": ca_pem, "server_hostname": "localhost"}, run


def digest(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Reads until the client's EOF (a half-close), then answers ``<bytes> <sha256 hex>\\n`` and closes."""

    def serve(sock: socket.socket) -> None:
        hasher, count = hashlib.sha256(), 0
        while True:
            data = sock.recv(262144)
            if not data:
                break
            hasher.update(data)
            count += len(data)
        sock.sendall(f"{count} {hasher.hexdigest()}\n".encode())

    return _tcp(serve)


def silent(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Accepts and never sends a byte; holds the connection until the client closes it."""

    def serve(sock: socket.socket) -> None:
        while sock.recv(65536):
            pass

    return _tcp(serve)


def reset(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Sends 64 KiB, waits for the client's ``GOT\\n``, then resets the connection (RST, not FIN)."""

    def serve(sock: socket.socket) -> None:
        sock.sendall(b"x" * RESET_PREFIX_BYTES)
        if _read_line(sock) == b"GOT\n":
            # SO_LINGER with a zero timeout makes close() send RST: the peer "crashes" mid-stream.
            linger = struct.pack("HH" if os.name == "nt" else "ii", 1, 0)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            sock.close()

    return _tcp(serve)


def slow_echo(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """Answers each line with the same line, 300 ms after it arrived."""

    def serve(sock: socket.socket) -> None:
        while True:
            line = _read_line(sock)
            if not line:
                return
            time.sleep(SLOW_ECHO_DELAY_S)
            sock.sendall(line)

    info, run = _tcp(serve)
    return {**info, "delay_s": SLOW_ECHO_DELAY_S}, run


def dns_stub(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """The controllable stub DNS server (conformance._helpers.dns_stub); ``resolv_conf`` names it."""
    from conformance._helpers.dns_stub import dns_stub as serve_dns

    return serve_dns(folder)


class _HttpCalls:
    """The requests of the ``http`` peer in progress, by name: each holds one end of a socket pair,
    through which an administrator's kill wakes its wait. A name once killed stays killed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, dict[int, socket.socket]] = {}
        self._killed: set[str] = set()

    def killed(self, name: str) -> bool:
        with self._lock:
            return name in self._killed

    def begin(self, name: str) -> tuple[int, socket.socket]:
        waker, wake = socket.socketpair()
        with self._lock:
            self._running.setdefault(name, {})[id(waker)] = waker
        return id(waker), wake

    def end(self, name: str, key: int, wake: socket.socket) -> None:
        with self._lock:
            running = self._running.get(name, {})
            waker = running.pop(key, None)
            if not running:
                self._running.pop(name, None)
        if waker is not None:
            waker.close()
        wake.close()

    def count(self, name: str) -> int:
        with self._lock:
            return len(self._running.get(name, {}))

    def kill(self, name: str) -> int:
        with self._lock:
            self._killed.add(name)
            wakers = list(self._running.get(name, {}).values())
        for waker in wakers:
            try:
                waker.send(b"k")
            except OSError:
                pass  # that request ended meanwhile
        return len(wakers)


def _client_gone(sock: socket.socket) -> bool:
    """Whether the client closed or reset a connection that select() says is readable (a byte of a next
    request is not a departure)."""
    try:
        return not sock.recv(1, socket.MSG_PEEK)
    except OSError:
        return True


def _reset(sock: socket.socket) -> None:
    """Close with a RST (SO_LINGER 0): the server gone in the middle of a request."""
    linger = struct.pack("HH" if os.name == "nt" else "ii", 1, 0)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    except OSError:
        pass
    sock.close()


def http(folder: Path) -> tuple[dict[str, Any], Callable[[], None]]:
    """An HTTP/1.1 server (keep-alive) on threads, whose slow requests are counted by name:

    - ``GET /slow?ms=N&name=NAME`` answers 200 after N ms; the body is how many requests of NAME the
      server is still handling as it answers (itself included). While it waits it watches the
      connection: a client that closes or resets it ends the request at once (no longer counted);
    - ``GET /active?name=NAME``: how many requests of NAME are in progress;
    - ``POST /kill?name=NAME``: resets (RST) the connections of NAME's requests in progress, as a server
      that dies in the middle of them, and answers how many; the server stays gone for NAME: a later
      request of NAME (a client's retry of an idempotent request on a fresh connection, as libcurl,
      aiohttp and Twisted's Agent make one) is reset as it arrives;
    - ``GET /simple``: ``42`` at once.
    """
    import http.server
    import selectors
    import urllib.parse

    calls = _HttpCalls()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "conformance-http-peer"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: str) -> None:
            data = body.encode()
            head = (f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\nContent-Type: text/plain\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n").encode("latin-1")
            self.wfile.write(head + data)  # one write: no Nagle wait between head and body

        def _reset(self) -> None:
            """Killed: the connection ends with a RST, no answer. rfile holds a reference to the socket,
            which close() only releases with the last one."""
            self.close_connection = True
            self.rfile.close()
            _reset(self.connection)

        def _query(self) -> tuple[str, dict[str, str]]:
            url = urllib.parse.urlsplit(self.path)
            return url.path, {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}

        def do_GET(self) -> None:
            path, query = self._query()
            name = query.get("name", "")
            if path == "/slow":
                self._slow(name, float(query.get("ms", "0")) / 1000.0)
            elif path == "/active":
                self._answer(200, str(calls.count(name)))
            elif path == "/simple":
                self._answer(200, "42")
            else:
                self._answer(404, "no such route")

        def do_POST(self) -> None:
            path, query = self._query()
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if path == "/kill":
                self._answer(200, str(calls.kill(query.get("name", ""))))
            else:
                self._answer(404, "no such route")

        def _slow(self, name: str, seconds: float) -> None:
            sock = self.connection
            if calls.killed(name):
                self._reset()
                return
            call, wake = calls.begin(name)
            try:
                deadline = time.monotonic() + seconds
                with selectors.DefaultSelector() as selector:
                    selector.register(sock, selectors.EVENT_READ)
                    selector.register(wake, selectors.EVENT_READ)
                    while (left := deadline - time.monotonic()) > 0:
                        readable = {ready.fileobj for ready, _ in selector.select(left)}
                        if wake in readable:
                            self._reset()
                            return
                        if sock in readable:
                            if _client_gone(sock):
                                self.close_connection = True
                                return
                            selector.unregister(sock)  # a next request's bytes: wait for the kill alone
                self._answer(200, str(calls.count(name)))
            finally:
                calls.end(name, call, wake)

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # concurrent clients connect at once: no SYN retransmissions

        def server_bind(self) -> None:
            # HTTPServer.server_bind asks socket.getfqdn() for its name: a DNS query, for nothing here.
            socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that went away: its business, not the peer's

    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    return {"host": "127.0.0.1", "port": port, "url": f"http://127.0.0.1:{port}",
            "version": f"Python {sys.version.split()[0]} http.server (HTTP/1.1, a thread per connection)"}, \
        server.serve_forever


SERVICES: dict[str, Callable[[Path], tuple[dict[str, Any], Callable[[], None]]]] = {
    f.__name__: f
    for f in (tcp_echo, tcp6_echo, unix_echo, udp_echo, tls_echo, starttls, digest, silent, reset,
              slow_echo, dns_stub, http)
}
# The names a scenario may ask for are data (conformance._model.scenarios.PEER_SERVICES): a test checks that
# they are these. Not imported here: the peer process starts for every cell that has peers, and that
# import was a fifth of its start.


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m conformance._helpers.peers", description=__doc__)
    parser.add_argument("services", nargs="+", choices=sorted(SERVICES))
    parser.add_argument("--dir", type=Path, required=True, help="a folder for sockets and certificates")
    args = parser.parse_args(argv)
    raise_open_file_limit(OPEN_FILES)
    addresses = {}
    for name in args.services:
        info, serve = SERVICES[name](args.dir)
        threading.Thread(target=serve, name=name, daemon=True).start()
        addresses[name] = info
    sys.stdout.write(json.dumps(addresses) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # serve until the parent closes our stdin (or kills us)


if __name__ == "__main__":
    main()
