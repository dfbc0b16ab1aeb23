"""trio's run_process / open_process take pipesize (a "general subprocess option") and drop it.

Reference (Linux): ``subprocess.Popen(..., stdin=PIPE, stdout=PIPE, stderr=PIPE, pipesize=1 << 20)``
resizes each pipe it creates with ``fcntl(F_SETPIPE_SZ)``; the child reads 1048576 from
``F_GETPIPE_SZ`` on its stdin, stdout and stderr. trio types ``pipesize`` among the options it passes on
to ``Popen`` (``UnixProcessArgs3_10``, src/trio/_subprocess.py), but ``open_process`` makes the pipes
itself (``create_pipe_to_child_stdin`` / ``create_pipe_from_child_output``) and hands ``Popen`` their
descriptors, and ``Popen`` applies ``pipesize`` only to pipes it creates for ``PIPE``: the child gets
65536-byte pipes. Usage: python pipesize__trio.py trio.
"""

import sys

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
if not sys.platform.startswith("linux"):  # F_GETPIPE_SZ / F_SETPIPE_SZ are Linux's
    sys.exit("this reproducer runs on Linux only")
CHILD = ("import fcntl, sys\n"
         "sys.stdin.buffer.read()\n"
         "print(*(fcntl.fcntl(fd, 1032) for fd in (0, 1, 2)))\n")


async def main() -> list[int]:
    with trio.fail_after(10):
        done = await trio.run_process([sys.executable, "-c", CHILD], stdin=b"", capture_stdout=True,
                                      capture_stderr=True, pipesize=1 << 20)
    return [int(word) for word in done.stdout.split()]


print(f"{RUNTIME} {trio.__version__}")
sizes = trio.run(main)
print(f"pipesize={1 << 20}; the child's stdin, stdout and stderr pipes hold {sizes}")
if sizes and max(sizes) < 1 << 20:
    print("REPRODUCED: run_process accepted pipesize and the pipes kept their default size")
    sys.exit(0)
print("NOT REPRODUCED: the pipes were resized")
sys.exit(1)
