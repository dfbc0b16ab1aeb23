"""On Python 3.10, rloop loses Ctrl-C that arrives while one of its callbacks runs.

Reference: on 3.10 ``asyncio.run()`` installs no SIGINT handler, so Python's default one raises
``KeyboardInterrupt`` wherever the main thread is; when that is inside a callback of the loop,
asyncio's ``Handle._run`` lets ``KeyboardInterrupt`` and ``SystemExit`` through (it catches only
``Exception``), ``run()`` ends and the program gets its KeyboardInterrupt. rloop's loop runs the
callback and, when it raises, hands the exception to the loop's exception handler (which logs
"Exception in callback ...") and goes on: the KeyboardInterrupt is gone. On 3.11 and later
``asyncio.Runner`` installs its own SIGINT handler, which cancels the main task instead of raising in a
callback, so the loss does not happen there.

Whether the signal lands inside a callback is a race (the conformance cells lose it in some runs):
this script makes it land there every time by keeping a callback busy (a 20 ms spin, rescheduled
at once) while a thread sends SIGINT 0.3 s in, and waits at most 2 s for the KeyboardInterrupt.
Usage: python sigint__rloop.py rloop (``asyncio``: KeyboardInterrupt arrives, NOT REPRODUCED).
"""

import asyncio
import importlib
import logging
import os
import signal
import sys
import threading
import time

assert sys.platform != "win32", "POSIX: os.kill(pid, SIGINT) from a thread"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"
logging.basicConfig(level=logging.CRITICAL)  # rloop logs the swallowed exception: not the point here
logged: list[str] = []


def spin() -> None:
    end = time.perf_counter() + 0.02
    while time.perf_counter() < end:
        pass
    asyncio.get_running_loop().call_soon(spin)


async def main() -> str:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda *args: logged.append(repr(args[-1].get("exception"))))
    loop.call_soon(spin)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    await asyncio.sleep(2.0)
    return "main() ended after 2 s"


if RUNTIME != "asyncio":
    asyncio.set_event_loop_policy(importlib.import_module(RUNTIME).EventLoopPolicy())
try:
    got = asyncio.run(main())
except KeyboardInterrupt:
    got = "KeyboardInterrupt"
print(f"{RUNTIME} on Python {sys.version.split()[0]}: SIGINT sent while a callback ran; the program got "
      f"{got}; the loop's exception handler saw {logged or 'nothing'}")
if got != "KeyboardInterrupt":
    print("REPRODUCED: the KeyboardInterrupt raised in a callback never reached the program")
    sys.exit(0)
print("NOT REPRODUCED: the KeyboardInterrupt reached the program")
sys.exit(1)
