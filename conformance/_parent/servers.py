"""The parent's handle on the database servers of a run (``SERVERS``): each is started once, when the first
cell that needs it runs, shared by every later cell, and stopped at the end of the run (the servers
themselves: ``conformance._helpers.servers``).

Each server runs under a helper process of its own that stops it and removes its data folder when its
stdin closes: :meth:`Servers.close` closes it, and so does the OS when the run dies (Ctrl-C, a crash, a
kill), so a server never outlives its run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance._os.processes import first_line, kill_group, start_in_group

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0


@dataclass
class Server:
    """One server of the run: its address, or why it is not there; and what starting it cost."""

    name: str
    address: dict[str, Any] = field(default_factory=dict)
    unavailable: str = ""
    # Wall time from asking for the server to its first answer (the helper's start included).
    start_s: float = 0.0
    process: subprocess.Popen[bytes] | None = None


class Servers:
    """The servers of one run, started on first use; thread-safe (cells run on several threads)."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._servers: dict[str, Server] = {}
        self._starting: dict[str, threading.Lock] = {}

    def get(self, name: str) -> tuple[Server, bool]:
        """The server ``name``, started now if no cell asked for it before; and whether this call started
        it (that cell's time includes the start)."""
        with self._lock:
            if name in self._servers:
                return self._servers[name], False
            starting = self._starting.setdefault(name, threading.Lock())
        with starting:
            with self._lock:
                if name in self._servers:
                    return self._servers[name], False
            server = self._start(name)
            with self._lock:
                self._servers[name] = server
            return server, True

    def _start(self, name: str) -> Server:
        began = time.perf_counter()
        folder = Path(tempfile.mkdtemp(prefix=f"cf-{name}-", dir=self._folder))
        folder.chmod(0o755)  # the server's user (not root) goes through it to its data folder
        stderr = open(folder.with_name(folder.name + ".stderr"), "w+b")  # noqa: SIM115 - closed below
        try:
            process = start_in_group([sys.executable, "-m", "conformance._helpers.servers", name,
                                      "--dir", str(folder / "server")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        except OSError as exc:
            stderr.close()
            return Server(name, unavailable=f"the helper that starts {name} could not run: {exc}")
        line = first_line(process, START_TIMEOUT_S).decode(errors="replace").strip()
        stderr.seek(0)
        said = " ".join(stderr.read()[-1000:].decode(errors="replace").split())
        stderr.close()
        Path(stderr.name).unlink(missing_ok=True)
        try:
            answer = json.loads(line) if line else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            _stop(process)
            return Server(name, unavailable=f"{name} did not start within {START_TIMEOUT_S:g} s" if not line
                          else f"{name}'s helper answered {line[:200]!r}; {said}")
        if "unavailable" in answer:
            _stop(process)
            return Server(name, unavailable=str(answer["unavailable"]))
        return Server(name, address=answer, start_s=round(time.perf_counter() - began, 3), process=process)

    def started(self) -> list[Server]:
        with self._lock:
            return list(self._servers.values())

    def environment(self, names: Sequence[str]) -> dict[str, str] | str:
        """The addresses of the servers ``names`` (started now where need be) as the variables a
        reproducer reads (``CONFORMANCE_POSTGRESQL_PORT``...), or why one of them is not there."""
        variables = {}
        for name in names:
            server, _ = self.get(name)
            if server.unavailable:
                return f"no {name} server: {server.unavailable}"
            for key in ("host", "port", "user", "database"):
                if key in server.address:
                    variables[f"CONFORMANCE_{name.upper()}_{key.upper()}"] = str(server.address[key])
        return variables

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every server (each helper removes its data folder)."""
        with self._lock:
            servers = list(self._servers.values())
        for server in servers:  # kept, for what the run says about them afterwards
            if server.process is not None and server.process.poll() is None:
                _stop(server.process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        try:
            process.stdin.close()
        except OSError:
            pass
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill_group(process)
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
