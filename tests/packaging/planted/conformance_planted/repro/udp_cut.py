"""Reproducer of conformance-planted's recorded deviation: a datagram of 8 KiB reaches a datagram
endpoint's protocol cut to 4 KiB. As every reproducer: the last line says REPRODUCED (exit status 0) or
NOT REPRODUCED (1), and every wait is bounded."""

from __future__ import annotations

import asyncio
import socket
import sys


async def main() -> int:
    loop = asyncio.get_running_loop()
    got: asyncio.Future[bytes] = loop.create_future()

    class Receiver(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            if not got.done():
                got.set_result(data)

    transport, _ = await loop.create_datagram_endpoint(Receiver, local_addr=("127.0.0.1", 0))
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"x" * 8192, transport.get_extra_info("sockname"))
            data = await asyncio.wait_for(got, 5)
    finally:
        transport.close()
    if len(data) < 8192:
        print(f"REPRODUCED: sent 8192 bytes, the protocol received {len(data)}")
        return 0
    print("NOT REPRODUCED: the protocol received the whole 8192 bytes")
    return 1


if __name__ == "__main__":
    from conformance_planted.loop import new_event_loop

    print(f"runtime: {sys.argv[1] if len(sys.argv) > 1 else 'planted'}")
    loop = new_event_loop()
    try:
        sys.exit(loop.run_until_complete(main()))
    finally:
        loop.close()
