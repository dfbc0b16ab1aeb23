"""uvloop refuses, and rloop aborts the process on, a datagram sent to a host name.

Reference: a UDP socket's ``sendto(data, ("localhost", port))`` resolves the name and sends the datagram,
and asyncio's datagram transport does the same (``transport.sendto`` hands the address to the socket).
Two loops do not:

- uvloop: ``UDPTransport.sendto`` converts the address without resolving it and raises
  ``ValueError("('localhost', PORT): socket family mismatch or a DNS lookup is required")``
  (uvloop/handles/udp.pyx);
- rloop: ``UDPTransport.sendto`` parses the host with ``IpAddr::from_str(...).unwrap()``, which panics on
  a name: the Rust panic aborts the whole process (SIGABRT) (src/udp.rs).

Usage: python udp_sendto_name__asyncio.py asyncio|uvloop|rloop. The send runs in a child process, so
that an abort can be seen and reported. ``asyncio`` prints NOT REPRODUCED.
"""

import asyncio
import importlib
import signal
import socket
import subprocess
import sys


def child(runtime: str) -> None:
    if runtime == "asyncio":
        loop = asyncio.new_event_loop()
    else:
        loop = importlib.import_module(runtime).new_event_loop()

    async def main() -> None:
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a plain blocking socket receives
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(2)
        transport, _ = await asyncio.wait_for(asyncio.get_running_loop().create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)), 5)
        try:
            transport.sendto(b"hello", ("localhost", peer.getsockname()[1]))
            data, _ = peer.recvfrom(100)
            print(f"the datagram arrived: {data!r}", flush=True)
        except Exception as exc:
            print(f"sendto raised {type(exc).__module__}.{type(exc).__qualname__}: {exc}", flush=True)
        finally:
            transport.close()
            peer.close()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


if len(sys.argv) > 2 and sys.argv[1] == "--child":
    child(sys.argv[2])
    sys.exit(0)

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
print(f"{RUNTIME}: transport.sendto(b'hello', ('localhost', port)) on a datagram endpoint, in a child")
done = subprocess.run([sys.executable, __file__, "--child", RUNTIME], capture_output=True, text=True,
                      timeout=30, check=False)
print(done.stdout.strip())
if done.returncode < 0:
    print(f"the child died of {signal.Signals(-done.returncode).name}; its stderr began: "
          f"{done.stderr.strip().splitlines()[:2]}")
    print("REPRODUCED: sending a datagram to a host name killed the process")
    sys.exit(0)
if "sendto raised" in done.stdout:
    print("REPRODUCED: sending a datagram to a host name raised instead of sending it")
    sys.exit(0)
print("NOT REPRODUCED: the datagram sent to the host name arrived")
sys.exit(1)
