"""rloop has no TLS upgrade: loop.start_tls raises NotImplementedError.

Reference: ``loop.start_tls(transport, protocol, context)`` upgrades an established connection to TLS
(STARTTLS in SMTP, IMAP, XMPP). rloop's README lists SSL among the features it does not support
("Differences from stdlib"), and ``RLoop.start_tls`` raises NotImplementedError (rloop/loop.py). The
peer is a plain TCP connection that never answers: a loop that has start_tls starts the handshake and
times out, which tells it apart. Usage: python starttls__rloop.py rloop (``python starttls__rloop.py
asyncio`` starts the handshake: NOT REPRODUCED).
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
    listener = socket.create_server(("127.0.0.1", 0))
    host, port = listener.getsockname()
    transport, protocol = await asyncio.wait_for(
        loop.create_connection(asyncio.Protocol, host, port), 5)
    peer, _ = listener.accept()  # connected, and silent
    try:
        try:
            tls = await asyncio.wait_for(loop.start_tls(
                transport, protocol, ssl.create_default_context(), server_hostname="localhost"), 1.0)
        except NotImplementedError as exc:
            print(f"loop.start_tls raised NotImplementedError({exc!r})")
            return True
        except (asyncio.TimeoutError, OSError) as exc:
            print(f"loop.start_tls started the TLS handshake: {type(exc).__name__}")
            return False
        if tls is not None:
            tls.close()
        return False
    finally:
        transport.close()
        peer.close()
        listener.close()


loop = new_loop()
try:
    missing = loop.run_until_complete(main())
finally:
    loop.close()
if missing:
    print("REPRODUCED: the loop cannot upgrade a connection to TLS")
    sys.exit(0)
print("NOT REPRODUCED: the loop upgrades connections to TLS")
sys.exit(1)
