"""A runtime's bench echo server as a minimal standalone process: the self-check's second path.

``python -m conformance._child.standalone_server RUNTIME`` sets the runtime up as a program does (the same
set-up a cell's child does: gevent's and eventlet's patching, the loop's factory, the reactor), starts
the very echo server of ``bench.tcp_echo`` (``scenarios/bench/_servers.py``), prints its port on one
line and serves until it is killed. What it leaves out is the harness: no cell, no heartbeat, no stall
meter, no body polling the load generator, no stack-dump watchdog. ``conformance bench --self-check``
drives both paths with the same client and compares them (``conformance._bench.self_check``).
"""

from __future__ import annotations

import sys
from typing import Any

# Only what a cell's child imports before its runtime is set up: gevent and eventlet must patch the
# standard library before anything imports threading or socket.
from conformance._child.cell import set_up_runtime


def _servers() -> Any:
    from conformance._model.scenarios import default_scenarios_dir, import_scenario_module

    return import_scenario_module(default_scenarios_dir() / "bench" / "_servers.py")


def _say_port(port: int) -> None:
    print(port, flush=True)


def serve_sync() -> None:
    import time

    servers = _servers()
    port, _stop = servers.serve_sync(servers.Connections())
    _say_port(port)
    while True:  # the style's own sleep: under gevent and eventlet the hub serves meanwhile
        time.sleep(3600)


async def serve_asyncio() -> None:
    import asyncio

    server = await _servers().serve_asyncio(_servers().Connections())
    _say_port(server.sockets[0].getsockname()[1])
    async with server:
        await asyncio.Event().wait()


async def serve_trio() -> None:
    import trio

    async with trio.open_nursery() as nursery:
        _say_port(await _servers().serve_trio(_servers().Connections(), nursery))
        await trio.sleep_forever()


def serve_twisted() -> None:
    from twisted.internet import defer
    from twisted.internet import reactor as installed_reactor

    reactor: Any = installed_reactor  # typed as a module; it is the reactor the set-up installed

    async def listen() -> None:
        listening = await _servers().serve_twisted(_servers().Connections())
        _say_port(listening.getHost().port)

    reactor.callWhenRunning(lambda: defer.ensureDeferred(listen()))
    reactor.run()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m conformance._child.standalone_server RUNTIME", file=sys.stderr)
        return 2
    ready = set_up_runtime({"runtime": argv[0]})
    if isinstance(ready, dict):
        print(f"{argv[0]}: {ready['outcome']}: {ready['reason']}", file=sys.stderr)
        return 1
    if ready.imported_before_setup:  # the self-check would compare a wrongly set-up runtime
        print(f"{argv[0]}: imported before the set-up: {', '.join(ready.imported_before_setup)}",
              file=sys.stderr)
        return 1
    style = ready.runtime.style
    if style == "sync":
        serve_sync()
    elif style == "asyncio":
        from conformance._runtimes import _asyncio

        _asyncio.start(ready.runtime, serve_asyncio())
    elif style == "trio":
        import trio

        trio.run(serve_trio)
    elif style == "twisted":
        serve_twisted()
    else:
        print(f"{argv[0]}: no standalone echo server for the {style} style", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
