"""Redis through redis-py with the hiredis parser: queries/s and client CPU per query, on 10 connections.

Library: redis-py's blocking client on one connection each, parsing replies with hiredis (C); the socket is
still read in Python.

Ten connections, each running ``SET`` then ``GET`` of 42 (two commands) back to back; the query, how each
style runs the library, and the figures: ``_queries.py``.
"""

from __future__ import annotations

from conformance import Context, sibling_module

_queries = sibling_module(__file__, "_queries")
SERVERS = ("redis",)
CONFIGURATIONS = False  # as in the libraries area: the gevent column answers for gevent's configurations
TIMEOUT_S = _queries.TIMEOUT_S
LIBRARY = _queries.libraries_module("_redis").REDISPY_HIREDIS


def run_sync(ctx: Context) -> None:
    _queries.run_sync(ctx, LIBRARY)


async def run_asyncio(ctx: Context) -> None:
    await _queries.run_asyncio(ctx, LIBRARY)


async def run_trio(ctx: Context) -> None:
    await _queries.run_trio(ctx, LIBRARY)


async def run_twisted(ctx: Context) -> None:
    await _queries.run_twisted(ctx, LIBRARY)
