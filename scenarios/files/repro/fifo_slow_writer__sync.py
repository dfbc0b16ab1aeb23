"""gevent and eventlet: reading a named FIFO opened with open() holds the hub while the writer is slow.

Reference: a process opens a FIFO by its path with ``open(path, "rb")`` (which waits for a writer) and
reads it to EOF; the writer, another process, sends 5 chunks of 1 KiB 300 ms apart. Both waits sleep in
the kernel, so every other thread keeps running. Neither gevent nor eventlet patches the builtin
``open()``: the FIFO is a plain ``io.FileIO`` whose open and reads block the hub for the whole 1.2 s
(gevent's cooperative wrapper is ``gevent.fileobject.FileObjectPosix``, eventlet's green file objects
come from ``os.fdopen``/``GreenPipe``: neither is what unchanged code calls). The script reads the FIFO
while a heartbeat thread ticks every 5 ms and compares the heartbeat's longest gap with the read.
POSIX only. Usage: python fifo_slow_writer__sync.py gevent|eventlet (``threads``: NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import os  # noqa: E402 - after the patch, as a patched program imports them
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

assert sys.platform != "win32", "Windows has no named FIFOs"
TICK_S = 0.005
WRITER = ("import os, sys, time\n"
          "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
          "for i in range(5):\n"
          "    time.sleep(0.3 if i else 0)\n"
          "    os.write(fd, bytes([65 + i]) * 1024)\n"
          "os.close(fd)\n")
gaps: list[float] = []
stop = threading.Event()


def heartbeat() -> None:
    last = time.perf_counter()
    while not stop.is_set():
        time.sleep(TICK_S)
        now = time.perf_counter()
        gaps.append(now - last - TICK_S)
        last = now


with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "fifo")
    os.mkfifo(path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, path])
    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    time.sleep(0.05)  # the heartbeat is ticking
    gaps.clear()
    started = time.perf_counter()
    received = b""
    with open(path, "rb", buffering=0) as fifo:  # a writer exists: the open does not wait for ever
        while chunk := fifo.read(65536):
            received += chunk
    read_s = time.perf_counter() - started
    time.sleep(0.02)  # the heartbeat's next tick records the gap the read made
    stop.set()
    beat.join(2)
    writer.wait(timeout=5)
longest = max(gaps, default=0.0)
print(f"{RUNTIME}: read {len(received)} bytes from the FIFO in {read_s * 1000:.0f} ms; the heartbeat's "
      f"longest gap meanwhile: {longest * 1000:.0f} ms")
if longest >= 0.5 * read_s:
    print("REPRODUCED: the FIFO's open and reads held the scheduler while the writer was slow")
    sys.exit(0)
print("NOT REPRODUCED: the heartbeat kept ticking while the FIFO was read")
sys.exit(1)
