"""HTTP client libraries for the libraries area (``_library.py`` runs them): an adapter per library, and the
server-side checks, asked of the ``http`` peer (``conformance._helpers.peers``) by a stdlib ``python -c``
script in a subprocess (nothing of the runtime under test).

The server is the suite's ``http`` peer, not a database server: its rows say ``peer=True`` and their
scenarios ``PEERS = ("http",)``. The slow operation is ``GET /slow?ms=N&name=NAME``: the peer answers
after N ms with how many requests of NAME (the cell's tag) it is still handling, itself included, so
the largest answer of the cell's concurrent requests is how many the server ran at once. The peer
watches each waiting connection: a client that closes or resets it stops being counted at once, which
is how the server sees a cancelled request end. ``POST /kill?name=NAME`` resets the connections of
NAME's requests in progress (the server gone in the middle of a request), and the server stays gone for
NAME: libcurl, aiohttp and Twisted's Agent retry an idempotent request once on a fresh connection when
their reused connection dies before an answer, and that retry is reset too.

A connection is a client of the library's own (a ``requests.Session``, a libcurl easy handle, an
``httpx.Client``, an ``aiohttp.ClientSession``, a Twisted connection pool) made for the one operation:
its ``connect`` makes the client and sends it a quick ``GET /simple``, which opens the keep-alive
connection the operation then uses (an HTTP client connects on its first request), so a refused
connect fails there. No proxy from the environment: the server is on loopback.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from conformance import sibling_module

_library = sibling_module(__file__, "_library")

# http.client alone, in a process of its own: METHOD PATH to the peer, its body on stdout, optionally
# sent at a wall-clock time (kill_later's delay, counted from the call, not from the interpreter's start).
ASK_SCRIPT = """\
import http.client, sys, time
host, port, method, path, at = sys.argv[1:6]
time.sleep(max(0.0, float(at) - time.time()))
conn = http.client.HTTPConnection(host, int(port), timeout=5)
conn.request(method, path)
response = conn.getresponse()
body = response.read().decode()
if response.status != 200:
    sys.exit(f"{method} {path}: {response.status} {body}")
print(body)
"""


def _ask_command(server: Any, method: str, path: str, at: float = 0.0) -> list[str]:
    return [sys.executable, "-I", "-S", "-c", ASK_SCRIPT, str(server.host), str(server.port), method, path,
            repr(at)]


def _quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def active(server: Any, name: str) -> int:
    """How many requests of ``name`` the peer is handling now."""
    done = subprocess.run(_ask_command(server, "GET", f"/active?name={_quoted(name)}"), capture_output=True,
                          text=True, timeout=10, check=True)
    return int(done.stdout.strip() or 0)


def kill_later(server: Any, name: str, after_s: float) -> subprocess.Popen[bytes]:
    """Reset the connections of ``name``'s requests in progress ``after_s`` from now (``POST /kill``),
    from a process of its own."""
    command = _ask_command(server, "POST", f"/kill?name={_quoted(name)}", time.time() + after_s)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class Connection:
    """A client of the library's for one operation, where it sends, and the name its requests carry."""

    client: Any
    base: str
    name: str
    timeout: float | None = None

    def slow_url(self, seconds: float) -> str:
        return f"{self.base}/slow?ms={round(seconds * 1000)}&name={_quoted(self.name)}"

    @property
    def simple_url(self) -> str:
        return f"{self.base}/simple"


def _base(server: Any, port: int) -> str:
    return f"http://{server.host}:{port}"


def _answer(status: int, body: str) -> int:
    if status != 200:
        raise RuntimeError(f"the http peer answered {status}: {body[:200]!r}")
    return int(body)


# -- one adapter per library -----------------------------------------------------------------------------


