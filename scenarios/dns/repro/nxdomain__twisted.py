"""Twisted loses getaddrinfo's error code: a failed lookup is a bare DNSLookupError (nxdomain: EAI_NONAME).

Reference: blocking ``socket.getaddrinfo`` of a name whose DNS answer is NXDOMAIN (no such name) raises
``socket.gaierror`` with ``EAI_NONAME``; code tells a missing name (give up) from a failing resolver
(retry) by that code. Twisted's default resolver, ``GAIResolver``, runs ``getaddrinfo`` in the
reactor's thread pool but catches ``socket.gaierror`` and reports a resolution with no addresses
(twisted/internet/_resolver.py): ``IResolutionReceiver`` has no way to carry an error, so
``HostnameEndpoint.connect`` fails with a ``DNSLookupError`` that carries no code and was not raised
from the gaierror. The script gives the reactor a ``GAIResolver`` whose ``getaddrinfo`` (the parameter
Twisted offers for it) raises the gaierror glibc raises here, so that no query leaves the machine, and
connects to the name. Usage: python nxdomain__twisted.py twisted|twisted-asyncio.
"""

import asyncio
import socket
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio"):
    # No run under the reference: the reference is the gaierror with its code, which this script's getaddrinfo
    # raises as glibc does; what is shown is what Twisted makes of it.
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio")
    sys.exit(2)
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import defer, endpoints, protocol  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor as installed  # noqa: E402
from twisted.internet._resolver import GAIResolver  # noqa: E402

reactor: Any = installed  # the reactor (typed as a module; its methods are zope.interface's)
CODE = socket.EAI_NONAME
outcome: list[BaseException] = []


def getaddrinfo(host: bytes | str | None, port: bytes | str | int | None, family: int = 0, type: int = 0,
                proto: int = 0, flags: int = 0) -> list[Any]:
    """glibc's answer for this name, without asking any DNS server."""
    raise socket.gaierror(CODE, "Name or service not known")


def code_of(error: BaseException | None) -> int | None:
    """The errno of the first OSError among the exception and those it was raised from."""
    while error is not None:
        if isinstance(error, OSError) and isinstance(error.errno, int):
            return error.errno
        error = error.__cause__ or error.__context__
    return None


async def main() -> None:
    endpoint = endpoints.HostnameEndpoint(reactor, "nxdomain.example", 80)
    try:
        factory: Any = protocol.Factory.forProtocol(protocol.Protocol)  # an IProtocolFactory (zope)
        await endpoint.connect(factory).addTimeout(5, reactor)
    except Exception as exc:
        outcome.append(exc)


reactor.installNameResolver(GAIResolver(reactor, getaddrinfo=getaddrinfo))
reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main()).addBoth(lambda _: reactor.stop()))
reactor.callLater(10, reactor.stop)  # a bound on the whole run
reactor.run()
error = outcome[0] if outcome else None
print(f"{RUNTIME}: getaddrinfo raised gaierror {CODE}; HostnameEndpoint.connect failed with "
      f"{type(error).__name__}: {error} (code it carries: {code_of(error)})")
if error is not None and code_of(error) is None:
    print("REPRODUCED: the lookup failed without getaddrinfo's code")
    sys.exit(0)
print("NOT REPRODUCED: the failure carries the code")
sys.exit(1)
