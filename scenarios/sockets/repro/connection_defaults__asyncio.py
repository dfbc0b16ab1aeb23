"""A TCP socket the program set TCP_NODELAY 0 on has TCP_NODELAY 1 once asyncio, uvloop or rloop wraps it.

Reference: the standard library changes no option of a socket; a program that made its TCP socket (as
``socket.create_connection`` does, ``proto`` IPPROTO_TCP from ``getaddrinfo``), set ``TCP_NODELAY`` 0 and
``SO_KEEPALIVE`` 1 and hands it to ``asyncio.open_connection(sock=...)`` finds ``TCP_NODELAY`` 1 on it:

- asyncio: ``_SelectorSocketTransport.__init__`` calls ``base_events._set_nodelay(sock)``, which sets
  ``TCP_NODELAY`` 1 on every AF_INET/AF_INET6 SOCK_STREAM socket whose ``proto`` is IPPROTO_TCP
  (Lib/asyncio/selector_events.py, base_events.py; "TCP_NODELAY is set by default for all TCP
  connections" since 3.6 in the docs of loop.create_connection);
- uvloop: ``TCPTransport.new`` calls ``_set_nodelay``, ``uv_tcp_nodelay(handle, 1)`` (uvloop/handles/tcp.pyx);
- rloop: ``TCPTransport::new`` calls ``stream.set_nodelay(true)`` for AF_INET/AF_INET6 (src/tcp.rs).

SO_KEEPALIVE stays 1 in all three. Usage: python connection_defaults__asyncio.py asyncio|uvloop|rloop.
"""

import asyncio
import importlib
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def options(sock: socket.socket) -> tuple[int, int]:
    return (sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
            sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))


async def main() -> tuple[int, int]:
    loop = asyncio.get_running_loop()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setblocking(False)
        await asyncio.wait_for(loop.sock_connect(sock, listener.getsockname()), 5)
        print(f"{type(loop).__module__}: before open_connection(sock=...): TCP_NODELAY, SO_KEEPALIVE = "
              f"{options(sock)}")
        _, writer = await asyncio.wait_for(asyncio.open_connection(sock=sock), 5)
        after = options(writer.get_extra_info("socket"))
        print(f"after: TCP_NODELAY, SO_KEEPALIVE = {after}")
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 5)
        return after


loop = new_loop()
try:
    nodelay, keepalive = loop.run_until_complete(main())
finally:
    loop.close()
if nodelay != 0:
    print(f"REPRODUCED: {RUNTIME} set TCP_NODELAY {nodelay} over the program's 0 (SO_KEEPALIVE {keepalive})")
    sys.exit(0)
print(f"NOT REPRODUCED: {RUNTIME} kept the program's TCP_NODELAY 0")
sys.exit(1)
