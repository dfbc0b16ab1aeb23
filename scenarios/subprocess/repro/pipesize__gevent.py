"""gevent's Popen accepts pipesize and ignores it: the child's pipes stay at the default 64 KiB.

Reference (Linux): ``subprocess.Popen(..., stdin=PIPE, stdout=PIPE, stderr=PIPE, pipesize=1 << 20)``
resizes each pipe with ``fcntl(F_SETPIPE_SZ)``; the child reads 1048576 from ``F_GETPIPE_SZ`` on its
stdin, stdout and stderr. gevent's ``Popen`` takes the argument "for compatibility with Python 3.10"
and documents that it "is ignored on all platforms" (src/gevent/subprocess.py, the 21.12.0 note):
under ``monkey.patch_all()`` the child gets 65536-byte pipes. Usage: python pipesize__gevent.py gevent.
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if not sys.platform.startswith("linux"):  # F_GETPIPE_SZ / F_SETPIPE_SZ are Linux's
    sys.exit("this reproducer runs on Linux only")

from gevent import monkey  # noqa: E402

monkey.patch_all()

import subprocess  # noqa: E402 - after patch_all, as a gevent program imports it

import gevent  # noqa: E402

CHILD = ("import fcntl, sys\n"
         "print(*(fcntl.fcntl(fd, 1032) for fd in (0, 1, 2)))\n")
print(f"{RUNTIME} {gevent.__version__}: {subprocess.Popen.__module__}.{subprocess.Popen.__qualname__}")
with subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, pipesize=1 << 20) as proc:
    stdout, _ = proc.communicate(timeout=10)
sizes = [int(word) for word in stdout.split()]
print(f"pipesize={1 << 20}; the child's stdin, stdout and stderr pipes hold {sizes}")
if sizes and max(sizes) < 1 << 20:
    print("REPRODUCED: pipesize was accepted and ignored")
    sys.exit(0)
print("NOT REPRODUCED: the pipes were resized")
sys.exit(1)
