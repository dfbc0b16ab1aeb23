"""asyncio, uvloop and rloop ignore socket.setdefaulttimeout: a stream's read on a silent peer waits on.

Reference: after ``socket.setdefaulttimeout(0.3)`` a blocking socket's ``recv`` on a silent peer raises
``TimeoutError`` after 0.3 s. ``asyncio.open_connection`` makes its socket in the loop: asyncio's
``_connect_sock`` (Lib/asyncio/base_events.py) and rloop's (rloop/loop.py) switch it to non-blocking
with ``setblocking(False)`` right after making it, which drops the default timeout; uvloop's
``create_connection`` (uvloop/loop.pyx) lets libuv make the socket, outside Python's socket module.
The read then waits until the program's own bound (``asyncio.timeout`` / ``wait_for``). Usage: python
default_timeout__asyncio.py asyncio|uvloop|rloop.
"""

import asyncio
import importlib
import socket
import sys
import time

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> tuple[str, float]:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        socket.setdefaulttimeout(0.3)
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*silent.getsockname()), 5)
        finally:
            socket.setdefaulttimeout(None)
        started = time.perf_counter()
        read = asyncio.ensure_future(reader.read(100))
        done, _ = await asyncio.wait({read}, timeout=2)
        elapsed = time.perf_counter() - started
        if not done:
            read.cancel()
            what = "still waiting"
        else:
            exc = read.exception()
            what = f"raised {type(exc).__name__}" if exc else f"returned {read.result()!r}"
        writer.close()
        return what, elapsed


loop = new_loop()
try:
    what, elapsed = loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME}: with setdefaulttimeout(0.3), the stream's read {what} after {elapsed * 1000:.0f} ms")
if what == "still waiting":
    print("REPRODUCED: the default timeout does not bound a read on the loop's connection")
    sys.exit(0)
print("NOT REPRODUCED: the read ended within 2 s")
sys.exit(1)
