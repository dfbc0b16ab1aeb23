"""rloop forwards text= and encoding= to subprocess.Popen instead of refusing them as asyncio does.

Reference: asyncio refuses ``create_subprocess_exec(..., text=True, encoding="utf-8")`` with
``ValueError("text must be False")`` before anything is spawned (its subprocess API has no text mode).
rloop's ``subprocess_exec`` checks only ``universal_newlines`` and ``bufsize`` (rloop/loop.py) and hands
every other keyword to ``subprocess.Popen`` together with ``universal_newlines=False``
(rloop/subprocess.py): with ``text=True`` Popen raises ``SubprocessError("Cannot disambiguate when both
text and universal_newlines are supplied but different...")``, and ``encoding="utf-8"`` alone is
accepted and ignored: the output comes back as bytes, undecoded. Usage: python text_mode__rloop.py rloop
(``asyncio`` refuses both with ValueError: NOT REPRODUCED).
"""

import asyncio
import importlib
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "rloop"
CHILD = "import sys; sys.stdout.buffer.write(b'caf\\xc3\\xa9\\r\\n')"
COMMAND = (sys.executable, "-c", CHILD)


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def attempt(**options: object) -> str:
    try:
        proc = await asyncio.wait_for(asyncio.create_subprocess_exec(
            *COMMAND, stdout=asyncio.subprocess.PIPE, **options), 10)  # type: ignore[arg-type]
    except Exception as exc:
        return f"raised {type(exc).__module__}.{type(exc).__qualname__}({exc})"
    stdout, _ = await asyncio.wait_for(proc.communicate(), 10)
    return f"gave {stdout!r}"


async def main() -> dict[str, str]:
    return {"text=True, encoding='utf-8'": await attempt(text=True, encoding="utf-8"),
            "encoding='utf-8'": await attempt(encoding="utf-8")}


loop = new_loop()
try:
    results = loop.run_until_complete(main())
finally:
    loop.close()
for options, what in results.items():
    print(f"{RUNTIME}: create_subprocess_exec({options}) {what}")
if results["text=True, encoding='utf-8'"].startswith("raised subprocess.SubprocessError") \
        and results["encoding='utf-8'"].startswith("gave b"):
    print("REPRODUCED: text=True fails inside subprocess.Popen (SubprocessError, not asyncio's ValueError), "
          "and encoding= alone is ignored (bytes come back)")
    sys.exit(0)
print("NOT REPRODUCED: the loop refuses text mode as asyncio does, or decodes")
sys.exit(1)
