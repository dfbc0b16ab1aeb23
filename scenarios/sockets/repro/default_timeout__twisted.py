"""Twisted ignores socket.setdefaulttimeout: a read on a silent peer waits on.

Twisted's TCP client makes its socket non-blocking (``BaseClient.createInternetSocket`` in
src/twisted/internet/tcp.py: ``s.setblocking(0)``), which drops the standard library's default
timeout; a Twisted program bounds a wait with ``Deferred.addTimeout``. Usage: python
default_timeout__twisted.py twisted|twisted-asyncio.
"""

import socket
import sys
import time
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
silent = socket.create_server(("127.0.0.1", 0))
seen: dict[str, Any] = {}


class Reader(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        seen["data"] = data

    def connectionLost(self, reason: Any = None) -> None:
        seen["lost"] = str(reason.value) if reason is not None else "lost"


def connected(proto: Any) -> None:
    seen["started"] = time.perf_counter()
    seen["socket_timeout"] = proto.transport.getHandle().gettimeout()

    def check() -> None:
        seen["elapsed"] = time.perf_counter() - seen["started"]
        seen["still_waiting"] = "data" not in seen and "lost" not in seen
        proto.transport.loseConnection()
        reactor.stop()

    reactor.callLater(2, check)


def failed(reason: Any) -> None:
    seen["error"] = str(reason)
    reactor.stop()


socket.setdefaulttimeout(0.3)
try:
    endpoint = endpoints.TCP4ClientEndpoint(reactor, *silent.getsockname())
    endpoints.connectProtocol(endpoint, Reader()).addCallbacks(connected, failed)
    reactor.callLater(10, reactor.stop)
    reactor.run()
finally:
    socket.setdefaulttimeout(None)
    silent.close()
print(f"{RUNTIME}: {seen}")
if seen.get("still_waiting"):
    print("REPRODUCED: with setdefaulttimeout(0.3) the connection was still waiting for data after 2 s "
          f"(its socket's timeout: {seen['socket_timeout']})")
    sys.exit(0)
print("NOT REPRODUCED: the connection ended or failed within 2 s")
sys.exit(1)
