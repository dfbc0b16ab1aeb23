"""trio.run_process defaults to check=True and stdin=b"": unlike subprocess.run, a failing status raises
and the child does not get the program's stdin.

Reference: ``subprocess.run(cmd, capture_output=True)`` on a child that exits with status 3 raises
nothing (``check=False``) and the child inherits the program's stdin (``stdin=None``). trio documents
that ``run_process`` "is intentionally similar to the standard library subprocess.run, but some of the
defaults are different": ``check=True`` and ``stdin=b""`` (its docstring, src/trio/_subprocess.py;
https://trio.readthedocs.io/en/v0.35.0/reference-io.html#trio.run_process). The script runs a child
that reports whether its stdin is the parent's (same st_dev/st_ino) and exits 3, with the defaults.
Usage: python run_defaults__trio.py trio.
"""

import os
import subprocess
import sys

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"
CHILD = ("import os, sys\n"
         "try:\n"
         "    st = os.fstat(0)\n"
         "except OSError:\n"
         "    print('closed')\n"
         "else:\n"
         "    print('inherited' if [st.st_dev, st.st_ino] == [int(a) for a in sys.argv[1:3]] else 'other')\n"
         "sys.exit(3)\n")


async def main() -> tuple[str, str]:
    st = os.fstat(0)
    command = [sys.executable, "-c", CHILD, str(st.st_dev), str(st.st_ino)]
    try:
        with trio.fail_after(10):
            done = await trio.run_process(command, capture_stdout=True, capture_stderr=True)
    except subprocess.CalledProcessError as exc:
        return f"CalledProcessError (status {exc.returncode})", exc.stdout.decode().strip()
    return f"nothing (status {done.returncode})", done.stdout.decode().strip()


print(f"{RUNTIME} {trio.__version__}")
with open(os.devnull, "rb") as stdin:  # a known stdin for the parent, whatever this script was given
    os.dup2(stdin.fileno(), 0)
raised, report = trio.run(main)
print(f"run_process with its defaults raised {raised}; the child's stdin: {report}")
if raised.startswith("CalledProcessError") and report == "other":
    print("REPRODUCED: run_process raises CalledProcessError for status 3 and gives the child a stdin of "
          "its own (check=True, stdin=b'' by default)")
    sys.exit(0)
print("NOT REPRODUCED: run_process behaved as subprocess.run does with its defaults")
sys.exit(1)
