"""The registry of runtimes: what each is, which style its scenario bodies are written in, and whether it
is available on a platform.

The built-in runtimes are listed here; an installed package adds its own through the entry point group
``conformance.runtimes`` (docs/adding-a-runtime.md), found the first time the parent needs the whole
list or a name that is not built in, and described exactly as the built-in ones are, plus the module of
its family.

This module is imported by the child *before* the runtime is set up (gevent must patch before socket,
ssl, threading... are imported), so it imports nothing but light stdlib modules at the top. The child
never looks for plugins: importlib.metadata imports zipfile and threading, which a runtime must be able
to patch first, so the parent hands the child the description of its runtime in the job
(:meth:`Runtime.to_json`).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pathlib is imported where it is used: the child imports this module first
    from pathlib import Path

STYLES = ("sync", "asyncio", "trio", "twisted")
# The runtime whose behaviour is the reference semantics: every other is compared with it (the table's
# agreement column, the bench's ratios).
REFERENCE = "threads"
# Environment variables with these prefixes configure a runtime (gevent's resolver and loop, eventlet's
# hub): a process that runs a runtime gets them from the runtime's description alone.
CONFIGURATION_PREFIXES = ("GEVENT_", "EVENTLET_")
# The entry point group through which an installed package adds runtimes.
ENTRY_POINT_GROUP = "conformance.runtimes"
# A runtime's name: it appears in cell ids (``sockets.tcp_echo[name]``), file names and markers.
_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")


class UnknownRuntime(ValueError):
    """A runtime name that is not in the registry: a usage error, unlike an unavailable runtime."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown runtime {name!r}; the runtimes are: {', '.join(RUNTIMES)}")
        self.name = name


class RuntimeUnavailable(Exception):
    """The runtime is known but cannot be used here: not installed, not for this platform, fails to import."""


