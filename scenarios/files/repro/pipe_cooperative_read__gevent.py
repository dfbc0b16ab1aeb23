"""gevent: after os.close() of a pipe's write end, a blocking os.read of the read end never sees EOF.

Reference: a process makes a pipe, hands the write end to a writer process (``pass_fds``), closes its
own copy with ``os.close`` and reads the read end with ``os.read`` until EOF, which comes when the
writer exits. Since gevent 25.8.1, ``patch_all()`` replaces ``os.close`` on POSIX with one that, for a
descriptor that is not a regular file while a hub exists, defers the real close to the hub's next loop
iteration (gevent/os.py); ``os.read`` is not patched and blocks the hub. So the deferred close can never
run while the read waits, the process still holds a write end, and the read waits for ever. The script
bounds the read with SIGALRM (4 s). POSIX only.
Usage: python pipe_cooperative_read__gevent.py gevent (``threads``, unpatched: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()

import os  # noqa: E402 - after the patch, as a patched program imports them
import signal  # noqa: E402
import subprocess  # noqa: E402
from types import FrameType  # noqa: E402

assert sys.platform != "win32", "POSIX pipes, pass_fds and SIGALRM"
WRITER = "import os, sys; os.write(int(sys.argv[1]), b'x' * 1024)"


class Deadline(Exception):
    pass


def expire(signum: int, frame: FrameType | None) -> None:
    raise Deadline


r, w = os.pipe()
writer = subprocess.Popen([sys.executable, "-c", WRITER, str(w)], pass_fds=(w,))
os.close(w)  # the writer holds the only other write end: its exit is the reader's EOF
received = b""  # read at once, as the program does: nothing lets the hub run before the read
signal.signal(signal.SIGALRM, expire)
signal.setitimer(signal.ITIMER_REAL, 4.0)
try:
    while chunk := os.read(r, 65536):
        received += chunk
    eof = True
except Deadline:
    eof = False
finally:
    signal.setitimer(signal.ITIMER_REAL, 0)
writer.wait(timeout=5)
os.close(r)
print(f"{RUNTIME}: the writer exited {writer.returncode}; read {len(received)} bytes, then "
      f"{'EOF' if eof else 'no EOF within 4 s'}")
if not eof:
    print("REPRODUCED: the deferred os.close kept a write end open while os.read blocked the hub")
    sys.exit(0)
print("NOT REPRODUCED: the read saw EOF once the writer exited")
sys.exit(1)
