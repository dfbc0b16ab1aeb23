"""The planted loop: the standard library's selector loop, except that a datagram endpoint's protocol
receives at most LIMIT bytes of each datagram. Everything else is asyncio's own, so a run against
asyncio differs in the UDP scenarios that send larger datagrams, and nowhere else."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance_planted import __version__

__all__ = ["LIMIT", "PlantedLoop", "__version__", "new_event_loop"]

LIMIT = 4096


class PlantedLoop(asyncio.SelectorEventLoop):
    async def create_datagram_endpoint(self, protocol_factory: Any, *args: Any, **kwargs: Any) -> Any:
        def cutting() -> Any:
            protocol = protocol_factory()
            received = protocol.datagram_received
            protocol.datagram_received = lambda data, addr: received(data[:LIMIT], addr)
            return protocol

        return await super().create_datagram_endpoint(cutting, *args, **kwargs)


def new_event_loop() -> PlantedLoop:
    return PlantedLoop()
