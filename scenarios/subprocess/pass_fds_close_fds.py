"""A child inherits exactly the descriptors it is given: pass_fds, close_fds, and nothing of the runtime.

Reference semantics (POSIX): the parent holds the write end of a pipe (not inheritable, as every
descriptor Python makes) and a descriptor it has made inheritable on purpose. A child started with
``pass_fds=(pipe,)`` and the default ``close_fds=True`` has exactly 0, 1, 2 and the pipe's descriptor,
under the same number, and can write through it; the inheritable descriptor is closed in the child,
and so is everything the runtime itself holds open (its epoll/kqueue, self-pipes, signal fds, pidfds).
Started with ``close_fds=False`` and no ``pass_fds``, the child has 0, 1, 2 and exactly the
descriptors the parent had marked inheritable when it spawned (the stray one, and whatever the parent
itself inherited that way; the parent lists them just before): ``close_fds=False`` hands on what is
marked inheritable, nothing more, and nothing a runtime opened for its own use. The child lists its
descriptors from ``/proc/self/fd`` (Linux) or ``/dev/fd`` (macOS, BSD), keeping those still open
after the listing. Handing a socket or a pipe to a helper (a privilege-separated worker, ``gpg
--status-fd``) needs ``pass_fds``; a leaked descriptor keeps a pipe or a socket open in a child that
should never have had it (a server whose port stays busy, a pipe that never reaches EOF).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from conformance import Context, sibling_module

_communicate = sibling_module(__file__, "_communicate")
_source = sibling_module(__file__, "_child_source")

if TYPE_CHECKING:
    from typing import TypedDict

    from typing_extensions import Unpack

    class _Inheritance(TypedDict, total=False):
        """What the asyncio and trio bodies vary between their two children."""

        pass_fds: tuple[int, ...]
        close_fds: bool


TIMEOUT_S = 20.0
WAIT_S = 10.0
NOT_APPLICABLE = {"win32": "pass_fds and the descriptor listing of /proc/self/fd or /dev/fd are POSIX"}
MESSAGE = b"through pass_fds"
CHILD = (
    "import json, os, sys\n"
    "folder = '/proc/self/fd' if os.path.isdir('/proc/self/fd') else '/dev/fd'\n"
    + _source.IS_OPEN
    + "fds = sorted(fd for fd in map(int, os.listdir(folder)) if is_open(fd))\n"
    "passed = int(sys.argv[1])\n"
    "if passed >= 0:\n"
    f"    os.write(passed, {MESSAGE!r})\n"
    "json.dump(fds, sys.stdout)\n"
)


def _inheritable_descriptors() -> list[int]:
    """The parent's descriptors above 2 that are marked inheritable (close_fds=False hands them on)."""
    folder = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    found = []
    for fd in map(int, os.listdir(folder)):
        try:
            if fd > 2 and os.get_inheritable(fd):
                found.append(fd)
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return sorted(found)


class _Descriptors:
    """The write end of a pipe to pass, its read end, and a stray descriptor made inheritable."""

    def __init__(self) -> None:
        self.read_end, self.passed = os.pipe()
        self.stray = os.open(os.devnull, os.O_RDONLY)
        os.set_inheritable(self.stray, True)
        self._open = [self.read_end, self.passed, self.stray]
        self.inheritable: list[int] = []

    def passed_command(self) -> tuple[str, ...]:
        return (sys.executable, "-c", CHILD, str(self.passed))

    def inherit_command(self) -> tuple[str, ...]:
        """The command for the close_fds=False child; notes which descriptors it should inherit."""
        self.inheritable = _inheritable_descriptors()
        return (sys.executable, "-c", CHILD, "-1")

    def received(self) -> bytes:
        """What the children wrote through the pipe (they have exited: it is all there already)."""
        if sys.platform == "win32":  # NOT_APPLICABLE on win32: the engine never runs this scenario there
            raise AssertionError("not applicable on win32")
        os.set_blocking(self.read_end, False)
        try:
            return os.read(self.read_end, 4096)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        for fd in self._open:
            os.close(fd)


def _expect_fds(ctx: Context, fds: _Descriptors, found: list[int], expected: list[int],
                how: str) -> None:
    if found == expected:
        return
    extra = ", ".join(f"{fd} (the stray inheritable descriptor)" if fd == fds.stray else str(fd)
                      for fd in found if fd not in expected)
    missing = ", ".join(str(fd) for fd in expected if fd not in found)
    ctx.expect(False, f"a child started with {how} has descriptors {found}, not {expected}"
                      + (f"; it should not have {extra}" if extra else "")
                      + (f"; it lacks {missing}" if missing else ""))


