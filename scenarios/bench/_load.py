"""Shared by the bench scenarios: driving the load generator from a body, and reading memory use.

The load generator (``python -m conformance._helpers.loadgen``) is a separate process, the same for every
runtime; a body starts it for each load of its scenario's ``loads()`` while its own server runs, waits
for it with its style's own sleep (so the server keeps serving), and records the figures it wrote as
``<load name>_<figure>`` (``1kib_c10_req_per_s``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from conformance import Context

POLL_S = 0.02
LOAD_TIMEOUT_S = 60.0


class _Running:
    def __init__(self, ctx: Context, load: Mapping[str, Any], port: int) -> None:
        self.ctx = ctx
        self.load = load
        self.result = ctx.tmpdir / f"load-{load['name']}.json"
        self.errors = ctx.tmpdir / f"load-{load['name']}.stderr"
        with open(self.errors, "wb") as errors:
            self.process = subprocess.Popen(
                ctx.bench.load_command(load, "127.0.0.1", port, self.result, server_pid=os.getpid()),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors)
        self.deadline = time.monotonic() + LOAD_TIMEOUT_S

    def running(self) -> bool:
        if self.process.poll() is not None:
            return False
        if time.monotonic() > self.deadline:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"load {self.load['name']}: the load generator ran past "
                                 f"{LOAD_TIMEOUT_S:g} s")
        return True

    def record(self) -> None:
        errors = self.errors.read_text(errors="replace").strip()
        self.ctx.expect(self.process.returncode == 0,
                        f"load {self.load['name']}: the load generator exited with "
                        f"{self.process.returncode}: {errors[-500:]}")
        for figure, value in json.loads(self.result.read_text()).items():
            self.ctx.measure(f"{self.load['name']}_{figure}", value)


def run_sync(ctx: Context, port: int, loads: Sequence[dict[str, Any]]) -> None:
    for load in ctx.bench.chosen(loads):
        running = _Running(ctx, load, port)
        while running.running():
            time.sleep(POLL_S)
        running.record()


async def run_asyncio(ctx: Context, port: int, loads: Sequence[dict[str, Any]]) -> None:
    import asyncio

    for load in ctx.bench.chosen(loads):
        running = _Running(ctx, load, port)
        while running.running():
            await asyncio.sleep(POLL_S)
        running.record()


async def run_trio(ctx: Context, port: int, loads: Sequence[dict[str, Any]]) -> None:
    import trio

    for load in ctx.bench.chosen(loads):
        running = _Running(ctx, load, port)
        while running.running():
            await trio.sleep(POLL_S)
        running.record()


async def run_twisted(ctx: Context, port: int, loads: Sequence[dict[str, Any]]) -> None:
    from twisted.internet import reactor, task

    for load in ctx.bench.chosen(loads):
        running = _Running(ctx, load, port)
        while running.running():
            await task.deferLater(reactor, POLL_S)
        running.record()


def idle_clients(ctx: Context, port: int, count: int) -> subprocess.Popen[bytes]:
    """The load generator holding ``count`` connections open until its stdin is closed (or the
    engine ends the cell's process group)."""
    cpus = ["--cpus", ",".join(map(str, ctx.bench.client_cpus))] if ctx.bench.client_cpus else []
    return subprocess.Popen([sys.executable, "-m", "conformance._helpers.loadgen", "idle",
                             "--port", str(port),
                             "--clients", str(count), *cpus],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)


def rss_kib() -> float | None:
    """This process's resident memory in KiB (Linux: /proc/self/statm), or None where it cannot be
    read: then memory figures are left out rather than guessed."""
    try:
        with open("/proc/self/statm") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    if sys.platform == "win32":  # never here (Windows has no /proc), and it has no os.sysconf
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 1024


def wait_for(condition: Any, timeout_s: float, what: str) -> None:
    """Used by the sync bodies only: poll ``condition()`` with ``time.sleep``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s:g} s")
        time.sleep(POLL_S)


def raise_file_limit(needed: int) -> int:
    """Raise this process's open-file limit towards ``needed``; return how many files it allows."""
    if sys.platform == "win32":  # no such limit to raise (Windows has no resource module)
        return needed
    try:
        import resource
    except ImportError:  # a POSIX Python without it: nothing to raise either
        return needed
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return needed if soft == resource.RLIM_INFINITY else soft

