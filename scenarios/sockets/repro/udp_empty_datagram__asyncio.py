"""asyncio before 3.13, uvloop and rloop drop an empty datagram: their transports send nothing.

Reference: a datagram socket's ``sendto(b"", addr)`` sends an empty UDP datagram, and the peer's
``recvfrom`` returns ``(b"", sender)``. Three loops return early from ``DatagramTransport.sendto`` when
``data`` is empty, so nothing is sent:

- asyncio before 3.13: ``_SelectorDatagramTransport.sendto`` (Lib/asyncio/selector_events.py,
  python/cpython#113812, fixed in 3.13);
- uvloop: ``UDPTransport.sendto`` (uvloop/handles/udp.pyx, "replicating asyncio logic",
  MagicStack/uvloop#594);
- rloop: ``UDPTransport.sendto`` returns ``Ok(())`` when ``data.is_empty()`` (src/udp.rs).

Usage: python udp_empty_datagram__asyncio.py asyncio|uvloop|rloop. ``asyncio`` on Python 3.13+ (whose
transport sends it) prints NOT REPRODUCED.
"""

import asyncio
import importlib
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> bool:
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a plain blocking socket: the reference
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(0.5)
    loop = asyncio.get_running_loop()
    transport, _ = await asyncio.wait_for(loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)), 5)
    try:
        print(f"{type(loop).__module__}.{type(loop).__qualname__}: transport.sendto(b'', peer)")
        transport.sendto(b"", peer.getsockname())
        try:
            data, sender = peer.recvfrom(65536)
        except TimeoutError:
            print("the peer received nothing within 0.5 s")
            return True
        print(f"the peer received {data!r} from {sender}")
        return False
    finally:
        transport.close()
        peer.close()


loop = new_loop()
try:
    dropped = loop.run_until_complete(main())
finally:
    loop.close()
if dropped:
    print("REPRODUCED: sendto(b'') on the datagram transport sent nothing")
    sys.exit(0)
print("NOT REPRODUCED: the empty datagram was sent")
sys.exit(1)
