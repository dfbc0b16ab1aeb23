"""The dns cells off Linux: the system resolver's configuration for one cell's zone on macOS and Windows
(conformance._os.system_resolver), how the runner holds it for the length of a cell, and the canary every
dns body starts with (scenarios/dns/_canary.py).

This machine cannot run macOS's or Windows's commands, so they are checked as data: the resolver file's
text and the exact command lines, run by a recorder in place of the real runner of commands. The
runner is exercised end to end (a real peer process and a real child) with that recorder, on every way
a cell can end. The canary is judged against a real stub on loopback that a fake resolver does or does
not ask.
"""

from __future__ import annotations

import ast
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import dns.message
import dns.query
import pytest

from conformance._child.context import Context
from conformance._child.heartbeat import StallMeter
from conformance._helpers import dns_stub as _dns_stub
from conformance._model.outcomes import Outcome, Skipped
from conformance._model.scenarios import Scenario, default_scenarios_dir, import_scenario_module
from conformance._os.system_resolver import (
    ALLOW_VARIABLE,
    RESOLVER_FOLDER,
    Command,
    IsolatedResolver,
    NrptRules,
    ResolverFiles,
    SystemResolver,
    SystemResolverError,
    Zone,
    configured,
    system_resolver,
)
from conformance._parent import cells as _runner
from conformance._parent.cells import CellRunner
from conformance._parent.child_process import CHILD_COMMAND
from conformance._parent.resolver import isolated_resolver_command
from conformance._runtimes import STYLES, get_runtime

ScenarioFactory = Callable[..., Scenario]  # the write_scenario fixture (conftest.py)
ZONE = Zone("c0123456789.conformance.test", "127.0.0.1", 53123, 1.0)
NRPT_ZONE = Zone("c0123456789.conformance.test", "127.53.7.9", 53, None)
RULE = "{6d1c1f0e-9a43-4c55-8d51-2d3b7a0c9e11}"
ALLOWED = {ALLOW_VARIABLE: "1"}
SCUTIL_LISTING = f"""\
DNS configuration

resolver #1
  nameserver[0] : 10.1.0.1
  flags    : Request A records
  reach    : 0x00000002 (Reachable)

resolver #8
  domain   : {ZONE.name}
  nameserver[0] : 127.0.0.1
  port     : 53123
  flags    : Request A records, Request AAAA records
"""
PS = ("powershell", "-NoProfile", "-NonInteractive", "-Command")
# macOS's /etc/resolver/<zone>, as the engine's pathlib.Path prints it on this OS (with backslashes on
# Windows, where the command never runs).
RESOLVER_PATH = str(RESOLVER_FOLDER / ZONE.name)


def ps(script: str) -> Command:
    return Command((*PS, f"$ErrorActionPreference = 'Stop'; {script}"))


class Recorder:
    """Stands in for the runner of commands: records each command, answers as the system would.

    ``fail`` maps a command's program (``argv[-2]`` for sudo'd ones: "tee", "rm"; "powershell") or its
    script's first word to the error it raises; ``listing`` is what the in-effect check prints.
    """

    def __init__(self, listing: str = SCUTIL_LISTING, added: str = f"{RULE}\r\n",
                 fail: Mapping[str, str] | None = None,
                 on_run: Callable[[Command], None] | None = None) -> None:
        self.commands: list[Command] = []
        self.listing, self.added, self.fail = listing, added, dict(fail or {})
        self.on_run = on_run
        self.seen: list[tuple[str, bool, bool]] = []  # what on_run noted, where a test notes anything

    def __call__(self, command: Command) -> str:
        self.commands.append(command)
        if self.on_run is not None:
            self.on_run(command)
        for word, error in self.fail.items():
            if word in command.argv[:4] or command.argv[-1].startswith(f"$ErrorActionPreference = "
                                                                       f"'Stop'; {word}"):
                raise SystemResolverError(error)
        if command.argv[0] == "scutil" or "Get-DnsClientNrptPolicy" in command.argv[-1]:
            return self.listing
        if "Add-DnsClientNrptRule" in command.argv[-1]:
            return self.added
        return ""

    def programs(self) -> list[str]:
        """Each command shortened to the word that says what it does."""
        return [program(command) for command in self.commands]


