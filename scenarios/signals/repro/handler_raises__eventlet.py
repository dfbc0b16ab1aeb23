"""Under eventlet, a signal handler's exception is lost when the signal lands in a hub timer callback.

Reference: Python runs a ``signal.signal`` handler in the main thread, and its exception is raised
there, at the point the main thread was executing: a program that sleeps in ``time.sleep`` gets the
handler's ``RuntimeError`` out of the sleep. Under eventlet the main thread runs the hub, and with it
the hub's timer callbacks (``Hub.fire_timers``); when the signal arrives while one runs, the handler's
exception is raised inside that callback, and ``fire_timers`` hands every exception of a timer to
``squelch_timer_exception``, which at most prints it: the program's sleep goes on to its end and never
sees the exception.

Whether the signal lands in a timer callback is a race (the conformance cell loses it in some runs):
this script makes it land there every time by keeping a timer callback busy (a 20 ms spin, scheduled
again at once), sends itself SIGUSR1 0.3 s in from a child process, and sleeps at most 2 s.
POSIX only. Usage: python handler_raises__eventlet.py eventlet (``threads``: the standard library
alone, the spin in a thread: the RuntimeError comes out of the sleep, NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
if RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()
    import eventlet.hubs

import os  # noqa: E402 (after the monkey patch)
import signal  # noqa: E402 (after the monkey patch)
import subprocess  # noqa: E402 (after the monkey patch)
import threading  # noqa: E402 (after the monkey patch)
import time  # noqa: E402 (after the monkey patch)

assert sys.platform != "win32", "POSIX signals: Windows has no SIGUSR1"
stop = time.monotonic() + 2.5


def spin() -> None:
    end = time.perf_counter() + 0.02
    while time.perf_counter() < end:
        pass
    if time.monotonic() < stop:
        schedule()


def schedule() -> None:
    if RUNTIME == "eventlet":
        eventlet.hubs.get_hub().schedule_call_global(0, spin)  # runs in the hub, as a timer callback
    else:
        threading.Thread(target=spin, daemon=True).start()


def on_sigusr1(signum: int, frame: object) -> None:
    raise RuntimeError("raised by the SIGUSR1 handler")


signal.signal(signal.SIGUSR1, on_sigusr1)
schedule()
sender = subprocess.Popen(["sh", "-c", f"sleep 0.3; kill -USR1 {os.getpid()}"])
started = time.monotonic()
try:
    time.sleep(2.0)
    got = f"nothing: the sleep ran to its end ({time.monotonic() - started:.2f} s)"
except RuntimeError as exc:
    got = f"RuntimeError({str(exc)!r}) out of the sleep after {time.monotonic() - started:.2f} s"
sender.wait(timeout=5)
print(f"{RUNTIME}: SIGUSR1 sent while the busy callback ran; the main thread's time.sleep gave {got}")
if got.startswith("nothing"):
    print("REPRODUCED: the handler's exception was raised in a hub timer callback and squelched")
    sys.exit(0)
print("NOT REPRODUCED: the handler's exception came out of the sleep")
sys.exit(1)
