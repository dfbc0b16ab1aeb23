"""rloop's loop.remove_signal_handler always raises AttributeError.

Reference: ``loop.add_signal_handler(SIGTERM, callback)`` then ``loop.remove_signal_handler(SIGTERM)``
returns True and puts SIGTERM back to ``SIG_DFL``. rloop's ``remove_signal_handler`` starts with
``self._is_main_thread()``, while the method is defined as ``__is_main_thread`` (name-mangled to
``_RLoop__is_main_thread``: rloop/loop.py), so the call raises AttributeError and the handler stays.
The script adds a SIGTERM handler, sends itself SIGTERM (the callback runs), then removes the handler.
POSIX only. Usage: python sigterm_handler__rloop.py rloop (``asyncio``: NOT REPRODUCED).
"""

import asyncio
import importlib
import os
import signal
import sys

assert sys.platform != "win32", "POSIX signals"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"
seen: list[str] = []


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> None:
    loop = asyncio.get_running_loop()
    called = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, called.set)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(called.wait(), 2)
    seen.append("the SIGTERM callback ran")
    try:
        seen.append(f"remove_signal_handler returned {loop.remove_signal_handler(signal.SIGTERM)}")
    except AttributeError as exc:
        seen.append(f"remove_signal_handler raised AttributeError: {exc}")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # what it should have done


loop = new_loop()
try:
    loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): " + "; ".join(seen))
if any("AttributeError" in line for line in seen):
    print("REPRODUCED: loop.remove_signal_handler raises AttributeError")
    sys.exit(0)
print("NOT REPRODUCED: the handler was removed")
sys.exit(1)
