"""MariaDB's libraries for the libraries area (``_library.py`` runs them): an adapter per library, and the
server-side checks, made with ``mariadb`` (the server's own client, in a subprocess: nothing of the runtime
under test).

MariaDB has no application name a client sets on its connection (its connection attributes show only
in ``performance_schema``, off by default), so a statement carries the cell's name in a comment at its
start, ``/*NAME*/ SELECT ...``, which the server keeps in ``information_schema.PROCESSLIST.INFO``: the
server-side checks find the cell's statements by that prefix (their own statements begin with
``SELECT``, so they never count themselves).

The slow operation is one statement that sleeps on the server and then counts, on the server, the cell's
statements still running: the count is taken when the sleep ends, so the largest count any of the cell's
concurrent statements reports is how many the server ran at once. It counts every statement the server still
lists, whatever its stage: one that has just written its answer to its client is still listed while it is
cleaned up, and its worker's next statement may already have begun, so under load a path with a pool of N
can count a few more than N (7 with a pool of 6, up to 14 with a pool of 10 seen on 2 busy CPUs); it never
counts fewer than ran. Counting only the sleeping ones (``STATE``), or only those begun after this one
(``QUERY_ID``), was tried: the first undercounts statements not yet past their parsing, the second still
overcounts by the server's jitter. The sleep is a derived table (``LIMIT 1`` keeps it from being merged) and
the count is correlated with its column, so the count cannot be evaluated before the sleep has run; ``= 0``
makes an interrupted sleep (``SLEEP`` answers 1) count nothing, never a plausible answer.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from conformance import sibling_module

_library = sibling_module(__file__, "_library")

SLOW_SQL = ("{mark} SELECT (SELECT count(*) FROM information_schema.PROCESSLIST WHERE LEFT(INFO, {length}) = "
            "'{mark}' AND s.z = 0) FROM (SELECT SLEEP({seconds}) AS z LIMIT 1) AS s")
SIMPLE_SQL = "SELECT 41 + 1"
CONNECT_TIMEOUT_S = 5


def _mark(name: str) -> str:
    """The comment that starts the statements of the connections named ``name``."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"a connection's name must be letters, digits, - and _ (it goes in SQL): {name!r}")
    return f"/*{name}*/"


def _slow_sql(name: str, seconds: float) -> str:
    mark = _mark(name)
    return SLOW_SQL.format(mark=mark, length=len(mark), seconds=float(seconds))


def _mariadb(server: Any) -> list[str]:
    client = shutil.which("mariadb") or shutil.which("mysql")
    if not client:
        raise FileNotFoundError("no mariadb (or mysql) client on PATH beside the server")
    return [client, "--no-defaults", "-h", server.host, "-P", str(server.port), "-u", server.user, "-N", "-B"]


def active(server: Any, name: str) -> int:
    """How many statements of the connections named ``name`` the server is running now."""
    mark = _mark(name)
    done = subprocess.run([*_mariadb(server), "-e", "SELECT count(*) FROM information_schema.PROCESSLIST "
                           f"WHERE LEFT(INFO, {len(mark)}) = '{mark}'"],
                          capture_output=True, text=True, timeout=10, check=True)
    return int(done.stdout.strip() or 0)


