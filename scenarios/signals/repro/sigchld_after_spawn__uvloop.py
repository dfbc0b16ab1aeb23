"""uvloop: a SIGCHLD handler installed with signal.signal after a spawn makes the wait hang.

Reference: a program starts a child, then installs a SIGCHLD handler with ``signal.signal`` (a library
set up late), then waits for the child: Python runs the handler when the child exits, and the wait
returns the child's code. uvloop spawns through libuv, which learns that its children exit from a
SIGCHLD handler of its own installed at the C level at the first spawn (``uv__process_init`` in
src/unix/process.c); ``signal.signal`` replaces that handler with Python's, so libuv never reaps the
child and ``proc.wait()`` never returns: the child stays a zombie (the same ownership of SIGCHLD as
MagicStack/uvloop#409, seen from the other side). The script spawns a child that exits once it is told
to, installs the handler, tells it, and bounds the wait at 3 s. Linux only (on macOS libuv watches
children with kqueue). Usage: python sigchld_after_spawn__uvloop.py uvloop (``asyncio``: NOT
REPRODUCED).
"""

import asyncio
import os
import signal
import sys
import time

assert sys.platform == "linux", "libuv tracks children with SIGCHLD on Linux"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
calls: list[float] = []


def on_sigchld(signum: int, frame: object) -> None:
    calls.append(time.monotonic())


async def main() -> str:
    proc = await asyncio.wait_for(asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; sys.stdin.read(); raise SystemExit(7)",
        stdin=asyncio.subprocess.PIPE), 5)
    signal.signal(signal.SIGCHLD, on_sigchld)  # after the spawn
    assert proc.stdin is not None
    proc.stdin.close()  # the child's go-ahead: it exits now
    try:
        return f"returned {await asyncio.wait_for(proc.wait(), 3)}"
    except asyncio.TimeoutError:
        done, status = os.waitpid(proc.pid, os.WNOHANG)  # reap it here: nothing is left behind
        exited = f", the child had exited with {os.waitstatus_to_exitcode(status)}" if done else ""
        if not done:
            os.kill(proc.pid, signal.SIGKILL)
        return f"did not return within 3 s{exited}"


loop: asyncio.AbstractEventLoop
if RUNTIME == "uvloop":
    import uvloop

    loop = uvloop.new_event_loop()
else:
    loop = asyncio.new_event_loop()
try:
    said = loop.run_until_complete(main())
finally:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__name__}): the wait {said}; the handler ran "
      f"{len(calls)} times")
if said.startswith("did not return"):
    print("REPRODUCED: the wait for the child hangs once a SIGCHLD handler is installed after the spawn")
    sys.exit(0)
print("NOT REPRODUCED: the wait returned")
sys.exit(1)