def program(command: Command) -> str:
    """The word of a command line that says what it does: "tee" for ``sudo -n tee ...``, the first
    cmdlet for a PowerShell script."""
    argv = [a for a in command.argv if a not in ("sudo", "-n")]
    return argv[-1].split("; ", 1)[1].split()[0] if argv[0] == "powershell" else argv[0]


# -- macOS: the resolver file and its commands ------------------------------------------------------


def test_the_resolver_file_names_the_stub_its_port_and_the_timeout() -> None:
    assert ResolverFiles(as_root=False).file_text(ZONE) == "nameserver 127.0.0.1\nport 53123\ntimeout 1\n"
    untimed = Zone(ZONE.name, ZONE.host, 5353, None)
    assert ResolverFiles(as_root=False).file_text(untimed) == "nameserver 127.0.0.1\nport 5353\n"


def test_the_resolver_file_is_written_and_removed_through_sudo() -> None:
    files = ResolverFiles(as_root=False)
    assert RESOLVER_FOLDER.as_posix() == "/etc/resolver"
    path = RESOLVER_PATH
    assert files.add(ZONE) == [
        Command(("sudo", "-n", "mkdir", "-p", str(RESOLVER_FOLDER))),
        Command(("sudo", "-n", "tee", path), stdin="nameserver 127.0.0.1\nport 53123\ntimeout 1\n"),
    ]
    assert files.remove(ZONE, []) == [Command(("sudo", "-n", "rm", "-f", path))]
    assert files.in_effect() == Command(("scutil", "--dns"))


def test_root_writes_the_resolver_file_without_sudo(tmp_path: Path) -> None:
    files = ResolverFiles(folder=tmp_path, as_root=True)
    assert [c.argv for c in files.add(ZONE)] == [("mkdir", "-p", str(tmp_path)),
                                                 ("tee", str(tmp_path / ZONE.name))]
    assert [c.argv for c in files.remove(ZONE, ["", ""])] == [("rm", "-f", str(tmp_path / ZONE.name))]


def test_scutil_shows_the_zone_once_mdnsresponder_has_it() -> None:
    files = ResolverFiles(as_root=False)
    assert files.shows(ZONE, SCUTIL_LISTING)
    assert not files.shows(ZONE, SCUTIL_LISTING.replace(ZONE.name, "c9999999999.conformance.test"))
    assert not files.shows(ZONE, "resolver #1\n  nameserver[0] : 10.1.0.1\n")


# -- Windows: the NRPT rule's commands -------------------------------------------------------------


def test_the_nrpt_rule_is_added_with_the_stub_address_and_read_back_by_name() -> None:
    rules = NrptRules()
    assert rules.add(NRPT_ZONE) == [ps(
        "$rule = Add-DnsClientNrptRule -Namespace '.c0123456789.conformance.test' "
        "-NameServers '127.53.7.9' -Comment 'conformance: the stub DNS server of one cell (docs/dns.md)' "
        "-PassThru; Clear-DnsClientCache; $rule.Name")]
    assert rules.in_effect() == ps("Get-DnsClientNrptPolicy | ForEach-Object { $_.Namespace }")
    assert rules.shows(NRPT_ZONE, "\r\n.corp.example\r\n.C0123456789.conformance.test\r\n")
    assert not rules.shows(NRPT_ZONE, ".corp.example\r\n")


def test_the_nrpt_rule_is_removed_by_its_name_and_the_cache_cleared() -> None:
    assert NrptRules().remove(NRPT_ZONE, [f"{RULE}\r\n"]) == [
        ps(f"Remove-DnsClientNrptRule -Name '{RULE}' -Force; Clear-DnsClientCache")]


