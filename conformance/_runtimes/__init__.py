"""The closed registry of runtimes: what each is, which style its scenario bodies are written in, and
whether it is available on a platform.

This module is imported by the child *before* the runtime is set up (gevent must patch before socket,
ssl, threading... are imported), so it imports nothing but light stdlib modules at the top.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

STYLES = ("sync", "asyncio", "trio", "twisted")


class UnknownRuntime(ValueError):
    """A runtime name that is not in the registry: a usage error, unlike an unavailable runtime."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown runtime {name!r}; the runtimes are: {', '.join(RUNTIMES)}")
        self.name = name


class RuntimeUnavailable(Exception):
    """The runtime is known but cannot be used here: not installed, not for this platform, fails to import."""


class Family(Protocol):
    """What a runtime family module provides to the child."""

    def setup(self, runtime: Runtime) -> str:
        """Install the runtime in this process (patch, import the loop); return its version."""

    def run(self, runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
        """Run ``body(ctx)`` to completion under the runtime, with the runtime's own heartbeat."""


@dataclass(frozen=True)
class Runtime:
    """A named way to run code."""

    name: str
    style: str
    family: str
    description: str
    # The distribution on PyPI that provides it (None for the standard library), the extra of this
    # package that installs it, and where it installs (a PEP 508 marker; None: everywhere).
    distribution: str | None = None
    marker: str | None = None
    # The extra of this package that installs it, where that is not the runtime's own name.
    extra: str | None = None

    @property
    def install_hint(self) -> str:
        return f"pip install 'conformance[{self.extra or self.name}]'"

    def family_module(self) -> Family:
        module: Family = importlib.import_module(f"conformance._runtimes._{self.family}")
        return module


RUNTIMES: dict[str, Runtime] = {
    r.name: r
    for r in (
        Runtime("threads", "sync", "threads",
                "blocking standard library and real OS threads: the reference semantics"),
        Runtime("gevent", "sync", "gevent",
                "the same sync code after gevent.monkey.patch_all()", distribution="gevent"),
        Runtime("eventlet", "sync", "eventlet",
                "the same sync code after eventlet.monkey_patch()", distribution="eventlet"),
        Runtime("asyncio", "asyncio", "asyncio",
                "the standard library's default event loop for the platform"),
        Runtime("uvloop", "asyncio", "asyncio", "asyncio on uvloop's libuv-based loop",
                distribution="uvloop", marker="sys_platform != 'win32'"),
        Runtime("winloop", "asyncio", "asyncio", "asyncio on winloop, uvloop's Windows port",
                distribution="winloop", marker="sys_platform == 'win32'"),
        Runtime("rloop", "asyncio", "asyncio", "asyncio on rloop's Rust event loop",
                distribution="rloop", marker="sys_platform != 'win32'"),
        Runtime("trio", "trio", "trio", "trio's structured concurrency", distribution="trio"),
        Runtime("twisted", "twisted", "twisted",
                "async def bodies on Twisted's default reactor for the platform (epoll on Linux)",
                distribution="twisted"),
        Runtime("twisted-asyncio", "twisted", "twisted",
                "the same Twisted bodies on AsyncioSelectorReactor over the standard library's loop",
                distribution="twisted", extra="twisted"),
    )
}


def get_runtime(name: str) -> Runtime:
    try:
        return RUNTIMES[name]
    except KeyError:
        raise UnknownRuntime(name) from None


@dataclass(frozen=True)
class Availability:
    runtime: str
    available: bool
    version: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"available": self.available, "version": self.version, "reason": self.reason}


def availability(runtime: Runtime, environment: Mapping[str, str] | None = None) -> Availability:
    """Whether ``runtime`` can run on the platform described by ``environment`` (PEP 508 marker
    variables; default: this interpreter), and its installed version.

    Given another platform's environment only the platform marker is decided: whether a package is
    installed there cannot be known from here, so the version is None.
    """
    from packaging.markers import Marker

    here = environment is None
    if runtime.marker is not None:
        env = dict(environment) if environment is not None else None
        if not Marker(runtime.marker).evaluate(env):
            platform = (environment or {}).get("sys_platform", sys.platform)
            return Availability(runtime.name, False, None,
                                f"{runtime.name} does not run on {platform} "
                                f"(it installs where {runtime.marker})")
    if runtime.distribution is None:
        version = (environment or {}).get("python_full_version") if not here else sys.version.split()[0]
        return Availability(runtime.name, True, version, "")
    if not here:
        return Availability(runtime.name, True, None, "")
    from importlib import metadata

    try:
        version = metadata.version(runtime.distribution)
    except metadata.PackageNotFoundError:
        return Availability(runtime.name, False, None,
                            f"{runtime.distribution} is not installed: {runtime.install_hint}")
    return Availability(runtime.name, True, version, "")
