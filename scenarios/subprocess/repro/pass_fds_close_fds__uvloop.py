"""uvloop has no close_fds: a child it spawns inherits every descriptor marked inheritable.

Reference: ``asyncio.create_subprocess_exec(..., pass_fds=(fd,))`` (``close_fds=True`` by default) gives
the child 0, 1, 2 and ``fd``, and closes everything else in it, a descriptor the parent marked
inheritable included. uvloop accepts ``close_fds`` but does not implement it (a "TODO: Implement
close_fds" in ``Loop.__subprocess_run``, uvloop/loop.pyx), and libuv's ``uv_spawn`` closes nothing that
is not close-on-exec: the child keeps the parent's inheritable descriptor, and also the inheritable
copies of its stdio that uvloop makes for the spawn. Usage: python pass_fds_close_fds__uvloop.py uvloop
(``python pass_fds_close_fds__uvloop.py asyncio`` gives the child exactly 0, 1, 2 and the passed one:
NOT REPRODUCED).
"""

import asyncio
import importlib
import json
import os
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
if sys.platform == "win32":  # pass_fds and /proc/self/fd or /dev/fd are POSIX
    sys.exit("this reproducer runs on POSIX only")
CHILD = ("import json, os\n"
         "folder = '/proc/self/fd' if os.path.isdir('/proc/self/fd') else '/dev/fd'\n"
         "def is_open(fd):\n"
         "    try:\n"
         "        os.fstat(fd)\n"
         "    except OSError:\n"
         "        return False\n"
         "    return True\n"
         "print(json.dumps(sorted(fd for fd in map(int, os.listdir(folder)) if is_open(fd))))\n")


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main(passed: int) -> list[int]:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", CHILD, pass_fds=(passed,),
                                                stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE)
    try:
        stdout, _ = await asyncio.wait_for(proc.communicate(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
    found: list[int] = json.loads(stdout)
    return found


read_end, passed = os.pipe()
stray = os.open(os.devnull, os.O_RDONLY)
os.set_inheritable(stray, True)
loop = new_loop()
try:
    found = loop.run_until_complete(main(passed))
finally:
    loop.close()
    for fd in (read_end, passed, stray):
        os.close(fd)
print(f"the parent passed {passed} and holds {stray} marked inheritable; the child has {found}")
extra = [fd for fd in found if fd not in (0, 1, 2, passed)]
if stray in found:
    print(f"REPRODUCED: the child inherited {extra} besides 0, 1, 2 and {passed}, the stray "
          f"inheritable {stray} among them: close_fds is not applied")
    sys.exit(0)
print("NOT REPRODUCED: the child did not inherit the stray inheritable descriptor")
sys.exit(1)
