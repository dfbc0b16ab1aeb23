"""Twisted: a TCP transport (ITCPTransport) has no blocking mode: a program cannot put a connection the
reactor owns in blocking mode before handing it to other code.

ITCPTransport (src/twisted/internet/interfaces.py) offers writes "in a non-blocking fashion", half-close,
keep-alive and no-delay, and ``getHandle()`` (ISystemHandle: "use and manipulate at your own risk"), but
no ``setblocking``: the reactor keeps every connection's socket non-blocking. Usage: python
blocking_flag__twisted.py twisted|twisted-asyncio.
"""

import socket
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    import asyncio

    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import endpoints, protocol  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402

reactor: Any = installed
listener = socket.create_server(("127.0.0.1", 0))
found: dict[str, Any] = {}


def connected(proto: Any) -> None:
    transport = proto.transport
    found["setblocking"] = hasattr(transport, "setblocking")
    found["type"] = type(transport).__name__
    found["handle_blocking"] = transport.getHandle().getblocking()
    transport.loseConnection()
    reactor.stop()


def failed(reason: Any) -> None:
    found["error"] = str(reason)
    reactor.stop()


endpoint = endpoints.TCP4ClientEndpoint(reactor, *listener.getsockname())
done = endpoints.connectProtocol(endpoint, protocol.Protocol())
done.addCallbacks(connected, failed)
reactor.callLater(5, reactor.stop)
reactor.run()
listener.close()
print(f"{RUNTIME}: {found}")
if found.get("setblocking") is False and found.get("handle_blocking") is False:
    print(f"REPRODUCED: Twisted's {found['type']} has no setblocking; its socket is non-blocking")
    sys.exit(0)
print("NOT REPRODUCED: the transport has a setblocking (or the connection failed)")
sys.exit(1)
