"""uvloop: a SIGCHLD handler installed with signal.signal before a spawn never runs.

Reference: a program installs a SIGCHLD handler with ``signal.signal``, then runs a child and waits
for it; the kernel sends SIGCHLD when the child exits and Python runs the handler, while the wait
still returns the child's code. uvloop spawns through libuv, which tracks its children with a SIGCHLD
handler of its own installed at the C level when it first spawns (``uv__process_init`` in
src/unix/process.c: ``uv_signal_start(..., SIGCHLD)``), replacing the program's: the wait returns, but
the program's handler is never called (uvloop also refuses ``add_signal_handler(SIGCHLD)`` for this
reason: MagicStack/uvloop#409). Linux only (on macOS libuv watches children with kqueue). Usage:
python sigchld_subprocess__uvloop.py uvloop (``asyncio``: the handler runs, NOT REPRODUCED).
"""

import asyncio
import signal
import sys
import time

assert sys.platform == "linux", "libuv tracks children with SIGCHLD on Linux"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
calls: list[float] = []


def on_sigchld(signum: int, frame: object) -> None:
    calls.append(time.monotonic())


async def main() -> int:
    proc = await asyncio.wait_for(asyncio.create_subprocess_exec(sys.executable, "-c", "raise SystemExit(7)"),
                                  5)
    code = await asyncio.wait_for(proc.wait(), 5)
    for _ in range(200):  # the handler may still come: at most 2 s
        if calls:
            break
        await asyncio.sleep(0.01)
    return code


signal.signal(signal.SIGCHLD, on_sigchld)
loop: asyncio.AbstractEventLoop
if RUNTIME == "uvloop":
    import uvloop

    loop = uvloop.new_event_loop()
else:
    loop = asyncio.new_event_loop()
try:
    code = loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): the wait returned {code}; the SIGCHLD "
      f"handler installed with signal.signal ran {len(calls)} times")
if code == 7 and not calls:
    print("REPRODUCED: the program's SIGCHLD handler never ran")
    sys.exit(0)
print("NOT REPRODUCED: the handler ran")
sys.exit(1)
