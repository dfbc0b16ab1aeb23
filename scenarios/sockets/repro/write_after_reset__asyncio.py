"""uvloop and rloop raise RuntimeError, not a ConnectionError, when a program writes to a connection the
peer has reset.

Reference: after the peer resets a TCP connection (RST), the writer's next ``sendall`` raises
``ConnectionResetError`` (then ``BrokenPipeError``): a ``ConnectionError``, which a server catches to drop
that client. asyncio's standard loop keeps the rule: ``StreamWriter.drain()`` raises
``ConnectionResetError``. Two loops raise ``RuntimeError`` instead, which such a handler does not catch:

- uvloop: the transport is closed once the reset is read, and ``write()`` on it raises
  ``RuntimeError('unable to perform operation on <TCPTransport closed=True ...>; the handler is
  closed')`` (``UVHandle._ensure_alive``, uvloop/handles/handle.pyx; MagicStack/uvloop#506);
- rloop: the failed ``send`` (EPIPE) is handed to ``connection_lost`` as
  ``RuntimeError('Broken pipe (os error 32)')`` (``TCPTransport.write``, src/tcp.rs), which ``drain()``
  raises.

Usage: python write_after_reset__asyncio.py asyncio|uvloop|rloop. ``asyncio`` prints NOT REPRODUCED.
"""

import asyncio
import importlib
import socket
import struct
import sys
import threading

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def resetting_peer(listener: socket.socket) -> None:
    """Accepts one client, waits for its GOT line, and resets the connection (SO_LINGER 0)."""
    conn, _ = listener.accept()
    conn.settimeout(5)
    conn.recv(4)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


async def main() -> BaseException | None:
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=resetting_peer, args=(listener,), daemon=True).start()
    _reader, writer = await asyncio.wait_for(asyncio.open_connection(*listener.getsockname()), 5)
    print(f"{type(asyncio.get_running_loop()).__module__}: write GOT, the peer resets, then write again")
    writer.write(b"GOT\n")  # four bytes leave at once; a drain() here could already meet the reset
    # The RST arrives within microseconds on loopback; asyncio and uvloop close the transport once they
    # have read it (rloop only learns of it on the next write): wait for that, 2 s at the most.
    for _ in range(200):
        if writer.transport.is_closing():
            break
        await asyncio.sleep(0.01)
    try:
        for _ in range(64):
            writer.write(b"y" * 16384)
            await asyncio.wait_for(writer.drain(), 5)
    except Exception as exc:
        print(f"the write raised {type(exc).__module__}.{type(exc).__qualname__}: {exc}")
        return exc
    finally:
        writer.close()
        listener.close()
    print("64 writes of 16 KiB raised nothing")
    return None


loop = new_loop()
try:
    raised = loop.run_until_complete(main())
finally:
    loop.close()
if raised is not None and not isinstance(raised, ConnectionError):
    print("REPRODUCED: a write to a reset connection raised an exception that is not a ConnectionError")
    sys.exit(0)
print("NOT REPRODUCED: the write after the reset raised a ConnectionError (or nothing)")
sys.exit(1)
