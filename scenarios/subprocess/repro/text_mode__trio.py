"""trio's subprocess API has no text mode: run_process(text=True, encoding=...) raises TypeError.

Reference: ``subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8")`` returns ``str``,
decoded as UTF-8 with ``\\r\\n`` turned into ``\\n``. trio documents that it "always uses unbuffered byte
streams for communicating with a process, so it does not support the encoding, errors,
universal_newlines (alias text), and bufsize options" (docs/source/reference-io.rst), and
``open_process`` refuses each with ``TypeError("trio.Process only supports communicating over unbuffered
byte streams; the 'text' option is not supported")`` (src/trio/_subprocess.py). Usage: python
text_mode__trio.py trio.
"""

import subprocess
import sys
from typing import Any

import trio

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "trio"  # the one runtime this script is about
CHILD = "import sys; sys.stdout.buffer.write(b'caf\\xc3\\xa9\\r\\n')"
COMMAND = (sys.executable, "-c", CHILD)
# text=True, encoding="utf-8" as the reference passes them (the type stubs say the call refuses them)
TEXT_MODE: dict[str, Any] = {"text": True, "encoding": "utf-8"}


async def main() -> str | None:
    try:
        with trio.fail_after(10):
            done = await trio.run_process(COMMAND, capture_stdout=True, **TEXT_MODE)
    except TypeError as exc:
        return f"TypeError({exc})"
    print(f"run_process(text=True, encoding='utf-8') gave {done.stdout!r}")
    text: object = done.stdout
    return None if text == "café\n" else f"no decoded text: {done.stdout!r}"


reference = subprocess.run(COMMAND, capture_output=True, text=True, encoding="utf-8", timeout=10).stdout
print(f"reference: subprocess.run(text=True, encoding='utf-8') gives {reference!r}")
refused = trio.run(main)
print(f"{RUNTIME}: trio {trio.__version__}: {refused}")
if refused:
    print(f"REPRODUCED: trio.run_process has no text mode: {refused}")
    sys.exit(0)
print("NOT REPRODUCED: trio runs the child in text mode")
sys.exit(1)
