"""rloop calls a custom exception handler as handler(context), not handler(loop, context).

Reference: asyncio documents ``loop.set_exception_handler(handler)`` with ``handler(loop, context)``;
an exception raised by a callback of ``loop.add_signal_handler`` reaches it as
``context["exception"]``. rloop calls the handler with the context alone (rloop/exc.py,
``_exception_handler``: ``handler(context)``), so a handler written as documented raises TypeError and
rloop falls back to logging "Unhandled error in exception handler": the program's handler never sees
the exception. The script installs a SIGUSR1 callback that raises, sends itself SIGUSR1 and waits (at
most 2 s) for the exception handler. POSIX only. Usage: python handler_raises__rloop.py rloop
(``asyncio``: the handler gets the exception, NOT REPRODUCED).
"""

import asyncio
import importlib
import logging
import os
import signal
import sys
from typing import Any

assert sys.platform != "win32", "POSIX signals: Windows has no SIGUSR1"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"
logging.basicConfig(level=logging.CRITICAL)  # rloop's fallback logs the TypeError: not the point here
received: list[BaseException] = []


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:  # as documented
    received.append(context["exception"])


def on_sigusr1() -> None:
    raise RuntimeError("raised by the SIGUSR1 callback")


async def main() -> None:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(handler)
    loop.add_signal_handler(signal.SIGUSR1, on_sigusr1)
    os.kill(os.getpid(), signal.SIGUSR1)
    for _ in range(200):
        if received:
            break
        await asyncio.sleep(0.01)


loop = new_loop()
try:
    loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): the exception handler set with "
      f"set_exception_handler received {received!r}")
if not received:
    print("REPRODUCED: the handler, written as asyncio documents it, never got the callback's exception")
    sys.exit(0)
print("NOT REPRODUCED: the handler got the exception")
sys.exit(1)
