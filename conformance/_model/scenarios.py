"""Finding and loading scenarios: ``scenarios/<area>/<name>.py`` files, loaded by path.

A scenario module has a docstring (first line: the title; then the reference semantics and why a user
cares), one body per style (``run_sync``, ``run_asyncio``, ``run_trio``, ``run_twisted``; a runtime
whose style has no body is a harness error) and optional settings. A *program scenario* has instead one
whole program per style (``program_sync``... : the program's main, which calls the style's entry point
itself) and a ``judge(program, verdict)`` that states the contract from how the program ended
(``conformance._model.programs``); it takes no PEERS. The settings:

- ``PEERS``: names of peer services (:data:`PEER_SERVICES`, served by ``conformance._helpers.peers``) the
  parent starts for the cell;
- ``SERVERS``: names of database servers (:data:`SERVER_NAMES`: PostgreSQL, MariaDB, Redis from the
  system's packages) the scenario talks to; each is started once per run, on the first cell that needs it
  (``conformance._parent.servers``), and where one cannot start its cells are ``skipped`` with the reason;
- ``CONFIGURATIONS``: ``False`` where a runtime's configurations (gevent's resolvers and loops:
  ``gevent-ares``...) cannot change what the scenario measures: their cells are ``skipped``, naming the
  runtime whose column answers for them (default ``True``: every runtime runs it);
- ``TIMEOUT_S``: the cell's deadline (default 30 s);
- ``STALL_LIMIT_MS``: the largest scheduler stall that still counts as ``pass`` (default 100 ms);
- ``RELATIVE_STALL_LIMIT``: ``(measurement, fraction)``, for an operation whose length depends on the
  host (a disk's speed): the limit is then ``fraction`` of the figure the body measured as
  ``measurement`` (the operation's own duration, in ms) instead of ``STALL_LIMIT_MS``, so that a runtime
  that holds its scheduler for the whole operation is told from one that does not on any host;
- ``NOT_APPLICABLE``: ``{sys_platform: reason}`` for platforms that lack the feature for every runtime;
- ``ISOLATED_RESOLVER``: run the child where the system resolver asks the ``dns_stub`` peer and nothing
  else (on Linux: a private mount namespace whose /etc/resolv.conf names the stub); where that cannot
  be arranged the cell is ``skipped``, so such a scenario never sends a query off this machine;
- ``DOCUMENTED_MISTAKE``: the scenario shows a mistake the runtimes document (a blocking call on the
  scheduler's thread), with the documented remedy, in one sentence: its cells are shown (which runtimes
  block is the difference that matters) but kept out of the pass score;
- ``PLOTS``: ``{measurement: what}`` (or ``{measurement: (what, unit)}``, or ``(what, unit, better)``),
  the figures of this scenario the report draws as a plot, one bar per runtime and OS: a name the body
  reports with ``ctx.measure``, or the cell's own ``max_stall_ms`` or ``duration_s``; ``what`` labels
  the axis ("time for all lookups"); the unit comes from the name's suffix (``_ms``, ``_s``, ``_us``,
  ``_kib``, ``_per_s``) unless given, and ``better`` is ``"lower"`` (``"higher"`` for ``_per_s``)
  unless given.

Modules import only the standard library and the ``conformance`` facade at the top; a style's library
(asyncio, trio, Twisted) and ``conformance.support`` are imported inside its body, so that loading a
scenario never imports another runtime into the child (tests/scenarios/test_scenario_rules.py checks it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from conformance._model.bench import UNITS, higher_is_better, unit_of
from conformance._runtimes import STYLES

# The peer services a scenario may name in PEERS, each served by conformance._helpers.peers.
PEER_SERVICES = ("tcp_echo", "tcp6_echo", "unix_echo", "udp_echo", "tls_echo", "starttls", "digest",
                 "silent", "reset", "slow_echo", "dns_stub", "http")

# The database servers a scenario may name in SERVERS (conformance._helpers.servers runs them).
SERVER_NAMES = ("postgresql", "mariadb", "redis")

AREAS = ("sockets", "subprocess", "files", "dns", "signals", "libraries", "bench")
# `conformance run` and pytest run these; `conformance bench` runs the bench area alone.
CONFORMANCE_AREAS = ("sockets", "subprocess", "files", "dns", "signals", "libraries")
BENCH_AREAS = ("bench",)
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_STALL_LIMIT_MS = 100.0
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ScenarioError(ValueError):
    """A scenario file or folder is not what the suite expects; the message names the file."""


@dataclass(frozen=True)
class PlottedMeasurement:
    """A figure of a scenario that the report draws (``PLOTS``): one bar per runtime and OS."""

    measurement: str  # a name the body reports with ctx.measure, or "max_stall_ms" / "duration_s"
    what: str         # what the value is, for the axis: "time for all lookups"
    unit: str         # "ms"
    better: str = "lower"  # or "higher"

    def to_json(self) -> dict[str, str]:
        return {"measurement": self.measurement, "what": self.what, "unit": self.unit, "better": self.better}


@dataclass(frozen=True)
class Scenario:
    id: str
    path: Path
    title: str
    description: str
    styles: tuple[str, ...]
    peers: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S
    stall_limit_ms: float = DEFAULT_STALL_LIMIT_MS
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    isolated_resolver: bool = False
    # (measurement, fraction): the stall limit is that fraction of the body's measurement (ms).
    relative_stall_limit: tuple[str, float] | None = None
    # The documented mistake the scenario shows, and its remedy ("" for an ordinary scenario).
    documented_mistake: str = ""
    # The figures the report plots (PLOTS), in the order the module gives them.
    plots: tuple[PlottedMeasurement, ...] = ()
    # A program scenario: whole programs (program_<style>) judged from outside by its judge().
    program: bool = False
    # Database servers (SERVER_NAMES) started once per run and shared by its cells.
    servers: tuple[str, ...] = ()
    # False: a runtime's configurations (gevent-ares...) are not run; their base's column answers.
    configurations: bool = True

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    def not_applicable_reason(self, sys_platform: str) -> str | None:
        return self.not_applicable.get(sys_platform)


def default_scenarios_dir() -> Path:
    """The ``scenarios/`` folder: $CONFORMANCE_SCENARIOS; else, installed from a wheel, the package's own
    copy (``conformance/_scenarios``: pyproject.toml maps the folder there); else, run from a checkout
    or an editable install, the one beside the package source."""
    configured = os.environ.get("CONFORMANCE_SCENARIOS")
    if configured:
        return Path(configured)
    package = Path(__file__).resolve().parents[1]
    installed = package / "_scenarios"
    if installed.is_dir():
        return installed
    return package.parent / "scenarios"


def discover(root: Path | None = None, areas: Iterable[str] = AREAS) -> list[Scenario]:
    """The scenarios of ``areas`` under ``root`` (default: every area), in a stable order."""
    root = Path(root) if root is not None else default_scenarios_dir()
    areas = tuple(areas)
    if not root.is_dir():
        raise ScenarioError(f"no scenarios folder at {root}: pass --scenarios DIR or set "
                            "CONFORMANCE_SCENARIOS")
    scenarios = []
    for area_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if area_dir.name not in AREAS:
            raise ScenarioError(f"{area_dir}: unknown area {area_dir.name!r}; the areas are: "
                                f"{', '.join(AREAS)}")
        if area_dir.name not in areas:
            continue
        for path in sorted(area_dir.glob("*.py")):
            if not path.name.startswith("_"):
                scenarios.append(load_scenario(path))
    return scenarios


def module_name(path: Path) -> str:
    """A module name of its own for each scenario file: two folders may hold the same area/name."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    return f"conformance_scenario_{path.parent.name}_{path.stem}_{digest}"


