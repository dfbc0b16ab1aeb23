"""Twisted: a TCP transport (ITCPTransport) has no receive call: received data is pushed to
``Protocol.dataReceived``, so a program cannot receive from a connection the reactor owns and get
``BlockingIOError`` when nothing is pending.

ITCPTransport (src/twisted/internet/interfaces.py) offers writes, half-close, keep-alive, no-delay and
``getHandle()`` ("use and manipulate at your own risk"), and no ``recv``; IProtocol.dataReceived is
"called whenever data is received". The reactor keeps the socket non-blocking (printed). Usage: python
nonblocking_recv__twisted.py twisted|twisted-asyncio.
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
    found["receive calls"] = [name for name in ("recv", "recv_into", "read") if hasattr(transport, name)]
    found["type"] = type(transport).__name__
    found["handle timeout"] = transport.getHandle().gettimeout()
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
if found.get("receive calls") == [] and "error" not in found:
    print(f"REPRODUCED: Twisted's {found['type']} has no recv (data goes to Protocol.dataReceived); its "
          f"socket's timeout is {found['handle timeout']!r}")
    sys.exit(0)
print("NOT REPRODUCED: the transport has a receive call (or the connection failed)")
sys.exit(1)
