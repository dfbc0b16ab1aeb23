"""Twisted: an invalid host name never completes a resolution, and HostnameEndpoint hides the error.

Reference: ``socket.getaddrinfo("<a 64-character label>.example", 80)`` encodes the host with Python's
``idna`` codec first, which raises ``UnicodeError`` ("label empty or too long") at once, without any
query. Twisted's ``GAIResolver.resolveHostName`` runs ``getaddrinfo`` in a thread but catches only
``socket.gaierror`` (twisted/internet/_resolver.py): the ``UnicodeError`` escapes its coroutine
("Unhandled error in Deferred"), ``resolutionComplete`` is never called and the resolution hangs;
``HostnameEndpoint`` checks the name itself and fails ``connect`` at once with a bare
``ValueError("invalid hostname: ...")`` that was not raised from the ``UnicodeError``
(twisted/internet/endpoints.py). No DNS server is involved: the codec refuses the name first. Usage:
python invalid_names__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import socket
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: every run prints the reference beside Twisted's answer (socket.getaddrinfo's
    # UnicodeError for the same name).
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import defer, endpoints, protocol  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402
from twisted.internet.interfaces import IResolutionReceiver  # noqa: E402
from zope.interface import implementer  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
NAME = "x" * 64 + ".example"
seen: dict[str, Any] = {}


@implementer(IResolutionReceiver)
class Receiver:
    def __init__(self) -> None:
        self.complete: defer.Deferred[None] = defer.Deferred()

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        pass

    def resolutionComplete(self) -> None:
        self.complete.callback(None)


async def main() -> None:
    receiver = Receiver()
    reactor.nameResolver.resolveHostName(receiver, NAME, 80)
    try:
        await receiver.complete.addTimeout(2, reactor)
        seen["resolution"] = "completed"
    except defer.TimeoutError:
        seen["resolution"] = "not completed within 2 s"
    endpoint = endpoints.HostnameEndpoint(reactor, NAME, 80)
    try:
        factory: Any = protocol.Factory.forProtocol(protocol.Protocol)  # an IProtocolFactory (zope)
        await endpoint.connect(factory).addTimeout(2, reactor)
    except Exception as exc:
        seen["connect"] = exc


try:
    socket.getaddrinfo(NAME, 80)
    reference = "addresses"
except Exception as exc:
    reference = f"{type(exc).__name__}: {exc}"
reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main()).addBoth(lambda _: reactor.stop()))
reactor.callLater(10, reactor.stop)  # a bound on the whole run
reactor.run()
error = seen.get("connect")
chained = error is not None and isinstance(error.__cause__ or error.__context__, UnicodeError)
print(f"socket.getaddrinfo raises {reference}; {RUNTIME}: resolveHostName {seen.get('resolution')}, "
      f"HostnameEndpoint.connect failed with {type(error).__name__}: {error} "
      f"({'raised from' if chained else 'not raised from'} the UnicodeError)")
if seen.get("resolution") != "completed" and not isinstance(error, UnicodeError) and not chained:
    print("REPRODUCED: the resolution hangs, and the endpoint's error is not the standard library's")
    sys.exit(0)
print("NOT REPRODUCED: the invalid name fails with the standard library's error")
sys.exit(1)
