"""The parent's handle on the peer services of a cell: start the helper process, read its addresses,
stop it with its process group (the services themselves: ``conformance._helpers.peers``)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance._os.processes import first_line, kill_group, start_in_group


class PeerError(RuntimeError):
    """The peer process could not start its services."""


class PeerProcess:
    """The parent's handle on a running peer process."""

    def __init__(self, names: Sequence[str], folder: Path, timeout_s: float = 20.0) -> None:
        self.names = list(names)
        self._folder = folder
        self._stderr = open(folder / "peers.stderr", "w+b")  # noqa: SIM115 - closed in stop()
        self.process = start_in_group(
            [sys.executable, "-m", "conformance._helpers.peers", *self.names, "--dir", str(folder)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        self.addresses = self._read_addresses(timeout_s)

    def _read_addresses(self, timeout_s: float) -> dict[str, dict[str, Any]]:
        line = first_line(self.process, timeout_s)
        if not line:
            self.stop()  # first: what the process wrote to stderr is complete once it is gone
            stderr = (self._folder / "peers.stderr").read_bytes()[-2000:].decode(errors="replace")
            raise PeerError(f"peer services {', '.join(self.names)} did not start: {stderr}")
        try:
            addresses: dict[str, dict[str, Any]] = json.loads(line)
        except ValueError as exc:
            self.stop()
            raise PeerError(f"peer services {', '.join(self.names)} wrote no addresses but "
                            f"{line[:200]!r} ({exc})") from None
        return addresses

    def stop(self) -> None:
        # Once reaped, its POSIX group id may belong to someone else; a Windows job is its own handle.
        if self.process.poll() is None or sys.platform == "win32":
            kill_group(self.process)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()
