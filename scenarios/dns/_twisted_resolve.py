"""Shared by the dns scenarios' ``run_twisted`` bodies: a name resolved the way Twisted resolves one.

``reactor.nameResolver.resolveHostName`` (``IHostnameResolver``, what ``HostnameEndpoint`` uses) is
Twisted's "resolve a name like getaddrinfo": by default a ``GAIResolver`` that calls ``getaddrinfo`` in
the reactor's thread pool and hands each result to an ``IResolutionReceiver`` as an ``IPv4Address`` or
``IPv6Address``, then calls ``resolutionComplete``. It takes ``addressTypes`` (the family) and
``transportSemantics`` ("TCP": SOCK_STREAM), but no flags, and reports no error: a ``socket.gaierror``
becomes a resolution with no addresses.
https://docs.twisted.org/en/stable/api/twisted.internet.interfaces.IHostnameResolver.html
"""

from __future__ import annotations

import socket
from typing import Any


async def resolve_host_name(name: str, port: int, timeout_s: float,
                            family: socket.AddressFamily = socket.AF_UNSPEC) -> list[Any]:
    """The addresses ``reactor.nameResolver.resolveHostName`` reports for ``name`` (TCP), as a list
    of IAddress; raises TimeoutError if it does not complete within ``timeout_s``."""
    from twisted.internet import defer, reactor
    from twisted.internet.address import IPv4Address, IPv6Address
    from twisted.internet.interfaces import IResolutionReceiver
    from zope.interface import implementer

    address_types = {socket.AF_UNSPEC: None, socket.AF_INET: [IPv4Address],
                     socket.AF_INET6: [IPv6Address]}[family]
    done: defer.Deferred[list[Any]] = defer.Deferred()
    found: list[Any] = []

    @implementer(IResolutionReceiver)
    class Receiver:
        def resolutionBegan(self, resolution: Any) -> None:
            pass

        def addressResolved(self, address: Any) -> None:
            found.append(address)

        def resolutionComplete(self) -> None:
            done.callback(found)

    reactor.nameResolver.resolveHostName(Receiver(), name, portNumber=port,
                                         addressTypes=address_types, transportSemantics="TCP")
    done.addTimeout(timeout_s, reactor)
    try:
        return await done
    except defer.TimeoutError:
        raise TimeoutError(
            f"reactor.nameResolver.resolveHostName({name!r}, {port}) did not call resolutionComplete "
            f"within {timeout_s:g} s") from None


def as_getaddrinfo(addresses: list[Any]) -> list[tuple[Any, ...]]:
    """IAddresses as getaddrinfo(..., type=SOCK_STREAM) tuples. An IPv4Address or IPv6Address carries
    the family (its class), the transport ("TCP": SOCK_STREAM over IPPROTO_TCP), the host and port, and
    for IPv6 the flow info and scope id: all getaddrinfo gives without AI_CANONNAME (canonname '')."""
    from twisted.internet.address import IPv4Address, IPv6Address

    kinds = {"TCP": (socket.SOCK_STREAM, socket.IPPROTO_TCP), "UDP": (socket.SOCK_DGRAM, socket.IPPROTO_UDP)}
    tuples: list[tuple[Any, ...]] = []
    for address in addresses:
        kind, proto = kinds[address.type]
        if isinstance(address, IPv6Address):
            tuples.append((socket.AF_INET6, kind, proto, "",
                           (address.host, address.port, address.flowInfo, address.scopeID)))
        elif isinstance(address, IPv4Address):
            tuples.append((socket.AF_INET, kind, proto, "", (address.host, address.port)))
        else:
            tuples.append((None, kind, proto, "", repr(address)))
    return tuples


async def getaddrinfo(name: str, port: int, timeout_s: float,
                      family: socket.AddressFamily = socket.AF_UNSPEC) -> list[tuple[Any, ...]]:
    """resolve_host_name, as getaddrinfo tuples."""
    return as_getaddrinfo(await resolve_host_name(name, port, timeout_s, family))


def no_error_code(name: str, errno: int) -> str:
    """Why a check of the gaierror's code cannot pass under Twisted."""
    codes = {getattr(socket, code): code for code in dir(socket) if code.startswith("EAI_")}
    return (f"reactor.nameResolver.resolveHostName({name!r}) completed with no addresses and no "
            f"error: Twisted's GAIResolver catches the socket.gaierror and reports an empty "
            f"resolution, so the code ({codes.get(errno, errno)} expected) is lost and a missing name "
            f"cannot be told from a failing resolver")
