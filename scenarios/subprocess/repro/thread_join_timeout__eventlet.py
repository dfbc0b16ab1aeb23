"""eventlet on Python 3.13+: ``Thread.join(timeout)`` raises ``eventlet.timeout.Timeout`` instead of
returning when the timeout passes.

Reference: ``threading.Thread.join(timeout)`` returns when the thread ends or the timeout passes,
whichever comes first; the caller then asks ``is_alive()``. It never raises for the timeout. Python 3.13
moved ``join`` onto the thread's handle (``self._handle.join(timeout)``), and eventlet's green handle
(eventlet/green/thread.py, ``_ThreadHandle.join``) waits with ``with_timeout(timeout, ...)``, which
raises ``eventlet.timeout.Timeout`` when the time is up. Before 3.13 ``join`` waits on the thread's
state lock, which eventlet's green lock times out quietly, as the reference does.

The script joins a green thread that sleeps 3 s with a 0.5 s timeout. Usage:
python thread_join_timeout__eventlet.py eventlet (on Python 3.13 or later; earlier ones print NOT
REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"

import eventlet  # noqa: E402

eventlet.monkey_patch()

import threading  # noqa: E402 - after monkey_patch, as an eventlet program imports it
import time  # noqa: E402

print(f"{RUNTIME} {eventlet.__version__} on Python {sys.version.split()[0]}")
sleeper = threading.Thread(target=time.sleep, args=(3,))
sleeper.start()
started = time.monotonic()
try:
    sleeper.join(0.5)
except BaseException as exc:  # eventlet.timeout.Timeout derives from BaseException
    print(f"REPRODUCED: join(0.5) raised {type(exc).__module__}.{type(exc).__name__}: {exc} after "
          f"{time.monotonic() - started:.2f} s, where the reference returns and the thread is still alive")
    sys.exit(0)
print(f"NOT REPRODUCED: join(0.5) returned after {time.monotonic() - started:.2f} s, "
      f"is_alive() = {sleeper.is_alive()}, as the reference does")
sys.exit(1)
