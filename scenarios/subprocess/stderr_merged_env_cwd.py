"""stderr merged into stdout, and an explicit environment and working directory for the child.

Reference semantics: ``subprocess.run(..., stdout=PIPE, stderr=STDOUT, env=env, cwd=folder)`` gives the
child one pipe for both streams, so what it writes to stdout and stderr (each write flushed) comes back
interleaved in the order it was written; the child's environment is exactly ``env`` (a variable set
only in the parent's ``os.environ`` is absent, a variable of ``env`` is present with its exact value,
non-ASCII included) and its working directory is ``folder``. Logging a tool's combined output, running
it with a controlled environment (a locale, a token, no proxy) and in a given folder are among the
commonest uses of ``subprocess``; a runtime that drops an option runs the child somewhere else, with
the wrong secrets, silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conformance import Context, sibling_module

_communicate = sibling_module(__file__, "_communicate")

TIMEOUT_S = 20.0
WAIT_S = 10.0
PROBE = "probe value = 1 \u00fc"
CHILD = (
    "import json, os, sys\n"
    "out, err = sys.stdout.buffer, sys.stderr.buffer\n"
    "for stream, line in ((out, b'out 1'), (err, b'err 1'), (out, b'out 2'), (err, b'err 2')):\n"
    "    stream.write(line + b'\\n')\n"
    "    stream.flush()\n"
    "json.dump({'probe': os.environ.get('CONFORMANCE_PROBE'),\n"
    "           'parent_only': os.environ.get('CONFORMANCE_PARENT_ONLY'),\n"
    "           'cwd': os.getcwd()}, sys.stdout)\n"
)
COMMAND = (sys.executable, "-c", CHILD)
LINES = [b"out 1", b"err 1", b"out 2", b"err 2"]


def _env() -> dict[str, str]:
    """The parent's environment with one variable more, and one that only the parent has left out."""
    os.environ["CONFORMANCE_PARENT_ONLY"] = "must not reach the child"
    env = {k: v for k, v in os.environ.items() if k != "CONFORMANCE_PARENT_ONLY"}
    env["CONFORMANCE_PROBE"] = PROBE
    return env


def _check(ctx: Context, output: bytes, returncode: int | None) -> None:
    ctx.expect_equal(returncode, 0, "the child's return code")
    *lines, last = output.split(b"\n")
    ctx.expect_equal([line.rstrip(b"\r") for line in lines], LINES,
                     "stdout and stderr lines, in the order written")
    report = json.loads(last)
    ctx.expect_equal(report["probe"], PROBE, "the variable passed in env")
    ctx.expect_equal(report["parent_only"], None, "a variable of the parent's os.environ left out of env")
    ctx.expect(os.path.samefile(report["cwd"], ctx.tmpdir),
               f"the child ran in {report['cwd']!r}, not in cwd={str(ctx.tmpdir)!r}")


def run_sync(ctx: Context) -> None:
    done = subprocess.run(COMMAND, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env(),
                          cwd=ctx.tmpdir, timeout=WAIT_S)
    _check(ctx, done.stdout, done.returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *COMMAND, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=_env(),
        cwd=ctx.tmpdir))
    stdout, stderr = await _communicate.asyncio_communicate(proc, WAIT_S)
    ctx.expect_equal(stderr, None, "stderr of a child whose stderr is merged into stdout")
    _check(ctx, stdout, proc.returncode)


async def run_trio(ctx: Context) -> None:
    import trio

    with trio.fail_after(WAIT_S):
        done = await trio.run_process(COMMAND, capture_stdout=True, stderr=subprocess.STDOUT, env=_env(),
                                      cwd=ctx.tmpdir, check=False)
    _check(ctx, done.stdout, done.returncode)


async def run_twisted(ctx: Context) -> None:
    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn
    from conformance.support.twisted_streams import read_pipe_to_eof

    # One pipe for both streams, as stderr=STDOUT gives: the parent makes it and childFDs maps the
    # child's 1 and 2 to its write end (Twisted's own "r" pipes are one per descriptor).
    read_end, write_end = os.pipe()
    try:
        child = spawn(COMMAND, childFDs={0: 0, 1: write_end, 2: write_end}, env=_env(),
                      path=str(ctx.tmpdir))
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    # the reader owns the read end from here, and closes it at EOF
    reading = read_pipe_to_eof(open(read_end, "rb", buffering=0), WAIT_S)  # noqa: SIM115
    try:
        output = await reading
        returncode = await within_twisted(WAIT_S, child.wait_ended())
    finally:
        child.kill()
    _check(ctx, output, returncode)
