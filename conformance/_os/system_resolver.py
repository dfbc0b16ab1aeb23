"""The parent's way to point the system resolver of macOS or Windows at one cell's stub DNS server.

Linux gives the cell's child a private mount namespace whose /etc/resolv.conf names the stub
(``conformance._parent.resolver.isolated_resolver_command``). macOS and Windows have nothing per process, but
both can send the names under one domain to a server of our choosing, machine-wide:

- macOS: a per-domain resolver file ``/etc/resolver/<zone>`` (resolver(5)) naming ``127.0.0.1`` and the
  stub's port, written through ``sudo -n tee`` (``sudo -n rm`` afterwards) unless the process is root;
- Windows: a rule of the Name Resolution Policy Table for ``.<zone>``, added and removed with the
  DnsClient cmdlets in ``powershell`` (administrators only); an NRPT rule names no port, so the stub
  listens on port 53 of its own 127.53.x.y.

Changing the machine's resolver is never done by default: only when the environment says
``CONFORMANCE_SYSTEM_RESOLVER=1`` (for the CI legs of macOS and Windows; see docs/dns.md). Each cell has
a zone of its own (``c<random>.conformance.test``, chosen by the stub), configured before its child
starts and taken back when the cell ends, however it ends (:func:`configured` is a context manager the
runner holds for the cell). Only names under the zone reach the stub; whether a runtime's resolver
follows the system's configuration at all is checked by each cell itself (``scenarios/dns/_canary.py``).

The OS-specific part is a configurator that turns "the zone Z at the address A" into commands; the
commands are run by a :data:`CommandRunner`, which tests replace with a recorder. Nothing here has run
on a real macOS or Windows machine yet (docs/dns.md says so too).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ALLOW_VARIABLE = "CONFORMANCE_SYSTEM_RESOLVER"
RESOLVER_FOLDER = Path("/etc/resolver")
# How long a new resolver file or NRPT rule may take to show in the system's configuration.
IN_EFFECT_WAIT_S = 10.0
POLL_INTERVAL_S = 0.1
COMMAND_TIMEOUT_S = 60.0
# A zone is a host name (it becomes a file name and a PowerShell string, so nothing else may pass).
_ZONE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NRPT_RULE_NAME = re.compile(r"^\{[0-9A-Fa-f-]{36}\}$")


class SystemResolverError(RuntimeError):
    """The system resolver could not be configured for the cell; the message says what failed."""


@dataclass(frozen=True)
class Command:
    """One command line, and what it reads on its standard input."""

    argv: tuple[str, ...]
    stdin: str | None = None

    def __str__(self) -> str:
        return shlex.join(self.argv)


# Runs a command and returns its standard output; raises SystemResolverError when it fails.
CommandRunner = Callable[[Command], str]


def run_command(command: Command) -> str:
    """The real runner: ``command`` in a subprocess, its output captured."""
    try:
        done = subprocess.run(list(command.argv), input=command.stdin, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SystemResolverError(f"`{command}` could not run: {exc}") from exc
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or "no output")[-300:]
        raise SystemResolverError(f"`{command}` failed with status {done.returncode}: {said}")
    return done.stdout


@dataclass(frozen=True)
class Zone:
    """The zone one cell's stub serves, and where the stub listens."""

    name: str
    host: str
    port: int
    timeout_s: float | None = None  # the bound on a lookup the stub never answers, if one can be set

    @classmethod
    def from_stub(cls, stub: Mapping[str, Any]) -> Zone:
        """The zone of a stub's address info (``conformance._helpers.dns_stub.dns_stub``), checked: a zone
        that is not a plain host name, or an address off loopback, is never written anywhere."""
        name, host, port = str(stub.get("zone", "")), str(stub.get("host", "")), stub.get("port")
        if not _ZONE.match(name):
            raise SystemResolverError(f"the stub's zone {name!r} is not a lower-case host name")
        try:
            loopback = ipaddress.IPv4Address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise SystemResolverError(f"the stub's address {host!r} is not an IPv4 loopback address")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise SystemResolverError(f"the stub's port {port!r} is not a port number")
        timeout = stub.get("resolver_timeout_s")
        return cls(name, host, port, float(timeout) if timeout is not None else None)


class Configurator(Protocol):
    """Turns "send the names under this zone to this address" into commands, and back."""

    def add(self, zone: Zone) -> list[Command]:
        """The commands that send the zone's names to the stub, in order."""

    def in_effect(self) -> Command:
        """A command whose output shows the zones the system resolver has taken up."""

    def shows(self, zone: Zone, output: str) -> bool:
        """Whether ``output`` of :meth:`in_effect` lists ``zone``."""

    def remove(self, zone: Zone, added: Sequence[str]) -> list[Command]:
        """The commands that undo :meth:`add`, given the outputs of those of its commands that
        completed (none, some or all: removal must work after a failure part-way)."""

    def describe(self, zone: Zone) -> str:
        """What :meth:`add` makes, for messages."""


