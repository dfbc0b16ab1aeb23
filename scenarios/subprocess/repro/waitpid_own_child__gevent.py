"""gevent: a C library's waitpid() of a child it spawned fails with ECHILD: gevent's hub reaped it.

Reference: code that spawns a child and reaps it itself (``posix_spawn`` + ``waitpid(pid, &status, 0)``,
as C libraries do) gets its exit status, 7. Once gevent has run a child (here with its patched
``subprocess``), libev's SIGCHLD handler is installed, and libev's ``childcb`` reaps every child of the
process with ``waitpid(-1, ...)`` when the hub next runs (deps/libev/ev.c), keeping the status for
gevent's patched ``os.waitpid`` only (src/gevent/os.py, ``_on_child``/``waitpid``). The C library's own
``waitpid``, called here through ctypes after the program has let the hub run while the child exits,
finds no child: ECHILD, the status lost. (The patched ``os.waitpid`` gives Python code the kept status.)
POSIX only. Usage: python waitpid_own_child__gevent.py gevent|threads (``threads``: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()

import ctypes  # noqa: E402 - after patching
import os  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

assert sys.platform == "linux", "os.waitid (the script's look at the child without reaping it)"
subprocess.run(["/bin/sh", "-c", "exit 0"], timeout=5)  # the runtime's child machinery, active
pid = os.posix_spawn("/bin/sh", ["/bin/sh", "-c", "exit 7"], dict(os.environ))
deadline = time.monotonic() + 5
exited_at = None
while True:  # the program's own work goes on while the child exits
    time.sleep(0.005)
    try:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            # Exited, not reaped yet. The hub learns of it from SIGCHLD through its loop (libuv: a pipe
            # the signal handler writes), an instant later on a loaded machine: the program keeps working
            # for up to a second more, as a program does, before its C code reaps the child.
            exited_at = exited_at or time.monotonic()
            if time.monotonic() - exited_at > 1.0:
                break
    except ChildProcessError:  # reaped by someone else
        break
    if time.monotonic() > deadline:
        break
libc = ctypes.CDLL(None, use_errno=True)
status = ctypes.c_int(0)
done = libc.waitpid(pid, ctypes.byref(status), 0)
if done == pid:
    said = f"exit code {os.waitstatus_to_exitcode(status.value)}"
else:
    said = f"failed: {os.strerror(ctypes.get_errno())}"
print(f"{RUNTIME}: the C library's waitpid() of a child spawned with posix_spawn: {said}")
if done == -1:
    print("REPRODUCED: someone else had reaped the child; its status is lost to the C code")
    sys.exit(0)
print("NOT REPRODUCED: the C library's waitpid() got the child's status")
sys.exit(1)
