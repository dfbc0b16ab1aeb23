"""Redis's libraries for the libraries area (``_library.py`` runs them): an adapter per library, and the
server-side checks, made with ``redis-cli`` (the server's own client, in a subprocess: nothing of the
runtime under test).

The slow operation is a blocking pop (``BLPOP``) on a key nobody pushes to, which the server ends after
its timeout; then, on the same connection, ``CLIENT LIST`` counts the cell's connections (by their
``CLIENT SETNAME``, the cell's tag) whose pop the server still holds, plus the one asking: the count is
taken when the pop ends, so the largest count any of the cell's concurrent pops reports is how many the
server ran at once. A pop counts while it is the connection's last command (``cmd=blpop``): blocked (flag
``b``), or ended and its answer not yet followed by the connection's next command. Blocked alone would
miss pops that end together: Redis ends a blocked command whose timeout has passed when its event loop
next wakes (``server.hz``, 10 by default: every 100 ms when idle), so pops started within one such tick are
released in one batch, before any of them asks. Redis has no server-side timeout for a command other than
the command's own, so the blocking client's timeout is redis-py's ``socket_timeout``.

Every adapter holds one connection of its own (``single_connection_client=True``, so that "the
connection" of the contract is one socket and one server client), with redis-py's retries off
(``retry=None``): ``redis.Redis(host=...)`` and ``redis.asyncio.Redis(host=...)`` retry a command 10
times by default on ``ConnectionError`` and ``TimeoutError`` (``redis/_defaults.py``,
``DEFAULT_RETRY_COUNT``), which re-sends a timed-out ``BLPOP``, reconnects after a kill, and spreads a
refused connect over seconds of jittered backoff; a ``redis.ConnectionPool`` built directly retries
nothing, as here.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from conformance import sibling_module

_library = sibling_module(__file__, "_library")

CONNECT_TIMEOUT_S = 5
SIMPLE_KEY = "conformance:simple"
SIMPLE = 42


def _key(name: str) -> str:
    """A list nobody pushes to, one per cell."""
    return f"conformance:nobody-pushes:{name}"


def _cli(server: Any, *command: str) -> str:
    done = subprocess.run(["redis-cli", "-h", server.host, "-p", str(server.port), *command],
                          capture_output=True, text=True, timeout=10, check=True)
    return done.stdout


def _popping(clients: list[dict[str, Any]], name: str, blocked: bool = False) -> int:
    """How many of ``clients`` (``CLIENT LIST``, parsed) named ``name`` have ``BLPOP`` as their last
    command (and wait in it, flag ``b``, with ``blocked``)."""
    return sum(1 for client in clients if client.get("name") == name and client.get("cmd") == "blpop"
               and (not blocked or "b" in client.get("flags", "")))


def _client_list(server: Any) -> list[dict[str, str]]:
    return [dict(field.split("=", 1) for field in line.split() if "=" in field)
            for line in _cli(server, "CLIENT", "LIST").splitlines()]


def active(server: Any, name: str) -> int:
    """How many connections named ``name`` the server holds blocked in ``BLPOP`` now."""
    return _popping(_client_list(server), name, blocked=True)


# Redis 7's CLIENT KILL filters by ID, TYPE, USER, ADDR, LADDR, SKIPME (no NAME): list, then kill by ID.
_KILL_SCRIPT = """sleep "$1" || exit 1
for id in $(redis-cli -h "$2" -p "$3" CLIENT LIST | awk -v name="name=$4" '
    { id = ""; named = 0
      for (i = 1; i <= NF; i++) { if ($i ~ /^id=/) id = substr($i, 4); if ($i == name) named = 1 }
      if (named) print id }'); do
    redis-cli -h "$2" -p "$3" CLIENT KILL ID "$id" >/dev/null
done
"""


def kill_later(server: Any, name: str, after_s: float) -> subprocess.Popen[bytes]:
    """End the connections named ``name`` on the server after ``after_s`` (``CLIENT KILL ID`` for each,
    as an administrator or a failover does), from a process of its own."""
    return subprocess.Popen(["sh", "-c", _KILL_SCRIPT, "sh", f"{after_s:g}", server.host, str(server.port),
                             name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- one adapter per library -----------------------------------------------------------------------------


def _name(conn: Any) -> str:
    return str(conn.get_connection_kwargs()["client_name"])


class RedisPy:
    """redis-py's blocking client (``redis.Redis``) on one connection, with the response parser
    ``PARSER`` (``redis.connection``'s ``_RESP2Parser``: pure Python, which redis-py turns into its
    RESP3 twin ``_RESP3Parser`` when the protocol is 3, its default; or ``_HiredisParser``, C). Either
    parser reads the socket in Python (``socket.recv`` / ``recv_into``); hiredis only parses the bytes."""

    SIMPLE = SIMPLE
    PARSER = "_RESP2Parser"
    PARSERS_USED: tuple[str, ...] = ("_RESP2Parser", "_RESP3Parser")   # what the connection's parser must be

    def connect(self, server: Any, name: str, port: int) -> Any:
        import redis
        import redis.connection

        pool = redis.ConnectionPool(host=server.host, port=port, client_name=name, retry=None,
                                    socket_connect_timeout=CONNECT_TIMEOUT_S,
                                    parser_class=getattr(redis.connection, self.PARSER))
        try:
            client = redis.Redis(connection_pool=pool, single_connection_client=True)
        except BaseException:
            pool.disconnect()
            raise
        assert client.connection is not None  # single_connection_client: its one connection, made here
        parser = type(client.connection._parser).__name__
        if parser not in self.PARSERS_USED:
            self.close(client)
            raise RuntimeError(f"redis-py parses with {parser}, not {' or '.join(self.PARSERS_USED)}")
        return client

    def slow(self, conn: Any, seconds: float) -> Any:
        name = _name(conn)
        popped = conn.blpop([_key(name)], seconds)
        if popped is not None:
            return popped
        return _popping(conn.client_list(), name) + 1

    def set_timeout(self, conn: Any, seconds: float) -> str:
        # What redis.Redis(socket_timeout=...) sets, applied to the connection already open: the socket's
        # timeout, and the parser's copy of it.
        conn.connection.socket_timeout = seconds
        conn.connection.update_current_socket_timeout(-1)
        return (f"redis-py's socket_timeout ({seconds:g} s): Redis has no server-side timeout for a command "
                "but the command's own")

    def simple(self, conn: Any) -> Any:
        conn.set(SIMPLE_KEY, SIMPLE)
        return int(conn.get(SIMPLE_KEY))

    def close(self, conn: Any) -> None:
        try:
            conn.close()
        finally:
            conn.connection_pool.disconnect()


class RedisPyHiredis(RedisPy):
    """redis-py's blocking client with the hiredis parser (C), its default where hiredis is installed."""

    PARSER = "_HiredisParser"
    PARSERS_USED = ("_HiredisParser",)


class RedisAsyncio:
    """redis-py's asyncio client (``redis.asyncio.Redis``) on one connection, with its default parser
    (``_AsyncHiredisParser`` where hiredis is installed)."""

    SIMPLE = SIMPLE

    async def connect(self, server: Any, name: str, port: int) -> Any:
        import redis.asyncio

        # retry=None: no retries (redis-py takes None for it, though its annotation says Retry).
        client = redis.asyncio.Redis(host=server.host, port=port, client_name=name,
                                     retry=None,  # type: ignore[arg-type]
                                     socket_connect_timeout=CONNECT_TIMEOUT_S, single_connection_client=True)
        try:
            return await client.initialize()
        except BaseException:
            await client.aclose()
            raise

    async def slow(self, conn: Any, seconds: float) -> Any:
        name = _name(conn)
        popped = await conn.blpop([_key(name)], seconds)
        if popped is not None:
            return popped
        return _popping(await conn.client_list(), name) + 1

    async def simple(self, conn: Any) -> Any:
        await conn.set(SIMPLE_KEY, SIMPLE)
        return int(await conn.get(SIMPLE_KEY))

    async def close(self, conn: Any) -> None:
        await conn.aclose()


def _row(name: str, module: str, connect: str, adapter: type) -> Any:
    return _library.Library(name, module, "redis", connect, adapter, sys.modules[__name__], "redis")


REDISPY = _row("redis-py (Python parser)", "redis", "redis.Redis", RedisPy)
# hiredis imported first: the row is unavailable, not an error, where it is not installed.
REDISPY_HIREDIS = _row("redis-py (hiredis parser)", "hiredis", "redis.Redis", RedisPyHiredis)
# redis.asyncio.Redis is a class (not a coroutine function): what `await redis.asyncio.Redis(...)` runs, and
# what connects, is its coroutine method initialize.
REDIS_ASYNCIO = _row("redis-py asyncio", "redis.asyncio", "redis.asyncio.Redis.initialize", RedisAsyncio)
