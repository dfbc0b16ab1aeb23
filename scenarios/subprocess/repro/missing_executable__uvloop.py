"""uvloop: the FileNotFoundError for a missing program carries no filename.

Reference (POSIX): ``asyncio.create_subprocess_exec("no-such-program")`` on asyncio's own loop (through
``subprocess.Popen``) raises ``FileNotFoundError(ENOENT, 'No such file or directory',
'no-such-program')``: ``filename`` is the program as given, and the message names it (bpo-22536,
Python 3.7). uvloop spawns through libuv: when ``uv_spawn`` fails, ``UVProcess._init`` raises
``convert_error(err)`` (uvloop/handles/process.pyx), which builds the exception from the error code
alone (uvloop/errors.pyx): ``filename`` is None and the message is "[Errno 2] No such file or
directory". Usage: python missing_executable__uvloop.py uvloop (``... asyncio``: the filename is
set, NOT REPRODUCED).
"""

import asyncio
import importlib
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"
PROGRAM = "conformance-no-such-program-4a7c1e"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> BaseException | None:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    try:
        proc = await asyncio.create_subprocess_exec(PROGRAM, "--version")
    except OSError as exc:
        return exc
    await asyncio.wait_for(proc.wait(), 10)
    return None


loop = new_loop()
try:
    raised = loop.run_until_complete(main())
finally:
    loop.close()
if not isinstance(raised, FileNotFoundError):
    print(f"NOT REPRODUCED: the spawn of {PROGRAM} raised {raised!r}, not FileNotFoundError")
    sys.exit(1)
print(f"FileNotFoundError: errno {raised.errno}, filename {raised.filename!r}, message {str(raised)!r}")
if raised.filename is None:
    print("REPRODUCED: the FileNotFoundError for the missing program has no filename")
    sys.exit(0)
print("NOT REPRODUCED: the FileNotFoundError names the program")
sys.exit(1)
