"""rloop has no TLS: loop.create_connection(ssl=...) raises NotImplementedError.

Reference: ``asyncio.open_connection(host, port, ssl=context)`` connects and runs the TLS handshake.
rloop's README lists SSL among the features it does not support ("Differences from stdlib"), and
``RLoop.create_connection`` raises NotImplementedError as soon as ``ssl`` is given (rloop/loop.py), before
it connects. The peer here is a plain TCP listener that never answers: a loop that has TLS starts the
handshake and times out, which tells it apart. Usage: python tls_echo__rloop.py rloop
(``python tls_echo__rloop.py asyncio`` starts the handshake: NOT REPRODUCED).
"""

import asyncio
import importlib
import socket
import ssl
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> bool:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    listener = socket.create_server(("127.0.0.1", 0))  # never accepts, never answers
    host, port = listener.getsockname()
    try:
        try:
            await asyncio.wait_for(asyncio.open_connection(
                host, port, ssl=ssl.create_default_context(), server_hostname="localhost"), 1.0)
        except NotImplementedError as exc:
            print(f"open_connection(ssl=context) raised NotImplementedError({exc!r})")
            return True
        except (asyncio.TimeoutError, OSError) as exc:
            print(f"open_connection(ssl=context) started the TLS handshake: {type(exc).__name__}")
            return False
        return False
    finally:
        listener.close()


loop = new_loop()
try:
    missing = loop.run_until_complete(main())
finally:
    loop.close()
if missing:
    print("REPRODUCED: the loop has no TLS connections")
    sys.exit(0)
print("NOT REPRODUCED: the loop has TLS connections")
sys.exit(1)