@pytest.mark.parametrize("added", [[], ["WARNING: something else\r\n"]], ids=["add-failed", "no-name"])
def test_without_the_rule_name_every_rule_of_the_namespace_is_removed(added: list[str]) -> None:
    assert NrptRules().remove(NRPT_ZONE, added) == [ps(
        "Get-DnsClientNrptRule | Where-Object { $_.Namespace -contains '.c0123456789.conformance.test' } | "
        "ForEach-Object { Remove-DnsClientNrptRule -Name $_.Name -Force }; Clear-DnsClientCache")]


# -- the permission, and what reaches a command line -----------------------------------------------

STUB = {"host": "127.0.0.1", "port": 53123, "zone": ZONE.name, "query_log": "/nonexistent/queries.log",
        "every_query": False, "resolver_timeout_s": 1, "resolver_timeout_setting": "..."}


@pytest.mark.parametrize("platform", ["darwin", "win32"])
@pytest.mark.parametrize("environ", [{}, {ALLOW_VARIABLE: "0"}, {ALLOW_VARIABLE: "yes"}],
                         ids=["unset", "0", "yes"])
def test_nothing_is_configured_unless_the_variable_allows_it(platform: str,
                                                             environ: dict[str, str]) -> None:
    recorder = Recorder()
    reason = isolated_resolver_command(STUB, platform=platform, environ=environ, run_commands=recorder)
    assert isinstance(reason, str)
    assert reason.startswith(f"no controllable resolver on {platform} unless allowed: "
                             f"set {ALLOW_VARIABLE}=1")
    assert recorder.commands == []


@pytest.mark.parametrize(("platform", "configurator"), [("darwin", ResolverFiles), ("win32", NrptRules)])
def test_the_variable_lets_the_child_run_with_the_system_resolver(platform: str,
                                                                  configurator: type) -> None:
    recorder = Recorder()
    isolated = isolated_resolver_command(STUB, platform=platform, environ=ALLOWED, run_commands=recorder)
    assert not isinstance(isolated, str)
    assert isolated.command == list(CHILD_COMMAND)  # no namespace: the system resolver is the mechanism
    assert isinstance(isolated.system, SystemResolver)
    assert isinstance(isolated.system.configurator, configurator)
    assert isolated.system.zone == Zone(ZONE.name, "127.0.0.1", 53123, 1.0)
    assert recorder.commands == []  # nothing is run until the runner configures it


def test_an_unavailable_stub_is_reported_once_allowed() -> None:
    reason = isolated_resolver_command({"unavailable": "port 53 is taken"}, platform="win32",
                                       environ=ALLOWED, run_commands=Recorder())
    assert reason == "no controllable resolver: port 53 is taken"


def test_linux_ignores_the_variable(tmp_path: Path) -> None:
    recorder = Recorder()
    stub = {**STUB, "host": "127.53.1.2", "port": 53, "zone": "conformance.test",
            "resolv_conf": str(tmp_path / "resolv.conf")}
    isolated = isolated_resolver_command(stub, platform="linux", environ=ALLOWED, run_commands=recorder)
    if isinstance(isolated, str):  # no namespace here (not root): the reason is the namespace's
        assert ALLOW_VARIABLE not in isolated
    else:
        assert isolated.command[0].endswith("unshare") and isolated.system is None
        assert isolated.configure() is None
    assert recorder.commands == []


@pytest.mark.parametrize(("field", "value", "why"), [
    ("zone", "x.test' ; Remove-Item C:\\ ; '", "is not a lower-case host name"),
    ("zone", "../../etc/passwd", "is not a lower-case host name"),
    ("host", "10.0.0.53", "is not an IPv4 loopback address"),
    ("host", "::1", "is not an IPv4 loopback address"),
    ("port", 0, "is not a port number"),
])
def test_only_a_plain_zone_and_a_loopback_stub_reach_a_command(field: str, value: object, why: str) -> None:
    reason = system_resolver({**STUB, field: value}, "win32", ALLOWED, Recorder())
    assert isinstance(reason, str)
    assert reason.startswith("no controllable resolver: the stub's ") and reason.endswith(why)


