"""uvloop: with the parent's descriptors 0, 1 and 2 closed, a child's stdin never reaches end-of-file
and closing the loop aborts the process.

Reference: with 0, 1 and 2 closed (a detached daemon), ``asyncio.create_subprocess_exec(...,
stdin=PIPE, stdout=PIPE, stderr=PIPE)`` and ``communicate(line)`` give the child the line and then
end-of-file, and return its output and status; the loop then closes. Under uvloop the parent's end of
the child's stdin socketpair lands on descriptor 1, and libuv's ``uv__stream_close`` never closes a
descriptor at or below 2 ("Don't close stdio file descriptors", src/unix/stream.c), so the child
never sees end-of-file and ``communicate`` times out. The loop's first stream also reserves a spare
descriptor (``emfile_fd``, ``/dev/null``), which lands on 2; ``uv_loop_close`` closes it with
``uv__close``, whose ``assert(fd > STDERR_FILENO)`` aborts the process (SIGABRT; libuv issue #4558).
Usage: python spawn_stdio_closed__uvloop.py uvloop (``... asyncio``: NOT REPRODUCED). The loop is closed
in a child process of this script, so that the abort can be seen.
"""

import asyncio
import importlib
import os
import signal
import subprocess
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
CHILD = ("import sys\n"
         "line = sys.stdin.buffer.read()\n"
         "sys.stdout.buffer.write(b'out:' + line)\n"
         "sys.stderr.buffer.write(b'err:' + line)\n"
         "sys.exit(3)\n")
LINE = b"hello daemon\n"


async def attempt() -> str:
    for fd in (0, 1, 2):  # in the running loop, as a daemon that detaches once it is up
        os.close(fd)
    pipe = asyncio.subprocess.PIPE
    proc = await asyncio.create_subprocess_exec(sys.executable, "-S", "-c", CHILD, stdin=pipe, stdout=pipe,
                                                stderr=pipe)
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(LINE), 5)
    except asyncio.TimeoutError:
        return "TIMEOUT"
    finally:
        if proc.returncode is None:
            proc.kill()
    return f"{stdout!r} {stderr!r} {proc.returncode}"


def daemon() -> None:
    """The part that runs with 0, 1, 2 closed; it reports on a descriptor of its own."""
    report = int(sys.argv[3])
    if RUNTIME == "asyncio":
        loop = asyncio.new_event_loop()
    else:
        loop = importlib.import_module(RUNTIME).new_event_loop()
    try:
        result = loop.run_until_complete(attempt())
    except Exception as exc:
        result = repr(exc)
    os.write(report, f"{result}\n".encode())
    loop.close()
    os.write(report, b"closed\n")


if len(sys.argv) > 2 and sys.argv[2] == "--daemon":
    daemon()
    sys.exit(0)

read_end, write_end = os.pipe()
proc = subprocess.Popen([sys.executable, __file__, RUNTIME, "--daemon", str(write_end)],
                        pass_fds=(write_end,), stderr=subprocess.DEVNULL)
os.close(write_end)
with os.fdopen(read_end, "rb") as report:
    lines = report.read().decode().splitlines()
status = proc.wait(30)
print(f"{RUNTIME}: with 0, 1 and 2 closed the exchange gave {lines[:1]}, then {lines[1:] or 'nothing'}; "
      f"the process's status is {status}")
hung = lines[:1] == ["TIMEOUT"]
aborted = status == -signal.SIGABRT
if hung or aborted:
    print(f"REPRODUCED: {'the child never saw end-of-file on its stdin; ' if hung else ''}"
          f"{'closing the loop aborted the process (SIGABRT)' if aborted else ''}")
    sys.exit(0)
print("NOT REPRODUCED: the child answered and the loop closed")
sys.exit(1)
