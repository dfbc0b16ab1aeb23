"""A resolver for one cell's child that asks the cell's stub DNS server, and only it.

Linux: the child runs in a private mount namespace whose /etc/resolv.conf names the stub. macOS and
Windows: the system resolver is configured for the stub's zone (``conformance._os.system_resolver``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance._os.system_resolver import CommandRunner, IsolatedResolver, run_command, system_resolver
from conformance._parent.child_process import CHILD_COMMAND

NSSWITCH = "hosts: files dns\nnetworks: files\n"
# Run by sh in the private mount namespace: $0 is the stub's resolv.conf, $1 the nsswitch.conf, and
# the rest the child's command. nscd's socket is hidden so glibc cannot ask a cache outside.
ISOLATION_SCRIPT = (
    'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/nsswitch.conf && '
    '{ [ ! -d /run/nscd ] || mount -t tmpfs tmpfs /run/nscd; } && shift && exec "$@"'
)


def isolated_resolver_command(stub: Mapping[str, Any], *, platform: str | None = None,
                              environ: Mapping[str, str] | None = None,
                              run_commands: CommandRunner = run_command) -> IsolatedResolver | str:
    """How the child gets a resolver through which the system's real resolution path (getaddrinfo,
    gevent's resolvers, libuv's and trio's threads) asks the stub DNS server; a string: why that
    cannot be arranged here.

    Linux: the child's command line in a private mount namespace whose /etc/resolv.conf names only
    the stub. macOS and Windows: the plain command line, plus the system resolver's configuration
    for the stub's zone (``conformance._os.system_resolver``), made only where the environment allows
    it (``CONFORMANCE_SYSTEM_RESOLVER=1``) and run with ``run_commands``.
    """
    platform = platform or sys.platform
    if platform != "linux":
        system = system_resolver(stub, platform, os.environ if environ is None else environ,
                                 run_commands)
        return system if isinstance(system, str) else IsolatedResolver(CHILD_COMMAND, system)
    if "unavailable" in stub:
        return f"no controllable resolver: {stub['unavailable']}"
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no controllable resolver: the unshare command (util-linux) is not installed"
    # Only files and DNS for host names (no nscd, no systemd-resolved, no mDNS module that could
    # carry a test name off this machine), and DNS means the stub alone.
    nsswitch = Path(stub["resolv_conf"]).with_name("nsswitch.conf")
    nsswitch.write_text(NSSWITCH)
    prefix = [unshare, "--mount", "--propagation", "private", "sh", "-c", ISOLATION_SCRIPT]
    problem = _namespace_problem(tuple(prefix))
    if problem:
        return f"no controllable resolver: {problem}"
    return IsolatedResolver([*prefix, str(stub["resolv_conf"]), str(nsswitch), *CHILD_COMMAND])


@functools.lru_cache(maxsize=1)
def _namespace_problem(prefix: tuple[str, ...]) -> str | None:
    """Try the namespace once (it needs root, or a kernel and a sandbox that allow it)."""
    with tempfile.TemporaryDirectory() as folder:
        resolv, nsswitch = Path(folder) / "resolv.conf", Path(folder) / "nsswitch.conf"
        resolv.write_text("nameserver 127.0.0.1\n")
        nsswitch.write_text(NSSWITCH)
        try:
            done = subprocess.run([*prefix, str(resolv), str(nsswitch), "true"], capture_output=True,
                                  text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"unshare could not run: {exc}"
    if done.returncode != 0:
        return (f"a private mount namespace over /etc/resolv.conf cannot be made here "
                f"({(done.stderr.strip() or f'status {done.returncode}')[:200]}); it needs root")
    return None