class PluginError(Exception):
    """An installed package's ``conformance.runtimes`` entry point cannot be used: the message names the
    distribution and the entry point, and what is wrong with it."""


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
    # The module of its family (``setup(runtime) -> version`` and ``run(runtime, body, ctx)``), where it
    # is not this package's ``conformance._runtimes._<family>``: a runtime from another package names
    # its own.
    family_module_name: str | None = None
    # The installed distribution whose entry point added it (None: built in). Set by the registry.
    provider: str | None = None
    # A runtime from another package: its own expectations, a file in the form of
    # scenarios/expectations.toml inside one of its packages, as ``package:path/in/it.toml``
    # (``conformance_myloop:expectations.toml``). Its entries may name only that package's runtimes;
    # they are read with the suite's own, by every command (Expectations.of_suite).
    expectations: str | None = None
    # The asyncio family: the module whose loop it runs on (None: the standard library's loop).
    loop_module: str | None = None
    # The Twisted family: the reactor it installs ("default": the platform's default reactor,
    # "asyncio": AsyncioSelectorReactor over the standard library's loop).
    reactor: str | None = None
    # Environment variables the child starts with: a configuration its family reads at import, such as
    # gevent's GEVENT_RESOLVER and GEVENT_LOOP. The parent clears every other such variable, so a
    # configuration is only ever measured under a name of its own.
    environment: tuple[tuple[str, str], ...] = ()
    # The runtime it is a configuration of (gevent-ares: "gevent"): its reproducers run as that one,
    # with ``environment`` set, the way a user of the configuration runs them.
    configuration_of: str | None = None

    @property
    def is_reference(self) -> bool:
        """Whether it is the reference runtime (:data:`REFERENCE`)."""
        return self.name == REFERENCE

    @property
    def repro_name(self) -> str:
        """The runtime name a reproducer is given (``sys.argv[1]``) for this runtime."""
        return self.configuration_of or self.name

    def process_environment(self, inherited: Mapping[str, str]) -> dict[str, str]:
        """The environment of a process that runs code under this runtime: ``inherited`` without the
        variables that configure a runtime (GEVENT_RESOLVER, EVENTLET_HUB...), plus this runtime's
        own configuration, so that a configuration is only ever measured under its own name."""
        env = {k: v for k, v in inherited.items() if not k.startswith(CONFIGURATION_PREFIXES)}
        env.update(self.environment)
        return env

    @property
    def install_hint(self) -> str:
        if self.provider is not None:
            return f"pip install '{self.requirements[0] if self.requirements else self.provider}'"
        return f"pip install 'conformance[{self.extra or self.name}]'"

    @property
    def distribution(self) -> str | None:
        """The distribution that provides it (its first requirement's, else the plugin's own), or None
        for the standard library: its version is the runtime's version."""
        if not self.requirements:
            return self.provider
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
        module: Family = importlib.import_module(
            self.family_module_name or f"conformance._runtimes._{self.family}")
        return module

    def to_json(self) -> dict[str, Any]:
        """The description the parent hands the child in the job (plain JSON values)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**data, "requirements": list(self.requirements), "environment": dict(self.environment)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Runtime:
        return cls(**{**data, "requirements": tuple(data.get("requirements") or ()),
                      "environment": tuple((data.get("environment") or {}).items())})


BUILTIN_RUNTIMES: dict[str, Runtime] = {
    r.name: r
    for r in (
        Runtime("threads", "sync", "threads",
                "blocking standard library and real OS threads: the reference semantics"),
        Runtime("gevent", "sync", "gevent",
                "the same sync code after gevent.monkey.patch_all()", requirements=("gevent>=23",)),
        # gevent's configurations a user chooses (https://www.gevent.org/configuration.html): each
        # changes how names resolve or what the hub's loop is, so each is measured as a runtime.
        # GEVENT_RESOLVER=dnspython needs gevent's [dnspython] extra, which gevent supports only on
        # Pythons before 3.10: elsewhere the runtime is unavailable, with gevent's condition.
        Runtime("gevent-ares", "sync", "gevent",
                "gevent with its c-ares resolver (GEVENT_RESOLVER=ares)", requirements=("gevent>=23",),
                extra="gevent", environment=(("GEVENT_RESOLVER", "ares"),), configuration_of="gevent"),
        Runtime("gevent-dnspython", "sync", "gevent",
                "gevent with its dnspython resolver (GEVENT_RESOLVER=dnspython)",
                requirements=("gevent[dnspython]>=23",),
                environment=(("GEVENT_RESOLVER", "dnspython"),), configuration_of="gevent"),
        Runtime("gevent-libuv", "sync", "gevent",
                "gevent on its libuv loop (GEVENT_LOOP=libuv), the default on Windows",
                requirements=("gevent>=23",), extra="gevent", environment=(("GEVENT_LOOP", "libuv"),),
                configuration_of="gevent"),
        Runtime("eventlet", "sync", "eventlet",
                "the same sync code after eventlet.monkey_patch()", requirements=("eventlet>=0.36",)),
        Runtime("asyncio", "asyncio", "asyncio",
                "the standard library's default event loop for the platform"),
        Runtime("uvloop", "asyncio", "asyncio", "asyncio on uvloop's libuv-based loop",
                requirements=("uvloop>=0.19; sys_platform != 'win32'",), loop_module="uvloop"),
        Runtime("winloop", "asyncio", "asyncio", "asyncio on winloop, uvloop's Windows port",
                requirements=("winloop>=0.1; sys_platform == 'win32'",), loop_module="winloop"),
        Runtime("rloop", "asyncio", "asyncio", "asyncio on rloop's Rust event loop",
                requirements=("rloop>=0.1; sys_platform != 'win32'",), loop_module="rloop"),
        Runtime("trio", "trio", "trio", "trio's structured concurrency", requirements=("trio>=0.25",)),
        # [tls]: pyOpenSSL and service_identity for the TLS scenarios. On Windows, Twisted's processes
        # (reactor.spawnProcess, twisted/internet/_dumbwin32proc.py) need pywin32, which Twisted only
        # lists in its heavy `windows-platform` extra: it is named here directly instead.
        Runtime("twisted", "twisted", "twisted",
                "async def bodies on Twisted's default reactor for the platform (epoll on Linux)",
                requirements=("twisted[tls]>=24.7", "pywin32>=304; sys_platform == 'win32'"),
                reactor="default"),
        Runtime("twisted-asyncio", "twisted", "twisted",
                "the same Twisted bodies on AsyncioSelectorReactor over the standard library's loop",
                requirements=("twisted[tls]>=24.7", "pywin32>=304; sys_platform == 'win32'"),
                extra="twisted", reactor="asyncio"),
    )
}


class _Registry(Mapping[str, Runtime]):
    """The built-in runtimes, then those installed packages add.

    Entry points are read on first need, once: a built-in name is found without them, so the child
    (which only ever asks for its own runtime by its description) and the commands that name a built-in
    runtime never read the installed distributions' metadata for it.
    """

    def __init__(self, builtins: Mapping[str, Runtime]) -> None:
        self._builtins = dict(builtins)
        self._all: dict[str, Runtime] | None = None
        self._failure: PluginError | None = None

    def _loaded(self) -> dict[str, Runtime]:
        if self._failure is not None:
            raise self._failure
        if self._all is None:
            try:
                self._all = {**self._builtins, **discover_plugins(self._builtins)}
            except PluginError as exc:
                self._failure = exc
                raise
        return self._all

    def __getitem__(self, name: str) -> Runtime:
        if name in self._builtins:
            return self._builtins[name]
        return self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


# Every runtime: the built-in ones, then those of installed packages (a PluginError where one is broken).
RUNTIMES = _Registry(BUILTIN_RUNTIMES)


def get_runtime(name: str) -> Runtime:
    try:
        return RUNTIMES[name]
    except KeyError:
        raise UnknownRuntime(name) from None


def discover_plugins(builtins: Mapping[str, Runtime] = BUILTIN_RUNTIMES) -> dict[str, Runtime]:
    """The runtimes of the installed packages' ``conformance.runtimes`` entry points, by name.

    Each entry point names a :class:`Runtime`, or a callable returning one or a list of them. A runtime
    from a plugin must name its family's module (``family_module_name``), a known style, and a name of
    its own: neither a built-in one nor one another entry point already added. Anything else is a
    :class:`PluginError` naming the distribution and the entry point.
    """
    from importlib import metadata

    found: dict[str, Runtime] = {}
    where_found: dict[str, str] = {}
    for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP),
                              key=lambda e: (_distribution_name(e), e.name)):
        distribution = _distribution_name(entry_point)
        where = (f"the {ENTRY_POINT_GROUP} entry point {entry_point.name!r} "
                 f"({entry_point.value}) of the distribution {distribution}")
        for runtime in _load(entry_point, where):
            problem = _plugin_problem(runtime, builtins)
            if runtime.name in found:
                problem = f"the runtime name {runtime.name!r} is already added by {where_found[runtime.name]}"
            if problem:
                raise PluginError(f"{where}: {problem}")
            found[runtime.name] = replace(runtime, provider=distribution)
            where_found[runtime.name] = where
    return found


def _distribution_name(entry_point: Any) -> str:
    dist = getattr(entry_point, "dist", None)
    return str(dist.name) if dist is not None else "(unknown distribution)"


def _load(entry_point: Any, where: str) -> list[Any]:
    """What the entry point provides, as a list (a Runtime, or what its callable returns)."""
    try:
        provided = entry_point.load()
    except Exception as exc:
        raise PluginError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from None
    if isinstance(provided, Runtime):
        return [provided]
    if not callable(provided):
        raise PluginError(f"{where} names {provided!r}, which is neither a conformance Runtime nor a "
                          "callable returning a list of them")
    try:
        made = provided()
    except Exception as exc:
        raise PluginError(f"{where}: calling it raised {type(exc).__name__}: {exc}") from None
    items = [made] if isinstance(made, Runtime) else made
    if not isinstance(items, (list, tuple)) or not all(isinstance(r, Runtime) for r in items):
        raise PluginError(f"{where}: calling it returned {made!r}, not a list of conformance Runtimes")
    return list(items)


def _plugin_problem(runtime: Runtime, builtins: Mapping[str, Runtime]) -> str | None:
    if runtime.name in builtins:
        return f"the runtime name {runtime.name!r} is a built-in runtime's; choose another name"
    if not _NAME.match(runtime.name):
        return (f"the runtime name {runtime.name!r} is not lower case letters, digits, '-', '_' and '.', "
                "starting with a letter")
    if runtime.style not in STYLES:
        return f"runtime {runtime.name!r} has style {runtime.style!r}; the styles are: {', '.join(STYLES)}"
    if not runtime.family_module_name:
        return (f"runtime {runtime.name!r} names no family_module_name (the module with its setup() "
                "and run())")
    if runtime.expectations is not None and not _EXPECTATIONS_SPEC.match(runtime.expectations):
        return (f"runtime {runtime.name!r} has expectations={runtime.expectations!r}; it is a file inside "
                "one of the package's modules, as 'package:path/in/it.toml'")
    return None


# A plugin's expectations file: an importable package, then a path inside it.
_EXPECTATIONS_SPEC = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[^:]+\.toml$")


def plugin_expectation_files() -> dict[str, tuple[Path, tuple[str, ...]]]:
    """The expectations files the installed packages' runtimes name: for each (by its spec), the file
    and the runtimes of its distribution, which alone its entries may name. A file that cannot be found
    (or is not a file on disk: a package imported from a zip) is a :class:`PluginError`."""
    from importlib import resources
    from pathlib import Path

    files: dict[str, tuple[Path, tuple[str, ...]]] = {}
    plugins = [r for r in RUNTIMES.values() if r.provider is not None]
    for runtime in plugins:
        spec = runtime.expectations
        if spec is None or spec in files:
            continue
        package, _, path = spec.partition(":")
        try:
            file = resources.files(package).joinpath(path)
            found = file.is_file()
        except (ImportError, TypeError) as exc:  # TypeError: a module, not a package
            raise PluginError(f"runtime {runtime.name!r} (from {runtime.provider}): its expectations "
                              f"{spec!r} cannot be found: {type(exc).__name__}: {exc}") from None
        if not found:
            raise PluginError(f"runtime {runtime.name!r} (from {runtime.provider}): its expectations "
                              f"{spec!r} name no file of the package {package}")
        own = tuple(r.name for r in plugins if r.provider == runtime.provider)
        files[spec] = (Path(str(file)), own)
    return files


@dataclass(frozen=True)
class Availability:
    runtime: str
    available: bool
    version: str | None
    reason: str
    # The distribution whose entry point added the runtime (None: built in): a run document says
    # where a column that is not the suite's own came from.
    provider: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"available": self.available, "version": self.version, "reason": self.reason}
        return {**data, "provider": self.provider} if self.provider else data


def availability(runtime: Runtime, environment: Mapping[str, str] | None = None) -> Availability:
    """Whether ``runtime`` can run on the platform ``environment`` describes (:func:`_availability`),
    and the distribution that added it."""
    return replace(_availability(runtime, environment), provider=runtime.provider)


def _availability(runtime: Runtime, environment: Mapping[str, str] | None = None) -> Availability:
    """Whether ``runtime`` can run on the platform described by ``environment`` (PEP 508 marker
    variables; default: this interpreter), and its installed version.

    Given another platform's environment only the platform markers are decided: whether a package is
    installed there cannot be known from here, so the version is None. Here, every requirement that
    applies must be installed at a version it accepts, with the distributions of the extras it names
    (``twisted[tls]`` needs pyOpenSSL): a partial install is ``unavailable`` with what is missing, never
    a runtime's finding. An extra that installs nothing on this Python is the distribution saying it does
    not support that feature here (gevent's ``[dnspython]``): ``unavailable`` too, with its condition.
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
        unsupported = _unsupported_extra(requirement)
        if unsupported:
            return Availability(runtime.name, False, None, unsupported)
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


def _unsupported_extra(requirement: Any) -> str | None:
    """Why an extra that ``requirement`` names (a packaging Requirement) installs nothing here, or None.

    Its distribution lists the extra's requirements under conditions of its own; where none holds, it
    does not support the extra's feature on this interpreter (gevent 26.9.0's ``[dnspython]`` lists
    dnspython < 2.0 for Python < 3.10 alone: its docs say the resolver "is not compatible with Python
    3.10+ or dnspython 2").
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    try:
        listed = [Requirement(text) for text in metadata.requires(requirement.name) or []]
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return None  # said by _missing
    for extra in sorted(requirement.extras):
        marked = f'extra == "{extra}"'
        of_extra = [(r, r.marker) for r in listed if r.marker is not None and marked in str(r.marker)]
        if of_extra and not any(marker.evaluate({"extra": extra}) for _, marker in of_extra):
            conditions = sorted({str(marker).replace(f" and {marked}", "") for _, marker in of_extra})
            return (f"{requirement.name} {version} does not support its [{extra}] extra here: it installs "
                    f"{', '.join(f'{r.name}{r.specifier}' for r, _ in of_extra)} only where "
                    f"{' or '.join(conditions)}")
    return None


# Where tox's runtime envs record a failed install of the runtime (``python -m conformance._parent.install``):
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