def import_scenario_module(path: Path) -> ModuleType:
    name = module_name(path)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ScenarioError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ScenarioError(f"{path}: importing it raised {type(exc).__name__}: {exc}") from exc
    return module


def sibling_module(scenario_file: str, name: str) -> ModuleType:
    """A helper module of an area (``scenarios/files/_sqlite_lock.py``) for the scenarios beside it.

    Scenario folders are not packages (an area may share a name with a standard-library module), so
    ``import`` cannot find a sibling; this loads it by path, once. Helper names start with ``_`` so
    discovery does not take them for scenarios, and, like scenarios, they import only the standard
    library at the top.
    """
    if not name.startswith("_"):
        raise ScenarioError(f"helper module {name!r}: helper names start with '_'")
    return import_scenario_module(Path(scenario_file).resolve().with_name(f"{name}.py"))


def load_scenario(path: Path) -> Scenario:
    path = Path(path).resolve()
    area, name = path.parent.name, path.stem
    if not _NAME.match(name):
        raise ScenarioError(f"{path}: a scenario file name is lower_snake_case")
    module = import_scenario_module(path)
    doc = (module.__doc__ or "").strip()
    if not doc:
        raise ScenarioError(f"{path}: a scenario needs a docstring (title, then reference semantics)")
    title, _, description = doc.partition("\n")
    styles = tuple(s for s in STYLES if callable(getattr(module, f"run_{s}", None)))
    programs = tuple(s for s in STYLES if callable(getattr(module, f"program_{s}", None)))
    if styles and programs:
        raise ScenarioError(f"{path}: both bodies (run_...) and programs (program_...): a scenario is "
                            "one or the other")
    if not styles and not programs:
        raise ScenarioError(f"{path}: no body; define one of "
                            f"{', '.join('run_' + s for s in STYLES)} (or, for a program scenario, "
                            f"{', '.join('program_' + s for s in STYLES)} and judge)")
    if programs:
        if not callable(getattr(module, "judge", None)):
            raise ScenarioError(f"{path}: a program scenario needs judge(program, verdict), which states "
                                "its contract from how the program ended")
        if getattr(module, "PEERS", ()) or getattr(module, "ISOLATED_RESOLVER", False):
            raise ScenarioError(f"{path}: a program scenario takes no PEERS or ISOLATED_RESOLVER")

    peers = tuple(getattr(module, "PEERS", ()))
    unknown = [p for p in peers if p not in PEER_SERVICES]
    if unknown:
        raise ScenarioError(f"{path}: unknown peer service(s) {', '.join(unknown)}; the services "
                            f"are: {', '.join(PEER_SERVICES)}")
    servers = tuple(getattr(module, "SERVERS", ()))
    unknown = [s for s in servers if s not in SERVER_NAMES]
    if unknown:
        raise ScenarioError(f"{path}: unknown server(s) {', '.join(unknown)}; the servers are: "
                            f"{', '.join(SERVER_NAMES)}")
    if servers and programs:
        raise ScenarioError(f"{path}: a program scenario takes no SERVERS")
    configurations = getattr(module, "CONFIGURATIONS", True)
    if not isinstance(configurations, bool):
        raise ScenarioError(f"{path}: CONFIGURATIONS is True or False, not {configurations!r}")
    not_applicable = dict(getattr(module, "NOT_APPLICABLE", {}))
    if getattr(module, "ISOLATED_RESOLVER", False) and "dns_stub" not in peers:
        raise ScenarioError(f"{path}: ISOLATED_RESOLVER needs the dns_stub peer in PEERS")
    mistake = getattr(module, "DOCUMENTED_MISTAKE", "")
    if not isinstance(mistake, str) or (hasattr(module, "DOCUMENTED_MISTAKE") and not mistake.strip()):
        raise ScenarioError(f"{path}: DOCUMENTED_MISTAKE is the mistake and its documented remedy, as "
                            f"a non-empty string, not {mistake!r}")
    return Scenario(
        id=f"{area}.{name}",
        path=path,
        title=title.strip().rstrip("."),
        description=" ".join(description.split()),
        styles=styles or programs,
        peers=peers,
        timeout_s=float(getattr(module, "TIMEOUT_S", DEFAULT_TIMEOUT_S)),
        stall_limit_ms=float(getattr(module, "STALL_LIMIT_MS", DEFAULT_STALL_LIMIT_MS)),
        not_applicable=not_applicable,
        isolated_resolver=bool(getattr(module, "ISOLATED_RESOLVER", False)),
        relative_stall_limit=relative_stall_limit(module, path),
        documented_mistake=" ".join(mistake.split()),
        plots=plots_setting(module, path),
        program=bool(programs),
        servers=servers,
        configurations=configurations,
    )