class Requests:
    """requests (on urllib3 and the socket module), a ``requests.Session`` per operation."""

    SIMPLE = 42

    def connect(self, server: Any, name: str, port: int) -> Connection:
        import requests

        session = requests.Session()
        session.trust_env = False
        conn = Connection(session, _base(server, port), name)
        try:
            self.simple(conn)
        except BaseException:
            session.close()
            raise
        return conn

    def _get(self, conn: Connection, url: str) -> int:
        response = conn.client.get(url, timeout=conn.timeout)
        return _answer(response.status_code, response.text)

    def slow(self, conn: Connection, seconds: float) -> int:
        return self._get(conn, conn.slow_url(seconds))

    def set_timeout(self, conn: Connection, seconds: float) -> str:
        conn.timeout = seconds
        return f"requests' timeout= on the request ({seconds:g} s, connect and each read)"

    def simple(self, conn: Connection) -> int:
        return self._get(conn, conn.simple_url)

    def close(self, conn: Connection) -> None:
        conn.client.close()


class Pycurl:
    """pycurl (libcurl, in C), an easy handle (``pycurl.Curl``) per operation."""

    SIMPLE = 42

    def connect(self, server: Any, name: str, port: int) -> Connection:
        import pycurl

        curl = pycurl.Curl()
        # libcurl's advice for a program with threads: no signals (its resolver's timeout uses SIGALRM).
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.PROXY, "")
        conn = Connection(curl, _base(server, port), name)
        try:
            self.simple(conn)
        except BaseException:
            curl.close()
            raise
        return conn

    def _get(self, conn: Connection, url: str) -> int:
        import pycurl

        body = io.BytesIO()
        conn.client.setopt(pycurl.URL, url)
        conn.client.setopt(pycurl.WRITEDATA, body)
        conn.client.perform()
        return _answer(conn.client.getinfo(pycurl.RESPONSE_CODE), body.getvalue().decode())

    def slow(self, conn: Connection, seconds: float) -> int:
        return self._get(conn, conn.slow_url(seconds))

    def set_timeout(self, conn: Connection, seconds: float) -> str:
        import pycurl

        conn.client.setopt(pycurl.TIMEOUT_MS, round(seconds * 1000))
        return f"libcurl's CURLOPT_TIMEOUT_MS ({round(seconds * 1000)} ms for the whole transfer)"

    def simple(self, conn: Connection) -> int:
        return self._get(conn, conn.simple_url)

    def close(self, conn: Connection) -> None:
        conn.client.close()


class _HttpxLoaded:
    """What httpx does in a client's constructor that is not I/O, done once with the library: the import
    of httpcore (which imports trio, where it is installed: ~100 ms, in the first client's constructor),
    and the SSL context, made once and given to every client as httpx's SSL documentation spells it
    (``verify=ctx``, the default's equivalent: certifi's bundle); httpx otherwise builds it in every
    client's constructor (~40 ms of CPU each, for connections that never use TLS)."""

    def __init__(self) -> None:
        import importlib
        import ssl

        import certifi

        try:
            importlib.import_module("httpcore")
        except Exception:  # raised again, as its users see it, by the first client
            pass
        self.verify = ssl.create_default_context(cafile=certifi.where())


class Httpx(_HttpxLoaded):
    """httpx's blocking API (``httpx.Client``, on httpcore and the socket module), a client per operation."""

    SIMPLE = 42

    def connect(self, server: Any, name: str, port: int) -> Connection:
        import httpx

        client = httpx.Client(trust_env=False, verify=self.verify)
        conn = Connection(client, _base(server, port), name)
        try:
            self.simple(conn)
        except BaseException:
            client.close()
            raise
        return conn

    def _get(self, conn: Connection, url: str) -> int:
        import httpx

        timeout = httpx.USE_CLIENT_DEFAULT if conn.timeout is None else conn.timeout
        response = conn.client.get(url, timeout=timeout)
        return _answer(response.status_code, response.text)

    def slow(self, conn: Connection, seconds: float) -> int:
        return self._get(conn, conn.slow_url(seconds))

    def set_timeout(self, conn: Connection, seconds: float) -> str:
        conn.timeout = seconds
        return f"httpx's timeout= on the request ({seconds:g} s for connect, each read, write and pool)"

    def simple(self, conn: Connection) -> int:
        return self._get(conn, conn.simple_url)

    def close(self, conn: Connection) -> None:
        conn.client.close()