class ResolverFiles:
    """macOS: a per-domain resolver file ``/etc/resolver/<zone>`` (resolver(5)).

    mDNSResponder, behind getaddrinfo, sends every query for a name under the file's name to the
    servers it lists, and, unlike /etc/resolv.conf, such a file may name a port, so the stub can
    listen on 127.0.0.1 (the only loopback address macOS configures) on a port of its own.
    https://keith.github.io/xcode-man-pages/resolver.5.html
    """

    def __init__(self, folder: Path = RESOLVER_FOLDER, as_root: bool | None = None) -> None:
        self.folder = folder
        if as_root is None:
            as_root = sys.platform != "win32" and os.geteuid() == 0
        # -n: never ask for a password (a CI runner has passwordless sudo; elsewhere sudo fails at
        # once and the cell is skipped with its message, instead of waiting on a prompt).
        self.privileged: tuple[str, ...] = () if as_root else ("sudo", "-n")

    def file_text(self, zone: Zone) -> str:
        lines = [f"nameserver {zone.host}", f"port {zone.port}"]
        if zone.timeout_s is not None:
            # resolver(5): "the total amount of time allowed for a name resolution", in seconds; the
            # counterpart of the `options timeout:1 attempts:1` of the Linux stub's resolv.conf.
            lines.append(f"timeout {zone.timeout_s:g}")
        return "\n".join(lines) + "\n"

    def path(self, zone: Zone) -> Path:
        return self.folder / zone.name

    def add(self, zone: Zone) -> list[Command]:
        # /etc/resolver does not exist on a fresh macOS; tee writes what it reads, with root's umask.
        return [Command((*self.privileged, "mkdir", "-p", str(self.folder))),
                Command((*self.privileged, "tee", str(self.path(zone))), stdin=self.file_text(zone))]

    def in_effect(self) -> Command:
        return Command(("scutil", "--dns"))

    def shows(self, zone: Zone, output: str) -> bool:
        # scutil --dns lists each resolver as lines such as "  domain   : c1a2b3.conformance.test".
        for line in output.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "domain" and value.strip().rstrip(".").lower() == zone.name:
                return True
        return False

    def remove(self, zone: Zone, added: Sequence[str]) -> list[Command]:
        return [Command((*self.privileged, "rm", "-f", str(self.path(zone))))]

    def describe(self, zone: Zone) -> str:
        return f"the resolver file {self.path(zone)}"


def powershell(script: str) -> Command:
    """``script`` run by Windows PowerShell; any error stops it with a non-zero status."""
    return Command(("powershell", "-NoProfile", "-NonInteractive", "-Command",
                    f"$ErrorActionPreference = 'Stop'; {script}"))


class NrptRules:
    """Windows: a rule of the Name Resolution Policy Table for the namespace ``.<zone>``.

    The DNS client sends every query for a name under the namespace to the rule's servers. A rule
    names no port, so the stub listens on port 53 of its own 127.53.x.y (Windows, like Linux, answers
    on all of 127.0.0.0/8). The zone and the address are checked by :meth:`Zone.from_stub`, so they
    can stand in single-quoted (literal) PowerShell strings.
    https://learn.microsoft.com/en-us/powershell/module/dnsclient/add-dnsclientnrptrule
    """

    COMMENT = "conformance: the stub DNS server of one cell (docs/dns.md)"

    def add(self, zone: Zone) -> list[Command]:
        # -PassThru hands back the new rule; its Name (a GUID) is what Remove-DnsClientNrptRule takes.
        return [powershell(f"$rule = Add-DnsClientNrptRule -Namespace '.{zone.name}' "
                           f"-NameServers '{zone.host}' -Comment '{self.COMMENT}' -PassThru; "
                           "Clear-DnsClientCache; $rule.Name")]

    def in_effect(self) -> Command:
        return powershell("Get-DnsClientNrptPolicy | ForEach-Object { $_.Namespace }")

    def shows(self, zone: Zone, output: str) -> bool:
        return f".{zone.name}" in (line.strip().lower() for line in output.splitlines())

    def remove(self, zone: Zone, added: Sequence[str]) -> list[Command]:
        name = self.rule_name(added[0]) if added else None
        if name is not None:
            return [powershell(f"Remove-DnsClientNrptRule -Name '{name}' -Force; Clear-DnsClientCache")]
        # The add failed, or was cut off before it said the rule's name: remove whatever rule has
        # the cell's namespace (nothing, if none was made).
        return [powershell(
            f"Get-DnsClientNrptRule | Where-Object {{ $_.Namespace -contains '.{zone.name}' }} | "
            "ForEach-Object { Remove-DnsClientNrptRule -Name $_.Name -Force }; Clear-DnsClientCache")]

    @staticmethod
    def rule_name(output: str) -> str | None:
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        return lines[-1] if lines and _NRPT_RULE_NAME.match(lines[-1]) else None

    def describe(self, zone: Zone) -> str:
        return f"the NRPT rule for .{zone.name}"


