"""asyncio's subprocess API has no text mode: text=True and encoding= are refused with ValueError.

Reference: ``subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8")`` returns ``str``,
decoded as UTF-8 with ``\\r\\n`` turned into ``\\n``. asyncio documents that its subprocess API "does not
support decoding the streams as text" and that ``text``, ``encoding`` and ``errors`` must not be
passed: ``BaseEventLoop.subprocess_exec`` raises ``ValueError("text must be False")``
(Lib/asyncio/base_events.py); uvloop's ``Loop.subprocess_exec`` refuses every keyword it does not know
with ``ValueError("unexpected kwargs: text, encoding")`` (uvloop/loop.pyx). Usage: python
text_mode__asyncio.py asyncio|uvloop.
"""

import asyncio
import importlib
import subprocess
import sys
from typing import Any

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
CHILD = "import sys; sys.stdout.buffer.write(b'caf\\xc3\\xa9\\r\\n')"
COMMAND = (sys.executable, "-c", CHILD)
# text=True, encoding="utf-8" as the reference passes them (the type stubs say the call refuses them)
TEXT_MODE: dict[str, Any] = {"text": True, "encoding": "utf-8"}


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> str | None:
    """The refusal, or None if the loop ran the child in text mode."""
    try:
        proc = await asyncio.wait_for(asyncio.create_subprocess_exec(
            *COMMAND, stdout=asyncio.subprocess.PIPE, **TEXT_MODE), 10)
    except ValueError as exc:
        return f"ValueError({exc})"
    stdout, _ = await asyncio.wait_for(proc.communicate(), 10)
    print(f"create_subprocess_exec(text=True, encoding='utf-8') gave {stdout!r}")
    text: object = stdout
    return None if text == "café\n" else f"no decoded text: {stdout!r}"


reference = subprocess.run(COMMAND, capture_output=True, text=True, encoding="utf-8", timeout=10).stdout
print(f"reference: subprocess.run(text=True, encoding='utf-8') gives {reference!r}")
loop = new_loop()
try:
    refused = loop.run_until_complete(main())
finally:
    loop.close()
print(f"{RUNTIME} ({type(loop).__module__}.{type(loop).__qualname__}): {refused}")
if refused:
    print(f"REPRODUCED: asyncio.create_subprocess_exec under {RUNTIME} has no text mode: {refused}")
    sys.exit(0)
print(f"NOT REPRODUCED: {RUNTIME} runs the child in text mode")
sys.exit(1)
