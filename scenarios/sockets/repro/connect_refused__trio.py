"""trio reports a refused connection as a plain OSError: ``except ConnectionRefusedError`` never matches.

Reference: ``socket.create_connection`` (and asyncio's ``open_connection``) to a port where nothing
listens raises ``ConnectionRefusedError``. ``trio.open_tcp_stream`` raises ``OSError('all attempts to
connect to HOST:PORT failed')``, errno None, from an ``ExceptionGroup`` holding the
``ConnectionRefusedError``, even for a single address (src/trio/_highlevel_open_tcp_stream.py): the
refusal is two levels down, and trio documents only "OSError: if the connection fails". trio's
low-level ``trio.socket`` connect raises ``ConnectionRefusedError`` itself, which the script shows for
comparison. Usage: python connect_refused__trio.py trio
"""

import socket
import sys

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"  # the one runtime this script is about
with socket.socket() as probe:  # a free port, closed again: nothing listens on it
    probe.bind(("127.0.0.1", 0))
    PORT = probe.getsockname()[1]


async def main() -> BaseException | None:
    with trio.socket.socket() as sock:
        try:
            with trio.fail_after(5):
                await sock.connect(("127.0.0.1", PORT))
        except OSError as exc:
            print(f"trio.socket connect: {type(exc).__name__}: {exc}")
    try:
        with trio.fail_after(5):
            stream = await trio.open_tcp_stream("127.0.0.1", PORT)
    except ConnectionRefusedError as exc:
        print(f"trio.open_tcp_stream: ConnectionRefusedError: {exc}")
        return None
    except OSError as exc:
        print(f"trio.open_tcp_stream: {type(exc).__name__} (errno {exc.errno}): {exc}")
        print(f"  its __cause__: {exc.__cause__!r}")
        return exc
    await stream.aclose()
    print("trio.open_tcp_stream connected")
    return None


print(f"{RUNTIME}: trio {trio.__version__}: connecting to 127.0.0.1:{PORT}, where nothing listens")
raised = trio.run(main)
if raised is not None and not isinstance(raised.__cause__, ConnectionRefusedError):
    print("REPRODUCED: neither the exception nor its direct __cause__ is a ConnectionRefusedError")
    sys.exit(0)
print("NOT REPRODUCED: the refusal is a ConnectionRefusedError (or its direct __cause__)")
sys.exit(1)
