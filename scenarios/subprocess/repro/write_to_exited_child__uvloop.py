"""uvloop: writing to the stdin of a child that has exited raises RuntimeError, not a connection error.

Reference: with asyncio's own loop, once ``Process.wait()`` has returned for a child that exited
without reading its stdin, ``proc.stdin.write(b"ping\\n")`` is accepted and ``await proc.stdin.drain()``
raises ``ConnectionResetError`` (a ``ConnectionError``, what ``Process.communicate()`` catches as "the
child closed its stdin"). uvloop closes the stdin transport as soon as it hears that the read end is
closed (``WriteUnixTransport.new`` calls ``_close_on_read_error``, uvloop/handles/pipe.pyx), and
``UVStream.write`` starts with ``_ensure_alive()`` (uvloop/handles/stream.pyx), which raises
``RuntimeError: unable to perform operation on <WriteUnixTransport closed=True ...>; the handler is
closed`` (uvloop/handles/handle.pyx): the first write raises, but with an error no code written for
asyncio catches (MagicStack/uvloop#506). Usage: python write_to_exited_child__uvloop.py uvloop
(``... asyncio`` gives ConnectionResetError from drain(): NOT REPRODUCED).
"""

import asyncio
import importlib
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "uvloop"


def new_loop() -> asyncio.AbstractEventLoop:
    if RUNTIME == "asyncio":
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = importlib.import_module(RUNTIME).new_event_loop()
    return loop


async def main() -> BaseException | None:
    loop = asyncio.get_running_loop()
    print(f"{RUNTIME}: {type(loop).__module__}.{type(loop).__qualname__}")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "import sys; sys.exit(0)",
                                                stdin=asyncio.subprocess.PIPE)
    assert proc.stdin is not None
    print(f"the child exited with {await asyncio.wait_for(proc.wait(), 10)}")
    try:
        proc.stdin.write(b"ping\n")
        await asyncio.wait_for(proc.stdin.drain(), 10)
    except Exception as exc:
        print(f"the first write + drain() raised {type(exc).__name__}: {exc}")
        return exc
    finally:
        proc.stdin.close()
    print("the first write + drain() raised nothing")
    return None


loop = new_loop()
try:
    raised = loop.run_until_complete(main())
finally:
    loop.close()
if isinstance(raised, RuntimeError) and "handler is closed" in str(raised):
    print("REPRODUCED: the first write to the exited child's stdin raises RuntimeError (the handler is "
          "closed), not BrokenPipeError or ConnectionResetError")
    sys.exit(0)
print(f"NOT REPRODUCED: the first write raised {raised!r}")
sys.exit(1)