def _check(ctx: Context, fds: _Descriptors, with_pass_fds: tuple[bytes, int | None],
           with_close_fds_false: tuple[bytes, int | None]) -> None:
    for (_, returncode), what in ((with_pass_fds, "pass_fds=(pipe,)"),
                                  (with_close_fds_false, "close_fds=False")):
        ctx.expect_equal(returncode, 0, f"the return code of the child started with {what}")
    _expect_fds(ctx, fds, json.loads(with_pass_fds[0]), [0, 1, 2, fds.passed],
                f"pass_fds=({fds.passed},)")
    ctx.expect(fds.stray in fds.inheritable,
               f"the stray descriptor {fds.stray} is not inheritable in the parent any more")
    _expect_fds(ctx, fds, json.loads(with_close_fds_false[0]), [0, 1, 2, *fds.inheritable],
                "close_fds=False")
    ctx.expect_equal(fds.received(), MESSAGE, "what the child wrote through the passed descriptor")


def run_sync(ctx: Context) -> None:
    fds = _Descriptors()
    try:
        done = subprocess.run(fds.passed_command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              pass_fds=(fds.passed,), timeout=WAIT_S)
        with_pass_fds = (done.stdout, done.returncode)
        done = subprocess.run(fds.inherit_command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              close_fds=False, timeout=WAIT_S)
        _check(ctx, fds, with_pass_fds, (done.stdout, done.returncode))
    finally:
        fds.close()


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    async def run(command: tuple[str, ...], **options: Unpack[_Inheritance]) -> tuple[bytes, int | None]:
        proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, **options))
        stdout, _ = await _communicate.asyncio_communicate(proc, WAIT_S)
        return stdout, proc.returncode

    fds = _Descriptors()
    try:
        with_pass_fds = await run(fds.passed_command(), pass_fds=(fds.passed,))
        with_close_fds_false = await run(fds.inherit_command(), close_fds=False)
        _check(ctx, fds, with_pass_fds, with_close_fds_false)
    finally:
        fds.close()


async def run_trio(ctx: Context) -> None:
    if sys.platform == "win32":  # trio.run_process has no pass_fds there
        raise AssertionError("not applicable on win32")
    import trio

    async def run(command: tuple[str, ...], **options: Unpack[_Inheritance]) -> tuple[bytes, int | None]:
        with trio.fail_after(WAIT_S):
            done = await trio.run_process(command, stdin=subprocess.DEVNULL, capture_stdout=True,
                                          check=False, **options)
        return done.stdout, done.returncode

    fds = _Descriptors()
    try:
        with_pass_fds = await run(fds.passed_command(), pass_fds=(fds.passed,))
        with_close_fds_false = await run(fds.inherit_command(), close_fds=False)
        _check(ctx, fds, with_pass_fds, with_close_fds_false)
    finally:
        fds.close()


async def run_twisted(ctx: Context) -> None:
    import inspect

    from twisted.internet import reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_processes import spawn

    async def run(command: tuple[str, ...], **options: Any) -> tuple[bytes, int | None]:
        child = spawn(command, **options)
        try:
            stdout = await within_twisted(WAIT_S, child.read_to_eof())
            returncode = await within_twisted(WAIT_S, child.wait_ended())
        finally:
            child.kill()
        return stdout, returncode

    # close_fds=False: a keyword of spawnProcess that hands on every descriptor marked inheritable, as
    # subprocess's does. Twisted has none today: the child gets exactly the descriptors childFDs names
    # and Twisted closes every other one, inheritable or not ("Mapping File Descriptors" in the
    # process howto). Should one appear under either spelling, this body uses it.
    spawn_parameters = inspect.signature(reactor.spawnProcess).parameters
    close_fds = next((name for name in ("close_fds", "closeFDs") if name in spawn_parameters), None)
    fds = _Descriptors()
    try:
        # pass_fds is childFDs: the passed descriptor mapped to the same number, 0 to /dev/null, 1 to a
        # pipe, 2 inherited.
        devnull = os.open(os.devnull, os.O_RDONLY)
        try:
            with_pass_fds = await run(fds.passed_command(),
                                      childFDs={0: devnull, 1: "r", 2: 2, fds.passed: fds.passed})
            if close_fds is None:
                ctx.expect_equal(with_pass_fds[1], 0,
                                 "the return code of the child started with pass_fds=(pipe,)")
                _expect_fds(ctx, fds, json.loads(with_pass_fds[0]), [0, 1, 2, fds.passed],
                            f"pass_fds=({fds.passed},)")
                ctx.expect_equal(fds.received(), MESSAGE,
                                 "what the child wrote through the passed descriptor")
                raise NotImplementedError(
                    "close_fds=False: reactor.spawnProcess has no keyword that hands on the descriptors "
                    f"marked inheritable (probed close_fds and closeFDs among its parameters "
                    f"{sorted(spawn_parameters)}); the child gets exactly the descriptors childFDs "
                    "names (https://docs.twisted.org/en/stable/core/howto/process.html"
                    "#mapping-file-descriptors)")
            with_close_fds_false = await run(fds.inherit_command(), childFDs={0: devnull, 1: "r", 2: 2},
                                             **{close_fds: False})
        finally:
            os.close(devnull)
        _check(ctx, fds, with_pass_fds, with_close_fds_false)
    finally:
        fds.close()
