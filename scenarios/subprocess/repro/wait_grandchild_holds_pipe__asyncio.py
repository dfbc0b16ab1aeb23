"""asyncio's (and rloop's) Process.wait() waits for the child's pipes to close, not only for its exit.

Reference: ``Popen.wait()`` returns as soon as the child exits, whatever holds its pipes. From Python
3.11, asyncio's ``Process.wait()`` returns only once the child has exited and every pipe to it is
closed: its waiters are woken in ``BaseSubprocessTransport._call_connection_lost``, which
``_try_finish`` calls only when all pipes are disconnected (Lib/asyncio/base_subprocess.py,
python/cpython#119710). rloop's ``_SubProcessTransport`` subclasses the running Python's
``BaseSubprocessTransport`` (rloop/subprocess.py), so it inherits that ``wait()``. A grandchild that
inherited the child's stdout keeps ``wait()`` blocked until it exits. Usage: python
wait_grandchild_holds_pipe__asyncio.py asyncio|rloop (on Python 3.10, whose wait() returns at the
child's exit: NOT REPRODUCED).
"""

import asyncio
import importlib
import sys
import time

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
GRANDCHILD_S = 1.0
# The child starts a grandchild that inherits its stdout and sleeps, then exits at once.
CHILD = ("import subprocess, sys\n"
         f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep({GRANDCHILD_S})'], "
         "stdout=sys.stdout)\n")


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> float:
    loop = asyncio.get_running_loop()
    print(f"Python {sys.version.split()[0]}, {RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    started = time.monotonic()
    proc = await asyncio.wait_for(asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, stdout=asyncio.subprocess.PIPE), 5)
    try:
        returncode = await asyncio.wait_for(proc.wait(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
    waited = time.monotonic() - started
    assert proc.stdout is not None
    await asyncio.wait_for(proc.stdout.read(), 10)  # the grandchild's end closes the pipe
    print(f"proc.wait() returned {returncode} after {waited:.2f} s; the grandchild holds the pipe for "
          f"{GRANDCHILD_S:g} s, the child itself exits within a few hundred ms")
    return waited


loop = new_loop()
try:
    waited = loop.run_until_complete(main())
finally:
    loop.close()
if waited >= GRANDCHILD_S:
    print("REPRODUCED: wait() returned only when the grandchild closed the child's stdout")
    sys.exit(0)
print("NOT REPRODUCED: wait() returned when the child exited")
sys.exit(1)
