"""gevent and eventlet: signal.signal called from a threading.Thread is not refused.

Reference: ``signal.signal(SIGUSR1, handler)`` called in a ``threading.Thread`` raises ``ValueError``
("signal only works in main thread of the main interpreter"): Python runs handlers in the main thread
only, and nothing is installed. After gevent's ``patch_all()`` or eventlet's ``monkey_patch()`` a
``threading.Thread`` is a greenlet in the main OS thread (gevent/thread.py ``start_new_thread`` is
``Greenlet.spawn``; eventlet/green/thread.py spawns a green thread), so the check passes and the handler
is installed. (gevent's own ``gevent.signal`` module notes the gap: "TODO: raise value error if not
called from the main greenlet, just like threads".) POSIX only. Usage: python
handler_from_thread__sync.py gevent|eventlet (``threads``, unpatched: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import signal  # noqa: E402 - after the patch, as a patched program imports them
import threading  # noqa: E402

assert sys.platform != "win32", "POSIX signals: Windows has no SIGUSR1"
outcome: list[BaseException | None] = []


def on_sigusr1(signum: int, frame: object) -> None:
    pass


def install() -> None:
    try:
        signal.signal(signal.SIGUSR1, on_sigusr1)
    except BaseException as exc:
        outcome.append(exc)
    else:
        outcome.append(None)


thread = threading.Thread(target=install)
thread.start()
thread.join(5)
disposition = signal.getsignal(signal.SIGUSR1)
said = f"raised {outcome[0]!r}" if outcome and outcome[0] is not None else "returned"
print(f"{RUNTIME}: signal.signal(SIGUSR1, handler) in a threading.Thread {said}; SIGUSR1's disposition "
      f"is now {disposition!r}")
if outcome and outcome[0] is None:
    print("REPRODUCED: a thread installed a signal handler")
    sys.exit(0)
print("NOT REPRODUCED: the thread was refused")
sys.exit(1)
