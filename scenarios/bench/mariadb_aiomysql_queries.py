"""MariaDB through aiomysql: queries/s and client CPU per query, on 10 connections.

Library: aiomysql (PyMySQL's protocol on asyncio streams), natively on asyncio loops; it has no path under
the sync style, trio or Twisted's default reactor (``unsupported``).

Ten connections, each running ``SELECT 41 + 1`` back to back; the query, how each style runs the library,
and the figures: ``_queries.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_queries = sibling_module(__file__, "_queries")
SERVERS = ("mariadb",)
CONFIGURATIONS = False  # as in the libraries area: the gevent column answers for gevent's configurations
TIMEOUT_S = _queries.TIMEOUT_S
LIBRARY = _queries.libraries_module("_mariadb").AIOMYSQL


def run_sync(ctx: Context) -> None:
    _queries.run_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _queries.run_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _queries.run_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _queries.run_twisted(ctx, LIBRARY)
