"""uvloop's subprocess_exec refuses pipesize (ValueError: unexpected kwargs), which asyncio hands to Popen.

Reference (Linux): ``asyncio.create_subprocess_exec(..., pipesize=1 << 20)`` on asyncio's own loop
passes the keyword on to ``subprocess.Popen`` (asyncio documents that other keyword arguments go to
``Popen`` without interpretation), and the child's pipes hold 1 MiB. uvloop spawns through libuv, not
``Popen``: ``Loop.__subprocess_run`` takes a fixed set of keywords and raises ``ValueError('unexpected
kwargs: pipesize')`` for any other (uvloop/loop.pyx). Usage: python pipesize__uvloop.py uvloop
(``... asyncio``: the spawn succeeds, NOT REPRODUCED).
"""

import asyncio
import importlib
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
if not sys.platform.startswith("linux"):  # pipesize is applied on Linux only
    sys.exit("this reproducer runs on Linux only")


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> BaseException | None:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    try:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass",
                                                    stdin=asyncio.subprocess.PIPE, pipesize=1 << 20)
    except Exception as exc:
        return exc
    await asyncio.wait_for(proc.communicate(), 10)
    return None


loop = new_loop()
try:
    raised = loop.run_until_complete(main())
finally:
    loop.close()
print(f"create_subprocess_exec(..., pipesize={1 << 20}) raised {raised!r}")
if isinstance(raised, ValueError) and "pipesize" in str(raised):
    print("REPRODUCED: the spawn refuses the pipesize keyword")
    sys.exit(0)
print("NOT REPRODUCED: the spawn took pipesize")
sys.exit(1)
