"""uvloop and rloop: loop.add_signal_handler from a worker thread raises ValueError, not RuntimeError.

Reference: asyncio's ``loop.add_signal_handler`` called from another thread than the main one raises
``RuntimeError``: the loop calls ``signal.set_wakeup_fd`` first, which refuses a non-main thread, and
turns the ``ValueError`` into the ``RuntimeError`` its documentation gives for "a problem setting up
the handler" (asyncio/unix_events.py). uvloop's ``Loop.add_signal_handler`` raises
``ValueError('add_signal_handler() can only be called from the main thread')`` (uvloop/loop.pyx), and
rloop's ``ValueError('Signals can only be handled from the main thread')`` (rloop/loop.py), so code
that catches RuntimeError, as the documentation says, misses it. POSIX only. Usage: python
handler_from_thread__asyncio.py uvloop|rloop (``asyncio``: RuntimeError, NOT REPRODUCED).
"""

import asyncio
import importlib
import signal
import sys

assert sys.platform != "win32", "POSIX signals: Windows has no SIGUSR1"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> BaseException | None:
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(asyncio.to_thread(loop.add_signal_handler, signal.SIGUSR1, print), 5)
    except (ValueError, RuntimeError) as exc:
        return exc
    return None


loop = new_loop()
try:
    error = loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): add_signal_handler from a worker thread "
      f"raised {error!r}")
if isinstance(error, ValueError):
    print("REPRODUCED: ValueError, where asyncio documents RuntimeError")
    sys.exit(0)
print("NOT REPRODUCED: RuntimeError, as asyncio documents")
sys.exit(1)