# -- configured(): the commands in order, and the removal on every way out --------------------------


def test_configured_adds_waits_until_in_effect_then_removes() -> None:
    recorder = Recorder()
    with configured(ZONE, ResolverFiles(as_root=False), recorder):
        assert recorder.programs() == ["mkdir", "tee", "scutil"]
    assert recorder.programs() == ["mkdir", "tee", "scutil", "rm"]


def test_configured_waits_for_the_zone_to_show() -> None:
    listings = iter(["resolver #1\n", "resolver #1\n", SCUTIL_LISTING])
    recorder = Recorder()
    recorder.listing = ""

    def later(command: Command) -> None:
        if command.argv[0] == "scutil":
            recorder.listing = next(listings)

    recorder.on_run = later
    with configured(ZONE, ResolverFiles(as_root=False), recorder):
        pass
    assert recorder.programs() == ["mkdir", "tee", "scutil", "scutil", "scutil", "rm"]


def test_configured_removes_when_the_block_raises() -> None:
    recorder = Recorder(listing=f".corp.example\r\n.{NRPT_ZONE.name}\r\n")
    with pytest.raises(KeyboardInterrupt), configured(NRPT_ZONE, NrptRules(), recorder):
        raise KeyboardInterrupt
    assert recorder.programs() == ["$rule", "Get-DnsClientNrptPolicy", "Remove-DnsClientNrptRule"]
    assert RULE in recorder.commands[-1].argv[-1]


def test_a_failed_add_is_undone_and_raised() -> None:
    recorder = Recorder(fail={"tee": "sudo: a password is required"})
    with pytest.raises(SystemResolverError, match="a password is required"), \
            configured(ZONE, ResolverFiles(as_root=False), recorder):
        pytest.fail("the block must not run")
    assert recorder.programs() == ["mkdir", "tee", "rm"]


def test_a_rule_that_never_takes_effect_is_removed_and_raised() -> None:
    recorder = Recorder(listing=".corp.example\r\n")
    with pytest.raises(SystemResolverError, match=r"did not list the zone within 0\.3 s"), \
            configured(NRPT_ZONE, NrptRules(), recorder, wait_s=0.3):
        pytest.fail("the block must not run")
    assert recorder.programs()[0] == "$rule"
    assert recorder.programs()[-1] == "Remove-DnsClientNrptRule"
    assert set(recorder.programs()[1:-1]) == {"Get-DnsClientNrptPolicy"}


def test_a_failed_removal_is_reported_and_never_raised(capsys: pytest.CaptureFixture[str]) -> None:
    recorder = Recorder(fail={"rm": "sudo: a password is required"})
    with configured(ZONE, ResolverFiles(as_root=False), recorder):
        pass
    assert recorder.programs() == ["mkdir", "tee", "scutil", "rm"]
    assert capsys.readouterr().err == (
        f"conformance: could not remove the resolver file {RESOLVER_PATH}; remove it by hand "
        "(sudo: a password is required)\n")


# -- the runner holds the configuration for the length of the cell ---------------------------------

CELL = """\
    '''A dns cell whose child {what}.'''
    import os
    import time
    from pathlib import Path

    PEERS = ("dns_stub",)
    ISOLATED_RESOLVER = True
    TIMEOUT_S = {timeout_s}

    def run_sync(ctx):
        Path({marker!r}).write_text(str(ctx.tmpdir), encoding="utf-8")  # the folder the parent removes
        {body}
"""
BODIES = {
    "pass": ("returns", "pass", Outcome.PASS),
    "fail": ("fails", "ctx.expect(False, 'wrong')", Outcome.FAIL),
    "error": ("raises", "raise RuntimeError('boom')", Outcome.ERROR),
    "crash": ("dies", "os._exit(3)", Outcome.CRASH),
    "timeout": ("hangs", "time.sleep(60)", Outcome.TIMEOUT),
}


