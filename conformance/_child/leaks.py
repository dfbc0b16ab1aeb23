"""What an operation leaves behind: descriptors, OS threads and child processes, counted before and after.

A body takes ``before = ctx.resources()`` before the operation and, after it, ``await ctx.check_leaks(
before, "what was done", sleep)`` (``ctx.check_leaks_sync`` in sync bodies). The check gives the runtime a
bounded time to release what it releases late (a transport closed on the loop's next turn, a reaped
child), with the style's own sleep so that its scheduler keeps running, then records ``leaked_fds``,
``leaked_threads`` and ``leaked_children`` and fails the cell, naming what was left, if anything was.

Counted from the OS, not from Python's view (under gevent and eventlet ``threading`` counts greenlets):
descriptors from ``/proc/self/fd`` or ``/dev/fd``; OS threads from ``/proc/self/task`` (Linux); child
processes still alive or not yet reaped, whose parent is this process, from ``/proc`` (Linux) or ``ps``
(macOS). What a platform cannot count is left out of the check and said so in ``leak_check_omits``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# How long the runtime gets to release what it releases late, and how often the count is taken again.
SETTLE_S = 2.0
POLL_S = 0.05


@dataclass(frozen=True)
class Resources:
    """The counts of one moment; None where this platform cannot count that kind."""

    fds: int | None
    threads: int | None
    children: frozenset[int] | None

    def leaked_since(self, before: Resources) -> dict[str, int]:
        """What is held now that was not ``before`` (only kinds counted both times)."""
        leaked = {}
        if self.fds is not None and before.fds is not None:
            leaked["fds"] = max(0, self.fds - before.fds)
        if self.threads is not None and before.threads is not None:
            leaked["threads"] = max(0, self.threads - before.threads)
        if self.children is not None and before.children is not None:
            leaked["children"] = len(self.children - before.children)
        return leaked


def count() -> Resources:
    return Resources(fds=_fds(), threads=_threads(), children=_children())


def _fds() -> int | None:
    for folder in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(folder):
            return len(os.listdir(folder)) - 1  # listdir's own descriptor
    return None


def _threads() -> int | None:
    if os.path.isdir("/proc/self/task"):
        return len(os.listdir("/proc/self/task"))
    return None


def _children() -> frozenset[int] | None:
    """Processes whose parent is this one, running or exited and not yet reaped (zombies)."""
    me = os.getpid()
    if os.path.isdir("/proc/self"):
        found = set()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                    # "pid (comm) state ppid ...": comm may hold spaces and parentheses
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == me:
                found.add(int(name))
        return frozenset(found)
    if sys.platform == "darwin":
        try:
            ps = subprocess.Popen(["ps", "-A", "-o", "pid=,ppid="], stdout=subprocess.PIPE, text=True)
            listing, _ = ps.communicate(timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        pairs = (line.split() for line in listing.splitlines() if line.strip())
        # ps was a child of this process while it listed them: it is not what the operation left
        return frozenset(int(pid) for pid, ppid in pairs if int(ppid) == me and int(pid) != ps.pid)
    return None


def omitted(resources: Resources) -> list[str]:
    return [name for name, value in (("descriptors", resources.fds), ("threads", resources.threads),
                                      ("child processes", resources.children)) if value is None]


def describe(leaked: dict[str, int]) -> str:
    """``2 descriptors, 1 child process``: what was left, in words."""
    words = {"fds": ("descriptor", "descriptors"), "threads": ("OS thread", "OS threads"),
             "children": ("child process", "child processes")}
    return ", ".join(f"{n} {words[kind][n > 1]}" for kind, n in leaked.items() if n)


def _look(before: Resources, deadline: float) -> tuple[Resources, dict[str, int], bool]:
    """What is held now, what of it is new since ``before``, and whether to stop looking (nothing new,
    or the deadline passed)."""
    now = count()
    leaked = now.leaked_since(before)
    return now, leaked, not any(leaked.values()) or time.monotonic() >= deadline


def settle_sync(before: Resources, sleep: Callable[[float], object] = time.sleep,
                settle_s: float = SETTLE_S) -> tuple[Resources, dict[str, int]]:
    deadline = time.monotonic() + settle_s
    while not (look := _look(before, deadline))[2]:
        sleep(POLL_S)
    return look[0], look[1]


async def settle(before: Resources, sleep: Callable[[float], Awaitable[object]],
                 settle_s: float = SETTLE_S) -> tuple[Resources, dict[str, int]]:
    deadline = time.monotonic() + settle_s
    while not (look := _look(before, deadline))[2]:
        await sleep(POLL_S)
    return look[0], look[1]
