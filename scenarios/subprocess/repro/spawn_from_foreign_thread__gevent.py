"""gevent: subprocess.Popen called on a thread that gevent did not make raises TypeError.

Reference: ``subprocess.run`` on a native thread (one a C library created, entering Python through a
callback, as ``ctypes`` does here with ``pthread_create``) returns the child's output and status.
Under gevent's monkey-patching, ``gevent.subprocess.Popen`` forks and then watches the child with a
child watcher of the current thread's hub (``fork_and_watch`` -> ``_watch_child`` -> ``loop.child``,
gevent/os.py); on any thread but the main one that hub's loop is not libev's default loop, and
``loop.child`` raises ``TypeError('child watchers are only available on the default loop')``
(gevent issue #688; gevent's own test__subprocess.py test_subprocess_in_native_thread expects it).
The child has been forked by then and is left running. Usage: python spawn_from_foreign_thread__gevent.py
gevent (``... threads``: NOT REPRODUCED).
"""

import ctypes
import sys
import time

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
import subprocess  # noqa: E402 (after the monkey-patching)

if sys.platform == "win32":
    sys.exit("this reproducer starts its thread with pthread_create: POSIX only")
results: list[object] = []


def in_native_thread(_argument: object) -> None:
    try:
        child = "import sys; print('from the child'); sys.exit(3)"
        done = subprocess.run([sys.executable, "-S", "-c", child], stdout=subprocess.PIPE, timeout=10)
        results.append(f"output {done.stdout!r}, status {done.returncode}")
    except BaseException as exc:
        results.append(exc)


time.sleep(0.01)  # the main thread's hub exists before the native thread starts, as in a running program
libc = ctypes.CDLL(None)
START = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)
libc.pthread_create.argtypes = (ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, START, ctypes.c_void_p)
libc.pthread_join.argtypes = (ctypes.c_void_p, ctypes.c_void_p)
callback = START(in_native_thread)
thread = ctypes.c_void_p()
if libc.pthread_create(ctypes.byref(thread), None, callback, None):
    sys.exit("pthread_create failed")
deadline = time.monotonic() + 15
while not results and time.monotonic() < deadline:
    time.sleep(0.01)
if results:
    libc.pthread_join(thread, None)
result = results[0] if results else "nothing within 15 s"
print(f"{RUNTIME}: subprocess.run on a pthread_create thread gave {result!r}")
if isinstance(result, TypeError):
    print(f"REPRODUCED: Popen on a native thread raised TypeError: {result}")
    sys.exit(0)
print("NOT REPRODUCED: the child ran and its result came back")
sys.exit(1)
