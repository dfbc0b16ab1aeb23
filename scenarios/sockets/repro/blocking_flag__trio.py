"""trio: a trio socket has no ``setblocking`` (nor ``settimeout``): a program cannot put a trio connection
in blocking mode before handing it to other code.

trio documents it (docs/source/reference-io.rst, "Socket objects": ``setblocking``, ``settimeout``,
``makefile`` and ``sendall`` are not supported; trio sockets always act like blocking sockets to trio
code, and are non-blocking underneath). Usage: python blocking_flag__trio.py trio.
"""

import sys

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"


async def main() -> list[str]:
    with trio.socket.socket() as sock:
        return [name for name in ("setblocking", "settimeout", "makefile", "sendall")
                if not hasattr(sock, name)]


missing = trio.run(main)
print(f"{RUNTIME} {trio.__version__}: a trio.socket.socket() lacks {missing}")
if "setblocking" in missing:
    print("REPRODUCED: trio.socket.SocketType has no setblocking")
    sys.exit(0)
print("NOT REPRODUCED: trio sockets have setblocking")
sys.exit(1)
