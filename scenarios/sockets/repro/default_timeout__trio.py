"""trio ignores socket.setdefaulttimeout: a receive on a silent peer waits on.

trio documents that ``trio.socket`` has no ``getdefaulttimeout`` / ``setdefaulttimeout`` ("instead, use
Trio's standard support for cancellation": docs/source/reference-io.rst). ``trio.open_tcp_stream``'s
sockets are non-blocking trio sockets, so the standard library's default does not reach them. Usage:
python default_timeout__trio.py trio.
"""

import socket
import sys
import time

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"


async def main() -> tuple[bool, float]:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        socket.setdefaulttimeout(0.3)
        try:
            with trio.fail_after(5):
                stream = await trio.open_tcp_stream(*silent.getsockname())
            async with stream:
                started = time.perf_counter()
                with trio.move_on_after(2) as scope:
                    try:
                        await stream.receive_some(100)
                    except OSError:
                        pass
                return scope.cancelled_caught, time.perf_counter() - started
        finally:
            socket.setdefaulttimeout(None)


waited, elapsed = trio.run(main)
print(f"{RUNTIME} {trio.__version__}: with setdefaulttimeout(0.3) the receive "
      f"{'was still waiting' if waited else 'ended'} after {elapsed * 1000:.0f} ms; trio.socket has "
      f"setdefaulttimeout: {hasattr(trio.socket, 'setdefaulttimeout')}")
if waited:
    print("REPRODUCED: the default timeout does not bound a receive on a trio stream")
    sys.exit(0)
print("NOT REPRODUCED: the receive ended within 2 s")
sys.exit(1)