CONFIGURATORS: dict[str, Callable[[], Configurator]] = {"darwin": ResolverFiles, "win32": NrptRules}
_WHAT = {"darwin": "write a per-domain resolver file /etc/resolver/<zone> (through sudo)",
         "win32": "add an NRPT rule (as an administrator)"}


def permission_problem(platform: str, environ: Mapping[str, str]) -> str | None:
    """Why this run may not change ``platform``'s resolver configuration; None: it may."""
    if environ.get(ALLOW_VARIABLE) == "1":
        return None
    return (f"no controllable resolver on {platform} unless allowed: set {ALLOW_VARIABLE}=1 to let "
            f"the run {_WHAT.get(platform, 'configure the system resolver')} for each dns cell, "
            "removed when the cell ends (see docs/dns.md)")


@contextlib.contextmanager
def configured(zone: Zone, configurator: Configurator, run: CommandRunner = run_command,
               wait_s: float = IN_EFFECT_WAIT_S) -> Iterator[None]:
    """The system resolver sends the zone's names to the stub for the length of the block.

    Raises SystemResolverError (after undoing what was done) where the configuration cannot be made
    or does not take effect within ``wait_s``. The removal runs however the block ends; a removal
    that fails is reported on stderr, never raised, so that it cannot cost the cell its result.
    """
    added: list[str] = []
    try:
        for command in configurator.add(zone):
            added.append(run(command))
        _wait_until_in_effect(zone, configurator, run, wait_s)
        yield
    finally:
        for command in configurator.remove(zone, added):
            try:
                run(command)
            except SystemResolverError as exc:
                sys.stderr.write(f"conformance: could not remove {configurator.describe(zone)}; "
                                 f"remove it by hand ({exc})\n")


def _wait_until_in_effect(zone: Zone, configurator: Configurator, run: CommandRunner,
                          wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        check = configurator.in_effect()
        if configurator.shows(zone, run(check)):
            return
        if time.monotonic() >= deadline:
            raise SystemResolverError(f"{configurator.describe(zone)} was made, but `{check}` did not "
                                      f"list the zone within {wait_s:g} s")
        time.sleep(POLL_INTERVAL_S)


@dataclass(frozen=True)
class SystemResolver:
    """One cell's zone on this machine's system resolver, ready to be configured."""

    zone: Zone
    configurator: Configurator
    run: CommandRunner = run_command

    def configured(self) -> contextlib.AbstractContextManager[None]:
        return configured(self.zone, self.configurator, self.run)


def system_resolver(stub: Mapping[str, Any], platform: str, environ: Mapping[str, str],
                    run: CommandRunner = run_command) -> SystemResolver | str:
    """How the cell of ``stub`` gets ``platform``'s system resolver; a string: why it cannot."""
    make = CONFIGURATORS.get(platform)
    if make is None:
        return f"no controllable resolver on {platform} (see docs/dns.md)"
    problem = permission_problem(platform, environ)
    if problem:
        return problem
    if "unavailable" in stub:
        return f"no controllable resolver: {stub['unavailable']}"
    try:
        zone = Zone.from_stub(stub)
    except SystemResolverError as exc:
        return f"no controllable resolver: {exc}"
    return SystemResolver(zone, make(), run)


class IsolatedResolver:
    """How a cell's child gets a resolver that asks the stub alone: the child's command line, and,
    on macOS and Windows, the system configuration the parent holds while the child runs.

    The runner calls :meth:`configure` before it starts the child and :meth:`release` in a
    ``finally`` when the cell ends, however it ends (a timeout, an error, Ctrl-C).
    """

    def __init__(self, command: Sequence[str], system: SystemResolver | None = None) -> None:
        self.command = list(command)
        self.system = system
        self._held = contextlib.ExitStack()

    def configure(self) -> str | None:
        """Configure the system resolver, if this takes any; a string: why it cannot be (nothing is
        left configured then)."""
        if self.system is None:
            return None
        try:
            self._held.enter_context(self.system.configured())
        except SystemResolverError as exc:
            return f"no controllable resolver: {exc}"
        return None

    def release(self) -> None:
        """Undo :meth:`configure` (nothing if it did nothing); safe to call more than once."""
        self._held.close()
