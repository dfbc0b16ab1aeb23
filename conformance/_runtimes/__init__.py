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
    # What installs it: the requirements of its extra of this package (PEP 508, platform markers
    # included), the same strings as in pyproject.toml (tests/test_workflows.py keeps them in step).
    # None for the standard library. Where no requirement's marker holds, the runtime does not run.
    requirements: tuple[str, ...] = ()
    # The extra of this package that installs it, where that is not the runtime's own name.
    extra: str | None = None

    @property
    def install_hint(self) -> str:
        return f"pip install 'conformance[{self.extra or self.name}]'"

    @property
    def distribution(self) -> str | None:
        """The distribution on PyPI that provides it (its first requirement's), or None."""
        if not self.requirements:
            return None
        from packaging.requirements import Requirement

        return Requirement(self.requirements[0]).name

    @property
    def platform_marker(self) -> str | None:
        """Where it installs, as a PEP 508 marker (None: everywhere)."""
        # As written after the ';' (packaging would re-quote it), so that reasons read like the extra.
        markers = [r.partition(";")[2].strip() for r in self.requirements]
        if not markers or not all(markers):
            return None
        return " or ".join(markers)

    def family_module(self) -> Family:
        module: Family = importlib.import_module(f"conformance._runtimes._{self.family}")
        return module


RUNTIMES: dict[str, Runtime] = {
    r.name: r
    for r in (
        Runtime("threads", "sync", "threads",
                "blocking standard library and real OS threads: the reference semantics"),
        Runtime("gevent", "sync", "gevent",
                "the same sync code after gevent.monkey.patch_all()", requirements=("gevent>=23",)),
        Runtime("eventlet", "sync", "eventlet",
                "the same sync code after eventlet.monkey_patch()", requirements=("eventlet>=0.36",)),
        Runtime("asyncio", "asyncio", "asyncio",
                "the standard library's default event loop for the platform"),
        Runtime("uvloop", "asyncio", "asyncio", "asyncio on uvloop's libuv-based loop",
                requirements=("uvloop>=0.19; sys_platform != 'win32'",)),
        Runtime("winloop", "asyncio", "asyncio", "asyncio on winloop, uvloop's Windows port",
                requirements=("winloop>=0.1; sys_platform == 'win32'",)),
        Runtime("rloop", "asyncio", "asyncio", "asyncio on rloop's Rust event loop",
                requirements=("rloop>=0.1; sys_platform != 'win32'",)),
        Runtime("trio", "trio", "trio", "trio's structured concurrency", requirements=("trio>=0.25",)),
        # [tls]: pyOpenSSL and service_identity for the TLS scenarios. On Windows, Twisted's processes
        # (reactor.spawnProcess, twisted/internet/_dumbwin32proc.py) need pywin32, which Twisted only
        # lists in its heavy `windows-platform` extra: it is named here directly instead.
        Runtime("twisted", "twisted", "twisted",
                "async def bodies on Twisted's default reactor for the platform (epoll on Linux)",
                requirements=("twisted[tls]>=24.7", "pywin32>=304; sys_platform == 'win32'")),
        Runtime("twisted-asyncio", "twisted", "twisted",
                "the same Twisted bodies on AsyncioSelectorReactor over the standard library's loop",
                requirements=("twisted[tls]>=24.7", "pywin32>=304; sys_platform == 'win32'"),
                extra="twisted"),
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

    Given another platform's environment only the platform markers are decided: whether a package is
    installed there cannot be known from here, so the version is None. Here, every requirement that
    applies must be installed at a version it accepts, with the distributions of the extras it names
    (``twisted[tls]`` needs pyOpenSSL): a partial install is ``unavailable`` with what is missing, never
    a runtime's finding.
    """
    from packaging.requirements import Requirement

    here = environment is None
    env = dict(environment) if environment is not None else None
    requirements = [Requirement(r) for r in runtime.requirements]
    applicable = [r for r in requirements if r.marker is None or r.marker.evaluate(env)]
    if requirements and not applicable:
        platform = (environment or {}).get("sys_platform", sys.platform)
        return Availability(runtime.name, False, None,
                            f"{runtime.name} does not run on {platform} "
                            f"(it installs where {runtime.platform_marker})")
    if runtime.distribution is None:
        version = (environment or {}).get("python_full_version") if not here else sys.version.split()[0]
        return Availability(runtime.name, True, version, "")
    if not here:
        return Availability(runtime.name, True, None, "")
    for requirement in applicable:
        missing = _missing(requirement)
        if missing:
            failed = _install_failure(runtime.name)
            why = f"; {failed}" if failed else f": {runtime.install_hint}"
            return Availability(runtime.name, False, None, f"{missing}{why}")
    from importlib import metadata

    return Availability(runtime.name, True, metadata.version(runtime.distribution), "")


def _missing(requirement: Any, depth: int = 0) -> str | None:
    """What of ``requirement`` (a packaging Requirement) is not installed here, or None."""
    from importlib import metadata

    from packaging.requirements import Requirement

    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return f"{requirement.name} is not installed"
    if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
        return f"{requirement.name} {version} is installed, but the suite needs {requirement.specifier}"
    if depth:
        return None
    for extra in sorted(requirement.extras):
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            if needed.marker is None or not needed.marker.evaluate({"extra": extra}):
                continue
            if _missing(needed, depth + 1):
                return (f"{requirement.name} is installed without its [{extra}] extra "
                        f"({_missing(needed, depth + 1)})")
    return None


# Where tox's runtime envs record a failed install of the runtime (``python -m conformance._install``):
# the run document then gives pip's reason, not only "not installed".
INSTALL_RECORD_VARIABLE = "CONFORMANCE_INSTALL_RECORD"


def _install_failure(name: str) -> str | None:
    """Why the install of runtime ``name`` failed in this environment, if it was recorded."""
    import json
    import os

    path = os.environ.get(INSTALL_RECORD_VARIABLE)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f).get(name)
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(record, dict):
        return None
    return str(record.get("reason") or "") or None
