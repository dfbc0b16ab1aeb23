"""Run a child in text mode: its output comes back decoded, with universal newlines.

Reference semantics: ``subprocess.run([sys.executable, "-c", ...], capture_output=True, text=True,
encoding="utf-8")`` returns ``str`` for stdout and stderr: the child's bytes decoded as UTF-8 (the
encoding asked for, not the locale's) and every ``\\r\\n`` and lone ``\\r`` turned into ``\\n``
(``subprocess`` decodes the whole output, then translates the newlines). The child writes its output in
pieces, with a flush and a short pause between them, so that a multi-byte character (``é``, ``€``) and a
``\\r\\n`` are each split across two reads, and then 156 KiB of ``"é\\r\\n"`` lines (more than a pipe holds):
a runtime that decodes each read on its own garbles the split character or turns the split ``\\r\\n``
into two newlines. Porting code that runs a tool and parses its output as text (``text=True`` is how
most code calls ``subprocess.run``) needs to know whether the style decodes for it, and does so exactly
as ``subprocess`` does.

The contract, the same for every style: the style's API for running a child and capturing its output,
asked for text mode with ``encoding="utf-8"``, returns the reference's ``str`` for stdout and stderr, and
the child's exit status (3). The API, and how text mode is asked for: ``subprocess.run(text=True,
encoding="utf-8")`` (sync; under gevent and eventlet their ``subprocess``),
``asyncio.create_subprocess_exec(..., text=True, encoding="utf-8")`` + ``communicate()`` (asyncio),
``trio.run_process(..., text=True, encoding="utf-8")`` (trio) and, for Twisted, an ``encoding`` parameter
of ``twisted.internet.utils.getProcessOutputAndValue`` (probed with ``inspect.signature``). A style whose
API refuses text mode (asyncio documents ``ValueError`` for ``text``, ``encoding`` and ``errors``; trio
raises ``TypeError`` "the 'text' option is not supported") or has no parameter for it is
``unsupported``: the refusal is raised when the child is spawned, before it runs. Decoding the bytes by
hand (``bytes.decode``, then ``str.replace``) is the user's remedy there, not the style's API, and is
not tried.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from typing import Any

from conformance import Context, sibling_module

_communicate = sibling_module(__file__, "_communicate")

TIMEOUT_S = 15.0
WAIT_S = 10.0
ENCODING = "utf-8"
# How text mode is asked for, as the reference asks: passed as keywords to each style's call, whose type
# stubs (typeshed's asyncio, trio's) say they refuse them.
TEXT_MODE: dict[str, Any] = {"text": True, "encoding": ENCODING}
# Pieces the child writes with a flush and a pause between them: "é" (c3 a9) and "€" (e2 82 ac) are
# split between two pieces, so is one "\r\n"; a lone "\r" (old Mac line end) ends a line too.
SPLIT = (b"caf\xc3", b"\xa9 na\xc3\xafve\r", b"\ncost \xe2\x82", b"\xac 5\rold mac\r\n")
LINES = 40_000  # then this many "é\r\n" lines (156 KiB) in one write, and b"end"
PIECES = (*SPLIT, ("\u00e9\r\n" * LINES).encode(), b"end")
STDERR = b"r\xc3\xa9sum\xc3\xa9\r\n"
CHILD = (
    "import sys, time\n"
    f"for piece in {SPLIT!r} + (((chr(0xe9) + chr(13) + chr(10)) * {LINES}).encode(), b'end'):\n"
    "    sys.stdout.buffer.write(piece)\n"
    "    sys.stdout.buffer.flush()\n"
    "    time.sleep(0.03)\n"
    f"sys.stderr.buffer.write({STDERR!r})\n"
    "sys.exit(3)\n"
)
COMMAND = (sys.executable, "-c", CHILD)


def _text(data: bytes) -> str:
    """What ``subprocess`` makes of ``data`` in text mode (Lib/subprocess.py, ``_translate_newlines``)."""
    return data.decode(ENCODING).replace("\r\n", "\n").replace("\r", "\n")


def _check(ctx: Context, stdout: object, stderr: object, returncode: int | None) -> None:
    for name, got, written in (("stdout", stdout, b"".join(PIECES)), ("stderr", stderr, STDERR)):
        ctx.expect(isinstance(got, str), f"the child's {name} in text mode is a {type(got).__name__}, "
                                         f"not a str: {got!r:.80}")
        assert isinstance(got, str)
        expected = _text(written)
        if got != expected:
            at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                      min(len(got), len(expected)))
            start = max(0, at - 10)
            raise AssertionError(
                f"the child's {name} in text mode differs from the reference's at character {at} "
                f"(got {len(got)} characters, expected {len(expected)}): got {got[start:at + 20]!r}, "
                f"expected {expected[start:at + 20]!r}")
    ctx.expect_equal(returncode, 3, "the child's return code")


def run_sync(ctx: Context) -> None:
    done = subprocess.run(COMMAND, capture_output=True, timeout=WAIT_S, **TEXT_MODE)
    _check(ctx, done.stdout, done.stderr, done.returncode)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    from conformance.support.net import within_asyncio

    try:
        proc = await within_asyncio(WAIT_S, asyncio.create_subprocess_exec(
            *COMMAND, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, **TEXT_MODE))
    except ValueError as exc:  # asyncio's documented refusal, raised before the child is spawned
        raise NotImplementedError(
            f"asyncio.create_subprocess_exec refuses text mode (text=True, encoding={ENCODING!r}): "
            f"ValueError({exc})") from exc
    stdout, stderr = await _communicate.asyncio_communicate(proc, WAIT_S)
    _check(ctx, stdout, stderr, proc.returncode)


async def run_trio(ctx: Context) -> None:
    import trio

    try:
        with trio.fail_after(WAIT_S):
            done = await trio.run_process(COMMAND, capture_stdout=True, capture_stderr=True, check=False,
                                          **TEXT_MODE)
    except TypeError as exc:  # trio's refusal of an option it does not support, before the spawn
        raise NotImplementedError(
            f"trio.run_process refuses text mode (text=True, encoding={ENCODING!r}): TypeError({exc})"
        ) from exc
    _check(ctx, done.stdout, done.stderr, done.returncode)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import utils

    from conformance.support.net import within_twisted

    # Twisted's call that runs a child and captures its output; a ProcessProtocol gets bytes
    # (childDataReceived(childFD, data: bytes)). Should it grow an encoding parameter, it is used.
    if "encoding" not in inspect.signature(utils.getProcessOutputAndValue).parameters:
        raise NotImplementedError(
            "Twisted has no text mode for a child's output: twisted.internet.utils.getProcessOutputAndValue "
            "has no encoding parameter and ProcessProtocol.childDataReceived gets bytes "
            "(https://docs.twisted.org/en/stable/api/twisted.internet.protocol.ProcessProtocol.html)")
    stdout, stderr, returncode = await within_twisted(WAIT_S, utils.getProcessOutputAndValue(
        COMMAND[0], COMMAND[1:], env=os.environ, **{"encoding": ENCODING}))
    _check(ctx, stdout, stderr, returncode)