def relative_stall_limit(module: ModuleType, path: Path | None = None) -> tuple[str, float] | None:
    """A scenario's ``RELATIVE_STALL_LIMIT`` (``(measurement, fraction)``), checked, or None."""
    setting = getattr(module, "RELATIVE_STALL_LIMIT", None)
    if setting is None:
        return None
    if not (isinstance(setting, tuple) and len(setting) == 2 and isinstance(setting[0], str)
            and isinstance(setting[1], (int, float)) and 0 < setting[1] <= 1):
        raise ScenarioError(f"{path or module.__name__}: RELATIVE_STALL_LIMIT is (measurement name, "
                            f"fraction of it between 0 and 1), such as ('read_ms', 0.25), not {setting!r}")
    return setting[0], float(setting[1])


# What PLOTS accepts, said in every error about it.
_PLOTS_FORMS = ("PLOTS is {measurement: what} or {measurement: (what, unit)} or "
                "{measurement: (what, unit, 'lower' or 'higher')}, such as {'elapsed_ms': 'time for all "
                "lookups'}")


def plots_setting(module: ModuleType, path: Path | None = None) -> tuple[PlottedMeasurement, ...]:
    """A scenario's ``PLOTS``, checked: the figures the report plots (none where it has no PLOTS)."""
    setting = getattr(module, "PLOTS", None)
    if setting is None:
        return ()
    where = path or module.__name__
    if not isinstance(setting, dict) or not setting:
        raise ScenarioError(f"{where}: {_PLOTS_FORMS}; not {setting!r}")
    plots = []
    for measurement, value in setting.items():
        if not isinstance(measurement, str) or not _NAME.match(measurement):
            raise ScenarioError(f"{where}: PLOTS: {measurement!r} is not a measurement name "
                                f"(lower_snake_case, as the body passes it to ctx.measure); {_PLOTS_FORMS}")
        parts = (value,) if isinstance(value, str) else value
        if not isinstance(parts, tuple) or not 1 <= len(parts) <= 3 \
                or not all(isinstance(part, str) and part.strip() for part in parts):
            raise ScenarioError(f"{where}: PLOTS[{measurement!r}]: {_PLOTS_FORMS}, each a non-empty "
                                f"string; not {value!r}")
        what = " ".join(parts[0].split())
        unit = parts[1].strip() if len(parts) > 1 else unit_of(measurement)
        if not unit:
            raise ScenarioError(f"{where}: PLOTS[{measurement!r}]: the name has no unit suffix "
                                f"({', '.join(UNITS)}): give the unit, ({what!r}, 'unit')")
        default = "higher" if higher_is_better(measurement) else "lower"
        better = parts[2].strip() if len(parts) > 2 else default
        if better not in ("lower", "higher"):
            raise ScenarioError(f"{where}: PLOTS[{measurement!r}]: better is 'lower' or 'higher', "
                                f"not {better!r}")
        plots.append(PlottedMeasurement(measurement, what, unit, better))
    return tuple(plots)


