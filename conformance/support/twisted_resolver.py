"""A name resolved the way Twisted resolves one, for the ``run_twisted`` bodies that look names up.

``reactor.nameResolver.resolveHostName`` (``IHostnameResolver``, what ``HostnameEndpoint`` uses) is
Twisted's "resolve a name like getaddrinfo": by default a ``GAIResolver`` that calls ``getaddrinfo`` in
the reactor's thread pool and hands each result to an ``IResolutionReceiver`` as an ``IPv4Address`` or
``IPv6Address``, then calls ``resolutionComplete``. It takes ``addressTypes`` (the family) and
``transportSemantics`` ("TCP": SOCK_STREAM), but no flags, and reports no error: a ``socket.gaierror``
becomes a resolution with no addresses.
https://github.com/twisted/twisted/blob/twisted-26.10.0/src/twisted/internet/interfaces.py#L174-L211

Twisted is imported at the top: a body imports this module inside itself, once the runtime has
installed its reactor. The reactor itself is looked up where it is used, so that importing the module
never installs the default reactor.
"""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import implementer

__all__ = ["resolve_host_name"]


@implementer(IResolutionReceiver)
class _Receiver:
    """Collects the addresses of one resolution; ``done`` fires with them at ``resolutionComplete``."""

    def __init__(self) -> None:
        self.found: list[Any] = []
        self.done: defer.Deferred[list[Any]] = defer.Deferred()

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.found.append(address)

    def resolutionComplete(self) -> None:
        self.done.callback(self.found)


async def resolve_host_name(name: str, port: int, timeout_s: float,
                            family: socket.AddressFamily = socket.AF_UNSPEC, **extra: Any) -> list[Any]:
    """The addresses ``reactor.nameResolver.resolveHostName`` reports for ``name`` (TCP), as a list of
    IAddress; raises TimeoutError if it does not complete within ``timeout_s``. ``family``: AF_INET or
    AF_INET6 for one address type, AF_UNSPEC for both. ``extra``: more keyword arguments, for a resolver
    that takes them (a probe found them first)."""
    from twisted.internet import reactor

    address_types = {socket.AF_UNSPEC: None, socket.AF_INET: [IPv4Address],
                     socket.AF_INET6: [IPv6Address]}[family]
    receiver = _Receiver()
    reactor.nameResolver.resolveHostName(receiver, name, portNumber=port,
                                         addressTypes=address_types, transportSemantics="TCP", **extra)
    receiver.done.addTimeout(timeout_s, reactor)
    try:
        return await receiver.done
    except defer.TimeoutError:
        raise TimeoutError(
            f"reactor.nameResolver.resolveHostName({name!r}, {port}) did not call resolutionComplete "
            f"within {timeout_s:g} s") from None
