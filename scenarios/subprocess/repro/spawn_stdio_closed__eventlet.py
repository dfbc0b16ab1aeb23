"""eventlet: with the parent's descriptor 0 closed, subprocess.run(input=...) with pipes hangs.

Reference: with descriptors 0, 1 and 2 closed (a detached daemon), ``subprocess.run(..., input=line,
stdin=PIPE, stdout=PIPE, stderr=PIPE)`` gives the line to the child and returns its output and status.
Under eventlet the parent's end of the child's stdin pipe lands on descriptor 0, and
``Popen._communicate`` waits for it with eventlet's green ``select.select``, through a
``selectors.SelectSelector`` that passes descriptor numbers. The green select keeps, per descriptor,
``{'write': w}`` with ``w`` that number, and registers a listener only ``if v.get('write')``
(eventlet/green/select.py): descriptor 0 is falsy, so it is never watched, the input is never written
and the child waits for it until the timeout. Usage: python spawn_stdio_closed__eventlet.py eventlet
(``python spawn_stdio_closed__eventlet.py threads``: the child answers, NOT REPRODUCED).
"""

import os
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
if RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()
import subprocess  # noqa: E402 (after the monkey-patching)

CHILD = ("import sys\n"
         "line = sys.stdin.buffer.read()\n"
         "sys.stdout.buffer.write(b'out:' + line)\n"
         "sys.exit(3)\n")
LINE = b"hello daemon\n"

saved = os.dup(0)
try:
    os.close(0)  # as a daemon has it; 1 and 2 stay open so that this script can print
    try:
        done = subprocess.run([sys.executable, "-S", "-c", CHILD], input=LINE, stdout=subprocess.PIPE,
                              timeout=5)
        result = f"output {done.stdout!r}, status {done.returncode}"
        hung = False
    except Exception as exc:  # eventlet's Popen raises the original module's TimeoutExpired
        if type(exc).__name__ != "TimeoutExpired":
            raise
        result = "no answer within 5 s (TimeoutExpired)"
        hung = True
finally:
    os.dup2(saved, 0)
    os.close(saved)
print(f"{RUNTIME}: with descriptor 0 closed, subprocess.run(input=...) gave {result}")
if hung:
    print("REPRODUCED: the child never got its input: the parent's stdin pipe is descriptor 0, which "
          "eventlet's green select does not watch")
    sys.exit(0)
print("NOT REPRODUCED: the child got its input and answered")
sys.exit(1)
