"""trio: Ctrl-C comes out of trio.run as BaseExceptionGroup[KeyboardInterrupt]; the program exits 1.

Reference: a stdlib program interrupted by Ctrl-C gets ``KeyboardInterrupt`` at its top level; when
nothing handles it, the interpreter ends the process by SIGINT (status -2, 130 in a shell), the status
that tells a shell or a supervisor "interrupted". trio's SIGINT handler (trio/_core/_ki.py) finds the run
loop KI-protected and asks the runner to deliver the ``KeyboardInterrupt`` into the main task
(``Runner.deliver_ki``, ``Task._attempt_delivery_of_pending_ki`` in trio/_core/_run.py). The main task
is waiting in its nursery's ``__aexit__``, whose abort function adds the ``KeyboardInterrupt`` to the
nursery's exceptions, and the nursery, with ``strict_exception_groups=True`` (trio.run's default since
0.25), raises them wrapped in a ``BaseExceptionGroup`` even when there is just one. A top-level
``except KeyboardInterrupt:`` does not catch the group, and the uncaught group ends the process with a
traceback and status 1.

The script starts a small program as a subprocess in its own process group (a nursery with one task in
a 30 s sleep, under ``trio.run``, the top level recording what reaches it), waits until it says ready,
sends SIGINT to the group as a terminal's Ctrl-C does, and reports the program's exit status and what
its top level caught. POSIX only. Usage: python ctrl_c_program__trio.py trio (``threads``: the same
program with a plain ``time.sleep`` and no trio, NOT REPRODUCED).
"""

import os
import select
import signal
import subprocess
import sys
import time

assert sys.platform != "win32", "Ctrl-C from outside is a POSIX process-group signal here"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"

TOP_LEVEL = '''
def describe(exc):
    inner = getattr(exc, "exceptions", None)
    if inner is not None:
        return type(exc).__name__ + "[" + ", ".join(describe(e) for e in inner) + "]"
    return type(exc).__name__


try:
    entry_point()
except KeyboardInterrupt:
    print("top level: except KeyboardInterrupt caught it", flush=True)
    raise
except BaseException as exc:
    print("top level: except KeyboardInterrupt caught nothing; it got " + describe(exc), flush=True)
    raise
'''

TRIO_PROGRAM = '''
import trio


async def sleeper():
    try:
        await trio.sleep(30)
    finally:
        print("finally: sleeper", flush=True)


async def main():
    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await trio.sleep(0.05)
        print("ready", flush=True)


def entry_point():
    trio.run(main)
''' + TOP_LEVEL

STDLIB_PROGRAM = '''
import time


def entry_point():
    try:
        print("ready", flush=True)
        time.sleep(30)
    finally:
        print("finally: sleeper", flush=True)
''' + TOP_LEVEL

program = STDLIB_PROGRAM if RUNTIME == "threads" else TRIO_PROGRAM
child = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True, text=True)
assert child.stdout is not None
deadline = time.monotonic() + 10
lines: list[str] = []
while "ready" not in lines and time.monotonic() < deadline:
    if select.select([child.stdout], [], [], 0.1)[0]:
        line = child.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
if "ready" not in lines:
    child.kill()
    print(f"NOT REPRODUCED: the program never said ready ({child.communicate()[1].strip()[-300:]})")
    sys.exit(1)
os.killpg(child.pid, signal.SIGINT)  # a terminal's Ctrl-C: the whole foreground process group
try:
    out, err = child.communicate(timeout=10)
except subprocess.TimeoutExpired:
    os.killpg(child.pid, signal.SIGKILL)
    out, err = child.communicate()
    print("NOT REPRODUCED: the program was still running 10 s after Ctrl-C (killed)")
    sys.exit(1)
lines += [line.strip() for line in out.splitlines() if line.strip()]
top = next((line for line in lines if line.startswith("top level:")), "top level: nothing reached it")
status = child.returncode
said = f"killed by {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
if RUNTIME == "threads":
    version = "the standard library"
else:
    import trio

    version = f"trio {trio.__version__}"
print(f"{version}, Python {sys.version.split()[0]}: after Ctrl-C the program ended: {said}; {top}; "
      f"cleanups: {[line for line in lines if line.startswith('finally')]}")
if err.strip():
    print("its stderr ends:", " | ".join(err.strip().splitlines()[-2:]))
if status != -signal.SIGINT and "caught nothing" in top and "KeyboardInterrupt]" in top:
    print("REPRODUCED: the KeyboardInterrupt reached the top level wrapped in an exception group, so "
          "`except KeyboardInterrupt:` missed it and the program was not ended by SIGINT")
    sys.exit(0)
print("NOT REPRODUCED: KeyboardInterrupt reached the top level and the program was killed by SIGINT"
      if status == -signal.SIGINT and "caught it" in top else
      f"NOT REPRODUCED: neither the deviation nor the reference ({said}; {top})")
sys.exit(1)
