"""rloop's loop.add_reader accepts a closed descriptor silently, and the reader never runs.

Reference: asyncio's ``loop.add_reader(fd, ...)`` on a closed descriptor raises ``OSError`` (EBADF) from
the selector's registration. rloop's ``add_reader`` (src/event_loop.rs) discards the result of
``io_register``, whose ``epoll_ctl`` failed: ``_ = self.io_register(...)``. The program is told
nothing, and a wait for the reader sleeps out its timeout. Usage: python poll_closed_fd__rloop.py
rloop (``asyncio`` prints NOT REPRODUCED).
"""

import asyncio
import importlib
import os
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


def _set_once(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


async def main() -> str:
    loop = asyncio.get_running_loop()
    read_end, write_end = os.pipe()
    fd = os.dup2(read_end, 900)
    os.close(read_end)
    os.close(fd)
    os.close(write_end)
    readable = loop.create_future()
    try:
        loop.add_reader(fd, _set_once, readable)
    except OSError as exc:
        return f"add_reader raised {type(exc).__name__}: {exc}"
    try:
        done, _ = await asyncio.wait({readable}, timeout=2)
        return "the reader ran" if done else "add_reader returned and the reader never ran within 2 s"
    finally:
        loop.remove_reader(fd)


loop = new_loop()
try:
    what = loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME}: add_reader on a closed descriptor: {what}")
if what.startswith("add_reader returned"):
    print("REPRODUCED: the closed descriptor was accepted silently")
    sys.exit(0)
print("NOT REPRODUCED: the loop reported the closed descriptor")
sys.exit(1)
