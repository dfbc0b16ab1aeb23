"""Shared by the dns scenarios' ``run_twisted`` bodies: a name resolved the way Twisted resolves one,
as getaddrinfo tuples, and a failed lookup as a Twisted program sees it.

The resolution itself is ``reactor.nameResolver.resolveHostName`` (``IHostnameResolver``, what
``HostnameEndpoint`` uses): ``conformance.support.twisted_resolver.resolve_host_name``, which the bench
workloads use too. It reports no error: a ``socket.gaierror`` becomes a resolution with no addresses.
Where a lookup fails, what a Twisted program sees is the exception of ``HostnameEndpoint.connect``
(which resolves through the same resolver): ``connect_to``.
"""

from __future__ import annotations

import socket
from typing import Any


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
                      family: socket.AddressFamily = socket.AF_UNSPEC, **extra: Any) -> list[tuple[Any, ...]]:
    """``resolve_host_name`` (``reactor.nameResolver.resolveHostName``), as getaddrinfo tuples; raises
    TimeoutError if it does not complete within ``timeout_s``."""
    from conformance.support.twisted_resolver import resolve_host_name

    return as_getaddrinfo(await resolve_host_name(name, port, timeout_s, family, **extra))


async def connect_to(name: str, port: int, timeout_s: float) -> None:
    """Connect to ``name`` the way a Twisted program does, with ``HostnameEndpoint(reactor, name,
    port).connect``, and close the connection at once: what it raises where the name cannot be resolved
    (``twisted.internet.error.DNSLookupError``) is Twisted's form of a failed lookup. Raises TimeoutError
    if it neither connects nor fails within ``timeout_s``."""
    from twisted.internet import defer, endpoints, protocol, reactor

    endpoint = endpoints.HostnameEndpoint(reactor, name, port)
    # A Factory provides IProtocolFactory through zope.interface, which mypy reads only with mypy-zope.
    attempt = endpoint.connect(protocol.Factory.forProtocol(protocol.Protocol))  # type: ignore[arg-type]
    try:
        connected = await attempt.addTimeout(timeout_s, reactor)
    except defer.TimeoutError:
        raise TimeoutError(f"HostnameEndpoint({name[:40]!r}, {port}).connect() neither connected nor "
                           f"failed within {timeout_s:g} s") from None
    connected.transport.loseConnection()
