"""gevent: _thread.interrupt_main() from a (greenlet) thread never reaches the main code.

Reference: a worker thread calls ``_thread.interrupt_main()`` while the main thread sleeps; since
Python 3.10 that simulates SIGINT in the main thread, whose handler raises ``KeyboardInterrupt`` in the
main code (once its sleep returns). Under ``gevent.monkey.patch_all()`` the worker ``threading.Thread``
is a greenlet of the main thread, and Python runs a signal handler in whichever greenlet is current
when it checks for signals: the worker itself, right after its call (gevent/gevent#1815). The
``KeyboardInterrupt`` is raised in the worker, where ``threading.Thread`` reports it to
``threading.excepthook`` and drops it; the main code's sleep runs to its end. (gevent's thread module
copies ``interrupt_main`` from ``_thread`` unchanged: "XXX interrupt_main", src/gevent/thread.py.)
Usage: python interrupt_main__gevent.py gevent|threads (``threads``: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()

import _thread  # noqa: E402 - after patching
import threading  # noqa: E402
import time  # noqa: E402

dropped: list[str] = []


def excepthook(args: threading.ExceptHookArgs) -> None:
    dropped.append(f"{args.exc_type.__name__} in {getattr(args.thread, 'name', '?')}")


threading.excepthook = excepthook


def worker() -> None:
    time.sleep(0.2)
    _thread.interrupt_main()


thread = threading.Thread(target=worker, name="interrupter")
thread.start()
seen = "the sleep ran to its end"
try:
    time.sleep(1.0)
except KeyboardInterrupt:
    seen = "KeyboardInterrupt in the main code"
thread.join(2.0)
print(f"{RUNTIME}: {seen}; exceptions threading.excepthook got: {dropped}")
if seen != "KeyboardInterrupt in the main code":
    print("REPRODUCED: interrupt_main() from a thread did not interrupt the main code")
    sys.exit(0)
print("NOT REPRODUCED: the main code got KeyboardInterrupt")
sys.exit(1)
