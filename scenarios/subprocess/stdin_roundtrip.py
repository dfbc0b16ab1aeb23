"""Talk to a child over its stdin and stdout, one line at a time, then close its stdin.

Reference semantics: a ``Popen`` with ``stdin=PIPE, stdout=PIPE`` on a child that answers each line it
reads with a line of its own (here: the number doubled) can be driven interactively: write a line,
flush, ``readline()`` the answer, 100 times; each answer arrives while the child is still running.
Closing stdin gives the child EOF: it writes a last line and exits with status 0, and the parent reads
that line and then EOF. This is how a program drives a co-process (a REPL, a language server, ``bc``):
writes must reach the child without waiting for a buffer to fill or the pipe to close, and EOF must be
delivered when the parent closes its end. trio has no ``readline``; its body splits lines itself out
of ``receive_some``.
"""

from __future__ import annotations

import subprocess
import sys
import threading

from conformance import Context

TIMEOUT_S = 20.0
WAIT_S = 10.0
EXCHANGES = 100
CHILD = (
    "import sys\n"
    "for line in sys.stdin.buffer:\n"
    "    sys.stdout.buffer.write(b'%d\\n' % (2 * int(line)))\n"
    "    sys.stdout.buffer.flush()\n"
    "sys.stdout.buffer.write(b'eof\\n')\n"
)
COMMAND = (sys.executable, "-c", CHILD)


def _check(ctx: Context, answers: list[bytes], tail: bytes, returncode: int | None) -> None:
    ctx.expect_equal(answers, [b"%d\n" % (2 * i) for i in range(EXCHANGES)], "the child's answers")
    ctx.expect_equal(tail, b"eof\n", "what the child wrote after its stdin was closed")
    ctx.expect_equal(returncode, 0, "the child's return code")


def run_sync(ctx: Context) -> None:
    with subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        # readline() has no timeout: a watchdog kills the child, which ends any read with EOF.
        watchdog = threading.Timer(WAIT_S, proc.kill)
        watchdog.start()
        try:
            answers = []
            for i in range(EXCHANGES):
                proc.stdin.write(b"%d\n" % i)
                proc.stdin.flush()
                answers.append(proc.stdout.readline())
            proc.stdin.close()
            tail = proc.stdout.read()
            returncode = proc.wait(WAIT_S)
        finally:
            watchdog.cancel()
            if proc.poll() is None:  # Popen's __exit__ waits without a bound
                proc.kill()
    _check(ctx, answers, tail, returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *COMMAND, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE))
    assert proc.stdin is not None and proc.stdout is not None

    async def converse() -> tuple[list[bytes], bytes, int]:
        assert proc.stdin is not None and proc.stdout is not None
        answers = []
        for i in range(EXCHANGES):
            proc.stdin.write(b"%d\n" % i)
            await proc.stdin.drain()
            answers.append(await proc.stdout.readline())
        proc.stdin.close()
        tail = await proc.stdout.read()
        return answers, tail, await proc.wait()

    try:
        answers, tail, returncode = await asyncio.wait_for(converse(), WAIT_S)
    finally:
        if proc.returncode is None:
            proc.kill()
    _check(ctx, answers, tail, returncode)


async def run_trio(ctx: Context) -> None:
    import functools

    import trio

    answers: list[bytes] = []
    with trio.fail_after(WAIT_S):
        async with trio.open_nursery() as nursery:
            proc = await nursery.start(functools.partial(
                trio.run_process, COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, check=False))
            buffered = bytearray()

            async def readline() -> bytes:
                while b"\n" not in buffered:
                    chunk = await proc.stdout.receive_some(65536)
                    if not chunk:
                        break
                    buffered.extend(chunk)
                end = buffered.find(b"\n") + 1 or len(buffered)
                line = bytes(buffered[:end])
                del buffered[:end]
                return line

            for i in range(EXCHANGES):
                await proc.stdin.send_all(b"%d\n" % i)
                answers.append(await readline())
            await proc.stdin.aclose()
            tail = bytearray()
            while line := await readline():
                tail.extend(line)
            returncode = await proc.wait()
    _check(ctx, answers, bytes(tail), returncode)


async def run_twisted(ctx: Context) -> None:
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    child = spawn(COMMAND, childFDs={0: "w", 1: "r", 2: 2})

    async def converse() -> tuple[list[bytes], bytes, int | None]:
        answers = []
        for i in range(EXCHANGES):
            child.transport.write(b"%d\n" % i)
            answers.append(await child.readline())
        child.transport.closeStdin()
        tail = await child.read_to_eof()
        return answers, tail, await child.wait_ended()

    try:
        answers, tail, returncode = await within_twisted(WAIT_S, converse())
    finally:
        child.kill()
    _check(ctx, answers, tail, returncode)
