"""Twisted: a task.react program interrupted by Ctrl-C exits through sys.exit(1) (or 0), not by SIGINT.

Reference: a stdlib program interrupted by Ctrl-C gets ``KeyboardInterrupt`` at its top level; when
nothing handles it, the interpreter ends the process by SIGINT (status -2, 130 in a shell), the status
that tells a shell or a supervisor "interrupted". Under ``task.react`` (Twisted's documented "main" for
a program, twisted/internet/task.py) the SIGINT handler that ``reactor.run()`` installs,
``reactor.sigInt`` (twisted/internet/base.py), only stops the reactor and records the signal in
``reactor._exitSignal``; the program's "before" "shutdown" trigger cancels its pending work, the main
Deferred fails, and ``react`` ends with ``sys.exit(code)``: 1 because main failed, 0 where main is left
pending (its documented exit codes). It never reads ``_exitSignal``, which ``twistd`` and ``twist`` use to
end the process by the signal (``_exitWithSignal``, twisted/application/app.py). The top level sees
``SystemExit``, not ``KeyboardInterrupt``, and the shell sees 1 or 0.

The script starts a small program as a subprocess in its own process group (one coroutine in a 30 s
``deferLater`` under ``task.react``, the top level recording what reaches it, an "after" "shutdown"
trigger printing ``reactor._exitSignal``), waits until it says ready, sends SIGINT to the group as a
terminal's Ctrl-C does, and reports the exit status and what the top level caught; twice: with the
program cancelling its work in a "before" "shutdown" trigger (as signals.ctrl_c_program does), and
without. POSIX only. Usage: python ctrl_c_program__twisted.py twisted|twisted-asyncio (``threads``: the
same program with a plain ``time.sleep`` and no Twisted, NOT REPRODUCED).
"""

import os
import select
import signal
import subprocess
import sys
import time

assert sys.platform != "win32", "Ctrl-C from outside is a POSIX process-group signal here"
RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME not in ("twisted", "twisted-asyncio", "threads"):
    print(f"usage: python {sys.argv[0]} twisted|twisted-asyncio|threads")
    sys.exit(2)

TOP_LEVEL = '''
def describe(exc):
    if isinstance(exc, SystemExit):
        return "SystemExit(" + repr(exc.code) + ")"
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

TWISTED_PROGRAM = '''
import asyncio
import sys

if sys.argv[1] == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import defer, task

CANCEL_AT_SHUTDOWN = sys.argv[2] == "cancel"


async def sleeper(reactor):
    try:
        await task.deferLater(reactor, 30)
    finally:
        print("finally: sleeper", flush=True)


async def main(reactor):
    work = defer.ensureDeferred(sleeper(reactor))
    if CANCEL_AT_SHUTDOWN:  # Twisted's documented place to clean up when the reactor stops
        reactor.addSystemEventTrigger("before", "shutdown", work.cancel)
    reactor.addSystemEventTrigger("after", "shutdown",
                                  lambda: print("reactor._exitSignal:", reactor._exitSignal, flush=True))
    reactor.callLater(0.05, print, "ready", flush=True)
    await work


def entry_point():
    task.react(main)
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


def interrupted(variant: str) -> tuple[int, list[str], str]:
    """Run the program, Ctrl-C it once ready: (its exit status, the lines it printed, its stderr)."""
    program = STDLIB_PROGRAM if RUNTIME == "threads" else TWISTED_PROGRAM
    child = subprocess.Popen([sys.executable, "-c", program, RUNTIME, variant], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True, text=True)
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
        child.communicate()
        print("NOT REPRODUCED: the program was still running 10 s after Ctrl-C (killed)")
        sys.exit(1)
    return child.returncode, lines + [line.strip() for line in out.splitlines() if line.strip()], err


if RUNTIME == "threads":
    version = "the standard library"
else:
    import twisted

    version = f"Twisted {twisted.__version__} ({RUNTIME})"
deviations = 0
variants = ("plain",) if RUNTIME == "threads" else ("cancel", "leave")
for variant in variants:
    status, lines, err = interrupted(variant)
    top = next((line for line in lines if line.startswith("top level:")), "top level: nothing reached it")
    said = f"killed by {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
    recorded = [line for line in lines if line.startswith("reactor._exitSignal")]
    how = {"cancel": "work cancelled in a 'before' 'shutdown' trigger", "leave": "work left pending",
           "plain": "a plain sleep"}[variant]
    print(f"{version}, Python {sys.version.split()[0]}, {how}: after Ctrl-C the program ended: {said}; "
          f"{top}; {', '.join(recorded) or 'no signal recorded'}; "
          f"cleanups: {[line for line in lines if line.startswith('finally')]}")
    if status != -signal.SIGINT and "got SystemExit" in top:
        deviations += 1
if deviations == len(variants) == 2:
    print("REPRODUCED: the reactor recorded SIGINT, but react() ended the program with sys.exit: the top "
          "level got SystemExit, not KeyboardInterrupt, and the program was not ended by SIGINT")
    sys.exit(0)
print("NOT REPRODUCED: KeyboardInterrupt reached the top level and the program was killed by SIGINT"
      if deviations == 0 else f"NOT REPRODUCED: only {deviations} of {len(variants)} variants deviated")
sys.exit(1)
