"""PostgreSQL's libraries for the libraries area (``_library.py`` runs them): an adapter per library, and the
server-side checks, made with ``psql`` (the server's own client, in a subprocess: nothing of the runtime
under test).

The slow operation is one statement that sleeps on the server and then counts, on the server, the
cell's statements still running (``pg_stat_activity``, by the connections' ``application_name``, which
is the cell's tag): the count is taken when the sleep ends, so the largest count any of the cell's
concurrent statements reports is how many the server ran at once. ``WITH ... AS MATERIALIZED`` makes the
sleep run before the count.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conformance import sibling_module

_library = sibling_module(__file__, "_library")

SLOW_SQL = ("WITH s AS MATERIALIZED (SELECT pg_sleep({seconds})) "
            "SELECT (SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = current_setting('application_name') AND state = 'active' "
            "AND query LIKE 'WITH s AS MATERIALIZED%') FROM s")
SIMPLE_SQL = "SELECT 41 + 1"
CONNECT_TIMEOUT_S = 5


def _slow_sql(seconds: float) -> str:
    return SLOW_SQL.format(seconds=float(seconds))


def _psql(server: Any) -> str:
    folder = Path(server.log).parent
    found = shutil.which("psql")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/psql")):
        return str(candidate)
    raise FileNotFoundError(f"no psql beside the server started in {folder}")


def _psql_command(server: Any) -> list[str]:
    """psql's command line for one statement (the statement comes last)."""
    return [_psql(server), "-h", server.host, "-p", str(server.port), "-U", server.user,
            "-d", server.database, "-AtXq", "-c"]


def _sql(server: Any, statement: str) -> str:
    done = subprocess.run([*_psql_command(server), statement], capture_output=True, text=True, timeout=10,
                          check=True)
    return done.stdout.strip()


def active(server: Any, name: str) -> int:
    """How many statements of the connections named ``name`` the server is running now."""
    return int(_sql(server, f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{name}' "
                            "AND state = 'active'") or 0)


