"""uvloop: loop.add_signal_handler(SIGCHLD, ...) is refused with RuntimeError.

Reference: asyncio's loop accepts a handler for any catchable signal through its own API,
``loop.add_signal_handler``, SIGCHLD included: the callback runs on the loop when a child exits, next
to the loop's own child watcher. uvloop refuses SIGCHLD outright (uvloop/loop.pyx,
``Loop.add_signal_handler``): "cannot add a signal handler for SIGCHLD: it is used by the event loop to
track subprocesses" (libuv keeps its own C-level SIGCHLD handler; MagicStack/uvloop#409). The script
asks for SIGCHLD, runs a child that exits with 7 and counts the callback's calls. POSIX only.
Usage: python sigchld_style_handler__uvloop.py uvloop|asyncio (``asyncio``: NOT REPRODUCED).
"""

import asyncio
import signal
import sys

assert sys.platform != "win32", "POSIX signals"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
calls: list[int] = []


async def main() -> str:
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGCHLD, lambda: calls.append(1))
    except RuntimeError as exc:
        return f"add_signal_handler(SIGCHLD) raised RuntimeError: {exc}"
    proc = await asyncio.wait_for(asyncio.create_subprocess_exec(sys.executable, "-c", "raise SystemExit(7)"),
                                  5)
    code = await asyncio.wait_for(proc.wait(), 5)
    for _ in range(200):  # the callback may still come: at most 2 s
        if calls:
            break
        await asyncio.sleep(0.01)
    return f"the handler was accepted; the wait returned {code}; the callback ran {len(calls)} times"


loop: asyncio.AbstractEventLoop
if RUNTIME == "uvloop":
    import uvloop

    loop = uvloop.new_event_loop()
else:
    loop = asyncio.new_event_loop()
try:
    said = loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): {said}")
if said.startswith("add_signal_handler(SIGCHLD) raised RuntimeError"):
    print("REPRODUCED: the loop refused a SIGCHLD handler")
    sys.exit(0)
print("NOT REPRODUCED: the loop accepted the SIGCHLD handler")
sys.exit(1)