@pytest.fixture
def system_cell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[Recorder, Path]]:
    """Cells of this test run as on macOS with the variable set, with the recorder as the runner of
    commands. The recorder notes, at each command, whether the child has run yet and whether the
    cell's folder still exists (the parent removes it last: a removal after that came too late)."""
    marker = tmp_path / "child-ran"
    recorder = Recorder()

    def note(command: Command) -> None:
        ran = marker.exists()
        folder_left = ran and Path(marker.read_text(encoding="utf-8")).exists()
        recorder.seen.append((program(command), ran, folder_left))

    recorder.on_run = note

    def as_on_macos(stub: Mapping[str, Any]) -> IsolatedResolver | str:
        # The real peer process ran the Linux stub (or none, without root); the zone is macOS's.
        return isolated_resolver_command(STUB, platform="darwin", environ=ALLOWED, run_commands=recorder)

    monkeypatch.setattr(_runner, "isolated_resolver_command", as_on_macos)
    yield recorder, marker


def _write(write_scenario: ScenarioFactory, marker: Path, kind: str) -> Scenario:
    what, body, _ = BODIES[kind]
    source = CELL.format(what=what, body=body, marker=str(marker),
                         timeout_s=1.0 if kind == "timeout" else 20.0)
    return write_scenario(f"system_{kind}", source, area="dns")


@pytest.mark.parametrize("kind", list(BODIES))
def test_the_zone_is_configured_before_the_child_and_removed_after_it(
        system_cell: tuple[Recorder, Path], write_scenario: ScenarioFactory, kind: str) -> None:
    recorder, marker = system_cell
    cell = CellRunner().run(_write(write_scenario, marker, kind), get_runtime("threads"))
    assert cell.outcome is BODIES[kind][2], (cell.reason, cell.details)
    # (the program, whether the child had run, whether the cell's folder was still there)
    assert recorder.seen == [
        ("mkdir", False, False), ("tee", False, False), ("scutil", False, False), ("rm", True, True)]


def test_the_zone_is_removed_when_the_parent_is_interrupted(
        system_cell: tuple[Recorder, Path], write_scenario: ScenarioFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    recorder, marker = system_cell

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        assert recorder.programs() == ["mkdir", "tee", "scutil"]  # configured while the child runs
        raise KeyboardInterrupt

    monkeypatch.setattr(_runner, "run_child", interrupted)
    with pytest.raises(KeyboardInterrupt):
        CellRunner().run(_write(write_scenario, marker, "pass"), get_runtime("threads"))
    assert recorder.programs() == ["mkdir", "tee", "scutil", "rm"]


def test_a_zone_that_cannot_be_configured_skips_the_cell_with_the_reason(
        system_cell: tuple[Recorder, Path], write_scenario: ScenarioFactory) -> None:
    recorder, marker = system_cell
    recorder.fail = {"tee": "sudo: a password is required"}
    cell = CellRunner().run(_write(write_scenario, marker, "pass"), get_runtime("threads"))
    assert cell.outcome is Outcome.SKIPPED
    assert cell.reason == "no controllable resolver: sudo: a password is required"
    assert not marker.exists()  # the child never started
    assert recorder.programs() == ["mkdir", "tee", "rm"]


# -- the canary --------------------------------------------------------------------------------------

DNS_AREA = default_scenarios_dir() / "dns"


@pytest.fixture(scope="module")
def canary() -> ModuleType:
    return import_scenario_module(DNS_AREA / "_canary.py")


@pytest.fixture
def stub(tmp_path: Path) -> dict[str, Any]:
    """A real stub of a zone of its own on a free port of 127.0.0.1, as macOS gets it."""
    info, serve = _dns_stub.dns_stub(tmp_path, platform="darwin")
    assert "unavailable" not in info, info
    threading.Thread(target=serve, daemon=True).start()
    return info


def _context(stub: Mapping[str, Any], tmp_path: Path) -> Context:
    return Context(peers={"dns_stub": stub}, tmpdir=tmp_path, stall_meter=StallMeter())


def _asking(stub: Mapping[str, Any], answer: str | None = None,
            rename: Callable[[str], str] = lambda name: name) -> Callable[[str], list[Any]]:
    """A resolver that asks the stub (for ``rename(name)``), and gives its answer or ``answer``."""

    def getaddrinfo(name: str) -> list[Any]:
        response = dns.query.udp(dns.message.make_query(rename(name), "A"), stub["host"], timeout=5.0,
                                 port=stub["port"])
        addresses = [rdata.to_text() for rrset in response.answer for rdata in rrset]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answer or a, 80))
                for a in addresses]

    return getaddrinfo