def body_of(module: ModuleType, style: str) -> Callable[..., Any]:
    body: Callable[..., Any] = getattr(module, f"run_{style}")
    return body


def program_of(module: ModuleType, style: str) -> Callable[..., Any]:
    program: Callable[..., Any] = getattr(module, f"program_{style}")
    return program


def select(scenarios: Iterable[Scenario], keyword: str | None) -> list[Scenario]:
    """Scenarios whose id matches a pytest ``-k`` expression (``"dns or signals"``, ``"tcp and not tls"``)."""
    scenarios = list(scenarios)
    if not keyword:
        return scenarios
    return [s for s in scenarios if keyword_matches(keyword, [s.id, s.area, *s.id.split(".")])]


def keyword_matches(keyword: str, names: Iterable[str]) -> bool:
    """pytest's -k semantics without pytest: each word matches as a case-insensitive substring of any
    of ``names``; words combine with ``and``, ``or``, ``not`` and parentheses."""
    lowered = [n.lower() for n in names]
    tokens = re.findall(r"\(|\)|[^\s()]+", keyword)
    position = 0

    def fail(what: str) -> ScenarioError:
        return ScenarioError(f"bad -k expression {keyword!r}: {what}; write words joined by "
                             "'and', 'or', 'not' and parentheses")

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise fail("it ends too early")
        position += 1
        return token

    def parse_or() -> bool:
        value = parse_and()
        while peek() == "or":
            take()
            value = parse_and() or value
        return value

    def parse_and() -> bool:
        value = parse_not()
        while peek() == "and":
            take()
            value = parse_not() and value
        return value

    def parse_not() -> bool:
        if peek() == "not":
            take()
            return not parse_not()
        token = take()
        if token == "(":
            value = parse_or()
            if take() != ")":
                raise fail("a '(' is not closed")
            return value
        if token in (")", "and", "or"):
            raise fail(f"unexpected {token!r}")
        return any(token.lower() in n for n in lowered)

    if not tokens:
        return True
    result = parse_or()
    if peek() is not None:
        raise fail(f"unexpected {peek()!r}")
    return result
