"""uvloop has no happy eyeballs: asyncio.open_connection(..., happy_eyeballs_delay=0.25) raises TypeError.

Reference: asyncio's ``loop.create_connection`` takes ``happy_eyeballs_delay`` (and ``interleave``) since
Python 3.8, and ``asyncio.open_connection`` passes its keywords on to it: with the delay, a host whose
first address never answers is reached through the next one after about the delay. uvloop's
``Loop.create_connection`` (uvloop/loop.pyx) has neither parameter, so the same call raises
``TypeError: create_connection() got an unexpected keyword argument 'happy_eyeballs_delay'`` before it
connects anywhere (MagicStack/uvloop#406, open). The listener here is a plain one on 127.0.0.1: the call
fails on its arguments, whatever the host. Usage: python connect_happy_eyeballs__uvloop.py uvloop
(``asyncio``: NOT REPRODUCED, it connects).
"""

import asyncio
import importlib
import socket
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main(port: int) -> str:
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, happy_eyeballs_delay=0.25), 3)
    except TypeError as exc:
        return f"TypeError: {exc}"
    writer.close()
    return "connected"


with socket.create_server(("127.0.0.1", 0)) as listener:
    loop = new_loop()
    try:
        what = loop.run_until_complete(main(listener.getsockname()[1]))
    finally:
        loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): "
      f"asyncio.open_connection(..., happy_eyeballs_delay=0.25) -> {what}")
if what.startswith("TypeError") and "happy_eyeballs_delay" in what:
    print("REPRODUCED: the loop's create_connection takes no happy_eyeballs_delay")
    sys.exit(0)
print("NOT REPRODUCED: the loop's create_connection took happy_eyeballs_delay")
sys.exit(1)
