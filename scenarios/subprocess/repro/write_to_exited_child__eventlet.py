"""eventlet: writing to the stdin of a child that has exited never returns (a busy retry on EPIPE).

Reference: once ``Popen.wait()`` has returned for a child that exited without reading its stdin,
``proc.stdin.write(b"ping\\n"); proc.stdin.flush()`` raises ``BrokenPipeError`` at once. Under
``eventlet.monkey_patch()`` the child's stdin is a ``GreenFileIO`` whose ``write`` calls ``os.write``,
which is eventlet's green ``write`` (eventlet/green/os.py): it waits for the descriptor to be writable
(a pipe whose reader is gone polls as ready, with an error), calls the real ``os.write``, and on
``EPIPE`` (listed with ``EAGAIN`` as an error to retry) loops again, forever: the write neither raises
nor returns, and the greenlet spins through the hub. The script writes in a green thread and gives it
3 s. Usage: python write_to_exited_child__eventlet.py eventlet.
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
if sys.platform == "win32":  # the pipe and its EPIPE are POSIX here
    sys.exit("this reproducer runs on POSIX only")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import subprocess  # noqa: E402 - after monkey_patch, as an eventlet program imports it
import threading  # noqa: E402

print(f"{RUNTIME} {eventlet.__version__}")
proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(0)"], stdin=subprocess.PIPE)
assert proc.stdin is not None
stdin = proc.stdin
print(f"the child exited with {proc.wait(10)}; its stdin is a {type(stdin).__module__}."
      f"{type(stdin).__qualname__}")
outcome: list[str] = []


def write() -> None:
    try:
        stdin.write(b"ping\n")
        stdin.flush()
    except Exception as exc:
        outcome.append(f"raised {type(exc).__name__}: {exc}")
    else:
        outcome.append("returned")


writer = threading.Thread(target=write, daemon=True)
writer.start()
writer.join(3)
if writer.is_alive():
    print("REPRODUCED: the write to the exited child's stdin neither raised nor returned within 3 s "
          "(green os.write retries EPIPE forever)")
    sys.exit(0)
print(f"NOT REPRODUCED: the write {outcome[0]}")
sys.exit(1)
