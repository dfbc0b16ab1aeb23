"""treq where no Twisted reactor runs: its request is a Deferred that nothing ever fires.

treq.request answers a Deferred of twisted.web.client.Agent on the global reactor, which only a running
reactor drives. Under a runtime that does not run Twisted's reactor (plain threads, gevent, eventlet,
asyncio, uvloop, rloop, trio), a request to a listening local server is made and waited for 1 s on that
runtime's own terms: it never answers. Run: python http_treq_without_a_reactor.py RUNTIME.
"""

import socket
import sys
import time

RUNTIMES = ("threads", "gevent", "eventlet", "asyncio", "uvloop", "rloop", "trio")
if len(sys.argv) != 2 or sys.argv[1] not in RUNTIMES:
    sys.exit(f"usage: {sys.argv[0]} {'|'.join(RUNTIMES)}")
RUNTIME = sys.argv[1]
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import treq  # noqa: E402
from twisted.internet import reactor  # noqa: E402

listener = socket.create_server(("127.0.0.1", 0))  # accepts into its backlog; never answers
port = listener.getsockname()[1]
answered: list[object] = []


def request() -> None:
    treq.get(f"http://127.0.0.1:{port}/", timeout=5).addBoth(answered.append)


def wait_here() -> None:
    """Wait 1 s on this runtime's own terms (its loop turns; the Twisted reactor does not)."""
    if RUNTIME in ("asyncio", "uvloop", "rloop"):
        import asyncio

        async def main() -> None:
            request()
            await asyncio.sleep(1.0)

        loop: asyncio.AbstractEventLoop
        if RUNTIME == "uvloop":
            import uvloop

            loop = uvloop.new_event_loop()
        elif RUNTIME == "rloop":
            import rloop

            loop = rloop.new_event_loop()
        else:
            loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()
    elif RUNTIME == "trio":
        import trio

        async def main_trio() -> None:
            request()
            await trio.sleep(1.0)

        trio.run(main_trio)
    else:
        request()
        time.sleep(1.0)


wait_here()
listener.close()
print(f"under {RUNTIME}: the reactor is {'running' if reactor.running else 'not running'}; treq's request "
      f"{'answered ' + repr(answered[0])[:100] if answered else 'never answered'} within 1 s")
if not answered and not reactor.running:
    print(f"REPRODUCED: treq's request needs a running Twisted reactor, which {RUNTIME} does not run")
    sys.exit(0)
print("NOT REPRODUCED: treq's request answered")
sys.exit(1)