def kill_later(server: Any, name: str, after_s: float) -> subprocess.Popen[bytes]:
    """End the connections running a statement named ``name`` on the server after ``after_s`` (``KILL``, as
    an administrator or a failover does), from a process of its own."""
    mark = _mark(name)
    block = ("BEGIN NOT ATOMIC FOR r IN (SELECT ID FROM information_schema.PROCESSLIST WHERE "
             f"LEFT(INFO, {len(mark)}) = '{mark}') DO KILL CONNECTION r.ID; END FOR; END$$")
    return subprocess.Popen(["sh", "-c", f'sleep {after_s} && exec "$0" "$@"', *_mariadb(server),
                             "--delimiter=$$", "-e", block],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- one adapter per library -----------------------------------------------------------------------------


@dataclass
class Session:
    """A library's connection, and the name its statements carry."""

    conn: Any
    name: str


class PyMySQL:
    """PyMySQL (pure Python), its blocking DB-API.

    ``ssl_disabled=True``: the server offers no TLS, and PyMySQL 1.2, which prefers TLS by default, would
    otherwise build a TLS context on every connect, before it knows (``ssl.create_default_context()``,
    which loads the system's CA bundle: 20-60 ms of CPU holding the GIL). Twenty such connects at once
    stall a green runtime's hub, or starve a loop's thread of the GIL, by a varying few hundred ms: CPU
    work of the connect, not how the library waits for the server, which is what the row measures."""

    SIMPLE = 42

    def _connect(self, server: Any, port: int) -> Any:
        import pymysql

        return pymysql.connect(host=server.host, port=port, user=server.user, database=server.database,
                               connect_timeout=CONNECT_TIMEOUT_S, autocommit=True, ssl_disabled=True)

    def connect(self, server: Any, name: str, port: int) -> Session:
        _mark(name)
        return Session(self._connect(server, port), name)

    def _one(self, session: Session, statement: str) -> Any:
        with session.conn.cursor() as cursor:
            cursor.execute(statement)
            row = cursor.fetchone()
            return None if row is None else row[0]

    def slow(self, session: Session, seconds: float) -> Any:
        return self._one(session, _slow_sql(session.name, seconds))

    def set_timeout(self, session: Session, seconds: float) -> str:
        self._one(session, f"SET SESSION max_statement_time = {seconds:g}")
        return f"the server's max_statement_time ({seconds:g} s, SET SESSION)"

    def simple(self, session: Session) -> Any:
        return self._one(session, SIMPLE_SQL)

    def close(self, session: Session) -> None:
        session.conn.close()


class Mysqlclient(PyMySQL):
    """mysqlclient (``MySQLdb``: C, on libmariadb), its blocking DB-API."""

    def _connect(self, server: Any, port: int) -> Any:
        import MySQLdb

        return MySQLdb.connect(host=server.host, port=port, user=server.user, database=server.database,
                               connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)


class Aiomysql:
    """aiomysql (PyMySQL's protocol on asyncio streams), asyncio only."""

    SIMPLE = 42

    async def connect(self, server: Any, name: str, port: int) -> Session:
        import aiomysql

        _mark(name)
        conn = await aiomysql.connect(host=server.host, port=port, user=server.user, db=server.database,
                                      connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)
        return Session(conn, name)

    async def _one(self, session: Session, statement: str) -> Any:
        async with session.conn.cursor() as cursor:
            await cursor.execute(statement)
            row = await cursor.fetchone()
            return None if row is None else row[0]

    async def slow(self, session: Session, seconds: float) -> Any:
        return await self._one(session, _slow_sql(session.name, seconds))

    async def simple(self, session: Session) -> Any:
        return await self._one(session, SIMPLE_SQL)

    async def close(self, session: Session) -> None:
        await session.conn.ensure_closed()


def _row(name: str, module: str, distribution: str, connect: str, adapter: type) -> Any:
    return _library.Library(name, module, distribution, connect, adapter, sys.modules[__name__], "mariadb")


PYMYSQL = _row("PyMySQL", "pymysql", "PyMySQL", "pymysql.connect", PyMySQL)
MYSQLCLIENT = _row("mysqlclient", "MySQLdb", "mysqlclient", "MySQLdb.connect", Mysqlclient)
# aiomysql.connect is a plain function that returns an awaitable context manager around the coroutine
# function aiomysql.connection._connect: that is what Library.load's probe for an async library needs.
AIOMYSQL = _row("aiomysql", "aiomysql", "aiomysql", "aiomysql.connection._connect", Aiomysql)