def _elsewhere(result: list[Any] | None = None) -> Callable[[str], list[Any]]:
    """A resolver that never asks the stub (it asks the machine's real servers, say)."""

    def getaddrinfo(name: str) -> list[Any]:
        if result is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return result

    return getaddrinfo


def test_the_canary_and_the_stub_agree(canary: ModuleType) -> None:
    assert (canary.CANARY_LABEL, canary.CANARY_ADDRESS) == (_dns_stub.CANARY_LABEL, _dns_stub.CANARY_ADDRESS)


def test_a_resolver_that_asks_the_stub_passes_and_is_not_counted(
        canary: ModuleType, stub: dict[str, Any], tmp_path: Path) -> None:
    ctx = _context(stub, tmp_path)
    canary.check_with(ctx, _asking(stub), "fake.getaddrinfo")  # no Skipped
    canary.check_with(ctx, _asking(stub), "fake.getaddrinfo")
    _asking(stub)(canary.in_zone(ctx, "a"))  # a query of the scenario's own
    log = canary.stub_log(ctx)
    assert len(log) == 3
    assert [line.split()[2] for line in canary.stub_queries(ctx)] == [f"a.{stub['zone']}."]


def test_a_resolver_that_never_asks_the_stub_skips_the_cell(
        canary: ModuleType, stub: dict[str, Any], tmp_path: Path) -> None:
    ctx = _context(stub, tmp_path)
    with pytest.raises(Skipped) as skipped:
        canary.check_with(ctx, _elsewhere(), "fake.getaddrinfo")
    reason = str(skipped.value)
    assert reason.startswith("the canary lookup of canary-")
    # EAI_NONAME is -2 on Linux, 8 on macOS, 11001 on Windows
    assert (f".{stub['zone']} through fake.getaddrinfo never reached the stub DNS server (it raised "
            f"gaierror: [Errno {socket.EAI_NONAME}] Name or service not known): this runtime's resolver "
            "does not follow the system's resolver configuration here") in reason
    assert canary.stub_log(ctx) == []