class HttpxAsync(_HttpxLoaded):
    """httpx's async API (``httpx.AsyncClient``, on httpcore and AnyIO: asyncio or trio), a client per
    operation."""

    SIMPLE = 42

    async def connect(self, server: Any, name: str, port: int) -> Connection:
        import httpx

        client = httpx.AsyncClient(trust_env=False, verify=self.verify)
        conn = Connection(client, _base(server, port), name)
        try:
            await self.simple(conn)
        except BaseException:
            await client.aclose()
            raise
        return conn

    async def _get(self, conn: Connection, url: str) -> int:
        response = await conn.client.get(url)
        return _answer(response.status_code, response.text)

    async def slow(self, conn: Connection, seconds: float) -> int:
        return await self._get(conn, conn.slow_url(seconds))

    async def simple(self, conn: Connection) -> int:
        return await self._get(conn, conn.simple_url)

    async def close(self, conn: Connection) -> None:
        await conn.client.aclose()


class Aiohttp:
    """aiohttp (asyncio only), an ``aiohttp.ClientSession`` per operation."""

    SIMPLE = 42

    async def connect(self, server: Any, name: str, port: int) -> Connection:
        import aiohttp

        session = aiohttp.ClientSession()
        conn = Connection(session, _base(server, port), name)
        try:
            await self.simple(conn)
        except BaseException:
            await session.close()
            raise
        return conn

    async def _get(self, conn: Connection, url: str) -> int:
        async with conn.client.get(url) as response:
            return _answer(response.status, await response.text())

    async def slow(self, conn: Connection, seconds: float) -> int:
        return await self._get(conn, conn.slow_url(seconds))

    async def simple(self, conn: Connection) -> int:
        return await self._get(conn, conn.simple_url)

    async def close(self, conn: Connection) -> None:
        await conn.client.close()


class Treq:
    """treq (on Twisted's ``Agent``), a persistent ``HTTPConnectionPool`` of its own per operation; the
    methods are coroutine functions awaiting treq's Deferreds, under the running reactor."""

    SIMPLE = 42

    async def connect(self, server: Any, name: str, port: int) -> Connection:
        from twisted.internet import reactor
        from twisted.web.client import HTTPConnectionPool

        pool = HTTPConnectionPool(reactor, persistent=True)
        conn = Connection(pool, _base(server, port), name)
        try:
            await self.simple(conn)
        except BaseException:
            await pool.closeCachedConnections()
            raise
        return conn

    async def _get(self, conn: Connection, url: str) -> int:
        import treq

        response = await treq.get(url, pool=conn.client)
        return _answer(response.code, await treq.text_content(response))

    async def slow(self, conn: Connection, seconds: float) -> int:
        return await self._get(conn, conn.slow_url(seconds))

    async def simple(self, conn: Connection) -> int:
        return await self._get(conn, conn.simple_url)

    async def close(self, conn: Connection) -> None:
        await conn.client.closeCachedConnections()


def _row(name: str, module: str, distribution: str, connect: str, adapter: type, **flags: bool) -> Any:
    return _library.Library(name, module, distribution, connect, adapter, sys.modules[__name__], "http",
                            peer=True, **flags)


REQUESTS = _row("requests", "requests", "requests", "requests.Session.request", Requests)
PYCURL = _row("pycurl", "pycurl", "pycurl", "pycurl.Curl", Pycurl)
HTTPX = _row("httpx", "httpx", "httpx", "httpx.Client.send", Httpx)
HTTPX_ASYNC = _row("httpx (async)", "httpx", "httpx", "httpx.AsyncClient.send", HttpxAsync, trio_native=True)
AIOHTTP = _row("aiohttp", "aiohttp", "aiohttp", "aiohttp.TCPConnector.connect", Aiohttp)
TREQ = _row("treq", "treq", "treq", "treq.request", Treq, twisted_native=True)
