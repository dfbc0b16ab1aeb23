"""TCP echo one level down: the same loads as bench.tcp_echo, served without the streams layer.

What each style's users write when they want the last request per second: an ``asyncio.Protocol``
(``loop.create_server``: ``data_received`` writes the data back; no StreamReader, no task per
connection), trio's socket API (``trio.socket``: accept, ``recv``, ``send``; no ``SocketStream``), and a
Twisted ``Protocol`` (Twisted's idiomatic server already is one: the same server as bench.tcp_echo). The
sync style has no layer below the socket API that bench.tcp_echo uses already: its body is that server
again (under gevent, the loop gevent's ``StreamServer`` runs, a greenlet per connection calling
``recv`` and ``sendall`` on gevent's socket). This is the comparison uvloop's published benchmark
makes (its *protocol* and *streams* echo servers): docs/bench.md says which of its ratios this machine
reproduces.
"""

from __future__ import annotations

from typing import Any

from conformance import Context, sibling_module

TIMEOUT_S = 120.0
_servers = sibling_module(__file__, "_servers")


def loads(bench: Any) -> list[dict[str, Any]]:
    """bench.tcp_echo's loads: 1 KiB and 64 KiB messages on 1, 10 and 100 connections."""
    result: list[dict[str, Any]] = _servers.echo_loads(bench)
    return result


def run_sync(ctx: Context) -> None:
    _servers.serve_loads_sync(ctx, loads(ctx.bench))


async def run_asyncio(ctx: Context) -> None:
    await _servers.serve_loads_asyncio(ctx, loads(ctx.bench), _servers.serve_asyncio_protocol)


async def run_trio(ctx: Context) -> None:
    await _servers.serve_loads_trio(ctx, loads(ctx.bench), _servers.serve_trio_sockets)


async def run_twisted(ctx: Context) -> None:
    await _servers.serve_loads_twisted(ctx, loads(ctx.bench))