def test_the_right_address_from_elsewhere_still_skips_the_cell(
        canary: ModuleType, stub: dict[str, Any], tmp_path: Path) -> None:
    # An answer alone proves nothing: only the stub's log says the stub was asked.
    impostor = _elsewhere([(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.53", 80))])
    with pytest.raises(Skipped, match=r"never reached the stub DNS server \(it gave \['192\.0\.2\.53'\]\)"):
        canary.check_with(_context(stub, tmp_path), impostor, "fake.getaddrinfo")


def test_a_resolver_that_asks_for_another_name_skips_the_cell(
        canary: ModuleType, stub: dict[str, Any], tmp_path: Path) -> None:
    ctx = _context(stub, tmp_path)
    with pytest.raises(Skipped, match="never reached the stub DNS server"):
        canary.check_with(ctx, _asking(stub, rename=lambda name: f"{name}.search.example"),
                          "fake.getaddrinfo")
    assert len(canary.stub_log(ctx)) == 1  # it asked, but not for the canary


def test_a_wrong_answer_after_asking_the_stub_skips_the_cell(
        canary: ModuleType, stub: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(Skipped, match=r"reached the stub DNS server, but it gave \['198\.51\.100\.7'\] "
                                      r"instead of the stub's answer 192\.0\.2\.53"):
        canary.check_with(_context(stub, tmp_path), _asking(stub, answer="198.51.100.7"), "fake.getaddrinfo")


def test_canary_names_are_new_each_time(canary: ModuleType, stub: dict[str, Any], tmp_path: Path) -> None:
    ctx = _context(stub, tmp_path)
    names = {canary.canary_name(ctx) for _ in range(20)}
    assert len(names) == 20
    assert all(name.startswith("canary-") and name.endswith(f".{stub['zone']}") for name in names)


def test_scenarios_that_need_every_query_skip_where_only_the_zone_reaches_the_stub(
        canary: ModuleType, stub: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(Skipped, match=rf"only names under {stub['zone']} reach the stub DNS server here"):
        canary.require_every_query(_context(stub, tmp_path), "the reverse name would not")
    canary.require_every_query(_context({**stub, "every_query": True}, tmp_path), "unused")


# -- every dns body starts with its style's canary --------------------------------------------------


def _helpers(tree: ast.Module) -> dict[str, str]:
    """``_alias = sibling_module(__file__, "_name")`` assignments: alias -> helper module name."""
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "sibling_module"
                and isinstance(node.targets[0], ast.Name)):
            argument = node.value.args[1]
            assert isinstance(argument, ast.Constant)
            found[node.targets[0].id] = str(argument.value)
    return found


def _first_call(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, str] | None:
    """The ``(module alias, function)`` of the first statement after imports, if it is such a call."""
    for statement in function.body:
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        if docstring or isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        call = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(call, ast.Await):
            call = call.value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)):
            return call.func.value.id, call.func.attr
        return None
    return None


def _functions(path: Path) -> tuple[ast.Module, dict[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return tree, {node.name: node for node in tree.body
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _starts_with_canary(path: Path, function: str, style: str, depth: int = 0) -> bool:
    tree, functions = _functions(path)
    call = _first_call(functions[function])
    if call is None:
        return False
    alias, name = call
    helper = _helpers(tree).get(alias)
    if helper == "_canary":
        return name == f"check_{style}"
    # One helper deep: dns.nxdomain's bodies are _lookup_error's lookup_<style>.
    return helper is not None and depth == 0 and _starts_with_canary(
        path.with_name(f"{helper}.py"), name, style, depth + 1)


def _dns_bodies() -> Iterable[tuple[Path, str]]:
    for path in sorted(DNS_AREA.glob("[!_]*.py")):
        for style in STYLES:
            if f"def run_{style}(" in path.read_text(encoding="utf-8"):
                yield path, style


@pytest.mark.parametrize(("path", "style"), list(_dns_bodies()),
                         ids=lambda value: value.stem if isinstance(value, Path) else value)
def test_every_dns_body_starts_with_its_canary(path: Path, style: str) -> None:
    assert _starts_with_canary(path, f"run_{style}", style), (
        f"{path.name}: run_{style} must begin (after its imports) with _canary.check_{style}(ctx)")


def test_the_rule_sees_a_body_without_the_canary(tmp_path: Path) -> None:
    scenario = tmp_path / "no_canary.py"
    scenario.write_text("def run_sync(ctx):\n    import socket\n    socket.getaddrinfo('a', 80)\n",
                        encoding="utf-8")
    wrong_style = tmp_path / "wrong_style.py"
    wrong_style.write_text('_canary = sibling_module(__file__, "_canary")\n'
                           "async def run_trio(ctx):\n    await _canary.check_asyncio(ctx)\n",
                           encoding="utf-8")
    assert not _starts_with_canary(scenario, "run_sync", "sync")
    assert not _starts_with_canary(wrong_style, "run_trio", "trio")
