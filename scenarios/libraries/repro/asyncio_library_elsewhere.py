"""An asyncio library where no asyncio loop runs: no blocking API to call, no loop for its coroutines.

The libraries below are written for asyncio: their connect is a coroutine function, so blocking code
(plain threads, gevent, eventlet) has nothing to call, and their coroutines need a running asyncio
event loop, which trio and Twisted's default reactor do not run (Twisted's asyncio reactor does).
httpx's AsyncClient runs on trio too (through AnyIO), so it is left out of what trio shows. Run:
python asyncio_library_elsewhere.py RUNTIME (threads, gevent, eventlet, trio, twisted).
"""

import importlib
import inspect
import sys
from typing import Any

RUNTIMES = ("threads", "gevent", "eventlet", "trio", "twisted")
if len(sys.argv) != 2 or sys.argv[1] not in RUNTIMES:
    sys.exit(f"usage: {sys.argv[0]} {'|'.join(RUNTIMES)}")
RUNTIME = sys.argv[1]
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

# Each library's connect, as the suite's scenarios probe it.
CONNECTS = {"asyncpg": "asyncpg.connect", "psycopg (async)": "psycopg.AsyncConnection.connect",
            "redis.asyncio": "redis.asyncio.Redis.initialize", "aiomysql": "aiomysql.connection._connect",
            "aiohttp": "aiohttp.TCPConnector.connect", "httpx (async)": "httpx.AsyncClient.send"}
# Those that run on trio too (through AnyIO): not shown under trio.
ON_TRIO_TOO = ("httpx (async)",)
SHOWN = [name for name in CONNECTS if RUNTIME != "trio" or name not in ON_TRIO_TOO]


def connect_of(dotted: str) -> object:
    package, *path = dotted.split(".")
    found: object = importlib.import_module(package)
    for part in path:
        found = getattr(found, part)
    return found


def no_asyncio_loop() -> str:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError as exc:
        return f"asyncio.get_running_loop() raised RuntimeError: {exc}"
    return ""


if RUNTIME in ("threads", "gevent", "eventlet"):
    kinds = {name: inspect.iscoroutinefunction(connect_of(dotted)) for name, dotted in CONNECTS.items()}
    for name, is_coroutine in kinds.items():
        print(f"{name}: {CONNECTS[name]} is {'a coroutine function' if is_coroutine else 'a plain function'}")
    found = "" if not all(kinds.values()) else "every one has only coroutine functions to connect with"
elif RUNTIME == "trio":
    import trio

    async def inside_trio() -> str:
        return no_asyncio_loop()

    found = trio.run(inside_trio)
else:
    from twisted.internet import reactor as installed

    reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
    said: list[str] = []

    def look_then_stop() -> None:
        said.append(no_asyncio_loop())
        reactor.stop()

    reactor.callWhenRunning(look_then_stop)
    reactor.run()
    found = said[0] if said else ""
print(f"under {RUNTIME}: {found or 'an asyncio loop runs, or a blocking API exists'}")
if found:
    print(f"REPRODUCED: {', '.join(SHOWN)} have no way to run under {RUNTIME}")
    sys.exit(0)
print(f"NOT REPRODUCED: {', '.join(SHOWN)} can run under {RUNTIME}")
sys.exit(1)
