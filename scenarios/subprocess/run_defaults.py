"""The one-call "run a program" API with its default arguments: no exception for a failing status, and
the child inherits stdin.

Reference semantics (measured): ``subprocess.run(cmd, capture_output=True)`` on a child that exits
with status 3 returns a ``CompletedProcess`` with ``returncode == 3`` and raises nothing (``check``
defaults to False), and the child's stdin is the program's own stdin (``stdin=None``: inherited; the
child here compares ``os.fstat(0)``'s device and inode with the parent's, passed in argv). Code ported
from ``subprocess.run`` to another runtime's equivalent keeps its arguments: where the defaults differ,
a tool that reports failure through its status now raises in the caller, and a child that reads its
stdin (a pager, a prompt, ``git`` asking for a password, a filter fed by the shell) now reads nothing.

The contract, the same for every style: the style's one-call API for "run a program and give me its
result", with its DEFAULT arguments except for capturing the output (``subprocess.run(cmd,
capture_output=True)``; asyncio: ``create_subprocess_exec(cmd, stdout=PIPE, stderr=PIPE)`` +
``communicate()``; trio: ``trio.run_process(cmd, capture_stdout=True, capture_stderr=True)``; Twisted:
``utils.getProcessOutputAndValue``) returns without raising, reports status 3, and the child's stdin is
the program's own. Each style spells only the call itself its own way; the bound on the wait
(``timeout=``, ``wait_for``, ``fail_after``, ``addTimeout``) and Twisted's ``env=os.environ`` (its
default environment is empty; the environment is subprocess.stderr_merged_env_cwd's concern) are the
only arguments added. A call that raises for the status is a failure of this contract, not an error.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conformance import Context, sibling_module

_communicate = sibling_module(__file__, "_communicate")

TIMEOUT_S = 15.0
WAIT_S = 5.0
STATUS = 3
CHILD = (
    "import os, sys\n"
    "try:\n"
    "    st = os.fstat(0)\n"
    "except OSError:\n"
    "    print('closed')\n"
    "else:\n"
    "    print('inherited' if [st.st_dev, st.st_ino] == [int(a) for a in sys.argv[1:3]] else 'other')\n"
    f"sys.exit({STATUS})\n"
)


def _command(ctx: Context) -> tuple[str, ...]:
    try:
        st = os.fstat(0)
    except OSError:
        raise ctx.skip("the cell's own stdin is closed: there is nothing for the child to inherit") from None
    return sys.executable, "-c", CHILD, str(st.st_dev), str(st.st_ino)


def _check(ctx: Context, raised: BaseException | None, returncode: int | None, stdout: bytes | None) -> None:
    """Every difference at once: a style whose defaults differ usually differs in more than one."""
    problems = []
    if raised is not None:
        problems.append(f"the call raised {type(raised).__module__}.{type(raised).__qualname__} for a child "
                        f"that exited with status {STATUS} (the reference raises nothing)")
    if returncode != STATUS:
        problems.append(f"the child's return code: expected {STATUS}, got {returncode!r}")
    report = (stdout or b"").strip()
    if report != b"inherited":
        problems.append(f"the child's stdin is not the program's own (the child's report: {report!r})")
    ctx.expect(not problems, "; ".join(problems))


def run_sync(ctx: Context) -> None:
    command = _command(ctx)
    try:
        done = subprocess.run(command, capture_output=True, timeout=WAIT_S)
    except subprocess.CalledProcessError as exc:
        _check(ctx, exc, exc.returncode, exc.stdout)
    else:
        _check(ctx, None, done.returncode, done.stdout)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    command = _command(ctx)
    proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
    stdout, _ = await _communicate.asyncio_communicate(proc, WAIT_S)
    _check(ctx, None, proc.returncode, stdout)


async def run_trio(ctx: Context) -> None:
    import trio

    command = _command(ctx)
    try:
        with trio.fail_after(WAIT_S):
            done = await trio.run_process(command, capture_stdout=True, capture_stderr=True)
    except subprocess.CalledProcessError as exc:
        _check(ctx, exc, exc.returncode, exc.stdout)
    else:
        _check(ctx, None, done.returncode, done.stdout)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import utils

    from conformance.support.net import within_twisted

    command = _command(ctx)
    try:
        stdout, _, returncode = await within_twisted(WAIT_S, utils.getProcessOutputAndValue(
            command[0], command[1:], env=os.environ))
    except Exception as exc:
        _check(ctx, exc, None, None)
    else:
        _check(ctx, None, returncode, stdout)