def kill_later(server: Any, name: str, after_s: float) -> subprocess.Popen[bytes]:
    """End the connections named ``name`` on the server after ``after_s`` (``pg_terminate_backend``, as
    an administrator or a failover does), from a process of its own."""
    statement = f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
    return subprocess.Popen(["sh", "-c", f'sleep {after_s} && exec "$0" "$@"', *_psql_command(server),
                             statement], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- one adapter per library -----------------------------------------------------------------------------


class Psycopg:
    """psycopg 3, its blocking API (libpq through psycopg's C or Python wrapper)."""

    SIMPLE = 42

    def connect(self, server: Any, name: str, port: int) -> Any:
        import psycopg

        return psycopg.connect(host=server.host, port=port, user=server.user, dbname=server.database,
                               application_name=name, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)

    def slow(self, conn: Any, seconds: float) -> Any:
        return conn.execute(_slow_sql(seconds)).fetchone()[0]

    def set_timeout(self, conn: Any, seconds: float) -> str:
        conn.execute(f"SET statement_timeout = {int(seconds * 1000)}")
        return f"the server's statement_timeout ({int(seconds * 1000)} ms)"

    def simple(self, conn: Any) -> Any:
        return conn.execute(SIMPLE_SQL).fetchone()[0]

    def close(self, conn: Any) -> None:
        conn.close()


class PsycopgAsync:
    """psycopg 3, its asyncio API (``psycopg.AsyncConnection``)."""

    SIMPLE = 42

    async def connect(self, server: Any, name: str, port: int) -> Any:
        import psycopg

        return await psycopg.AsyncConnection.connect(
            host=server.host, port=port, user=server.user, dbname=server.database, application_name=name,
            connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)

    async def slow(self, conn: Any, seconds: float) -> Any:
        cursor = await conn.execute(_slow_sql(seconds))
        return (await cursor.fetchone())[0]

    async def simple(self, conn: Any) -> Any:
        cursor = await conn.execute(SIMPLE_SQL)
        return (await cursor.fetchone())[0]

    async def close(self, conn: Any) -> None:
        await conn.close()


class Psycopg2:
    """psycopg2 (libpq, C), its blocking API."""

    SIMPLE = 42
    wait_callback = False

    def connect(self, server: Any, name: str, port: int) -> Any:
        import psycopg2
        import psycopg2.extensions
        import psycopg2.extras

        if self.wait_callback:
            # psycogreen's recipe, in psycopg2's own spelling: libpq in non-blocking mode, and every wait
            # in select(), which a green runtime's patching makes cooperative.
            psycopg2.extensions.set_wait_callback(psycopg2.extras.wait_select)
        conn = psycopg2.connect(host=server.host, port=port, user=server.user, dbname=server.database,
                                application_name=name, connect_timeout=CONNECT_TIMEOUT_S)
        conn.autocommit = True
        return conn

    def slow(self, conn: Any, seconds: float) -> Any:
        with conn.cursor() as cursor:
            cursor.execute(_slow_sql(seconds))
            return cursor.fetchone()[0]

    def set_timeout(self, conn: Any, seconds: float) -> str:
        with conn.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
        return f"the server's statement_timeout ({int(seconds * 1000)} ms)"

    def simple(self, conn: Any) -> Any:
        with conn.cursor() as cursor:
            cursor.execute(SIMPLE_SQL)
            return cursor.fetchone()[0]

    def close(self, conn: Any) -> None:
        conn.close()


class Psycopg2WaitCallback(Psycopg2):
    """psycopg2 with a wait callback (``psycopg2.extras.wait_select``), the way psycogreen makes it green."""

    wait_callback = True


class Pg8000(Psycopg2):
    """pg8000 (pure Python), its DB-API."""

    def connect(self, server: Any, name: str, port: int) -> Any:
        import pg8000.dbapi

        conn = pg8000.dbapi.connect(host=server.host, port=port, user=server.user, database=server.database,
                                    application_name=name, timeout=None)
        conn.autocommit = True
        return conn

    def slow(self, conn: Any, seconds: float) -> Any:
        cursor = conn.cursor()
        cursor.execute(_slow_sql(seconds))
        return cursor.fetchone()[0]

    def set_timeout(self, conn: Any, seconds: float) -> str:
        conn.cursor().execute(f"SET statement_timeout = {int(seconds * 1000)}")
        return f"the server's statement_timeout ({int(seconds * 1000)} ms)"

    def simple(self, conn: Any) -> Any:
        cursor = conn.cursor()
        cursor.execute(SIMPLE_SQL)
        return cursor.fetchone()[0]


class Asyncpg:
    """asyncpg (its own protocol, in Cython), asyncio only."""

    SIMPLE = 42

    async def connect(self, server: Any, name: str, port: int) -> Any:
        import asyncpg

        return await asyncpg.connect(host=server.host, port=port, user=server.user, database=server.database,
                                     server_settings={"application_name": name}, timeout=CONNECT_TIMEOUT_S)

    async def slow(self, conn: Any, seconds: float) -> Any:
        return await conn.fetchval(_slow_sql(seconds))

    async def simple(self, conn: Any) -> Any:
        return await conn.fetchval(SIMPLE_SQL)

    async def close(self, conn: Any) -> None:
        await conn.close()


def _row(name: str, module: str, distribution: str, connect: str, adapter: type) -> Any:
    return _library.Library(name, module, distribution, connect, adapter, sys.modules[__name__], "postgresql")


PSYCOPG = _row("psycopg", "psycopg", "psycopg", "psycopg.connect", Psycopg)
PSYCOPG_ASYNC = _row("psycopg (async)", "psycopg", "psycopg", "psycopg.AsyncConnection.connect", PsycopgAsync)
PSYCOPG2 = _row("psycopg2", "psycopg2.extras", "psycopg2-binary", "psycopg2.connect", Psycopg2)
PSYCOPG2_WAIT = _row("psycopg2 + wait_select", "psycopg2.extras", "psycopg2-binary", "psycopg2.connect",
                     Psycopg2WaitCallback)
PG8000 = _row("pg8000", "pg8000.dbapi", "pg8000", "pg8000.dbapi.connect", Pg8000)
ASYNCPG = _row("asyncpg", "asyncpg", "asyncpg", "asyncpg.connect", Asyncpg)
