"""The database servers of the libraries area: one real server from the system's packages, started in a
throwaway folder on loopback, for a whole run.

``python -m conformance._helpers.servers NAME --dir DIR`` (NAME: one of :data:`SERVERS`) makes the
server's data folder under DIR, starts the server, waits until it answers, and writes one JSON line to
stdout: its address (``host``, ``port``, ``user``, ``database``, ``version``, ``start_s``: how long the
start took), or ``{"unavailable": reason}`` when it cannot start (a missing binary, with the package to
install; a port taken; a broken data folder), with the server's own last words. It then waits for its
stdin to close (the parent closes it at the end of the run, and the OS closes it when the parent dies,
however it dies), stops the server and removes DIR.

``initdb`` and ``postgres`` refuse to run as root and ``mariadbd`` wants a user: when this process is
root, each server runs as the unprivileged user ``nobody``, which owns DIR.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVERS = ("postgresql", "mariadb", "redis")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
UNPRIVILEGED_USER = "nobody"


class ServerUnavailable(Exception):
    """The server cannot run here; the message says why and what to install or fix."""


@dataclass
class Account:
    """Who the server runs as: this process's user, or ``nobody`` when this process is root."""

    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_servers(cls) -> Account:
        if sys.platform == "win32" or os.geteuid() != 0:
            return cls()
        import pwd

        try:
            entry = pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            raise ServerUnavailable(f"running as root, and there is no user {UNPRIVILEGED_USER!r} to run the "
                                    "server as (PostgreSQL refuses to run as root)") from None
        return cls(entry.pw_uid, entry.pw_gid)

    def own(self, folder: Path) -> None:
        if sys.platform == "win32" or self.uid is None:
            return
        os.chown(folder, self.uid, self.gid if self.gid is not None else -1)

    def popen_options(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, limit: int = 600) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " ".join(text[-limit:].split())


def _run(command: Sequence[str], account: Account, log: Path, what: str, timeout_s: float = 120.0) -> None:
    with log.open("ab") as output:
        try:
            done = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, cwd="/",
                                  timeout=timeout_s, check=False, **account.popen_options())
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ServerUnavailable(f"{what} could not run: {exc}") from None
    if done.returncode != 0:
        raise ServerUnavailable(f"{what} failed with status {done.returncode}: {_tail(log)}")


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"{what} exited with status {process.returncode} while starting: "
                                    f"{_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    raise ServerUnavailable(f"{what} did not answer within {START_TIMEOUT_S:g} s: {_tail(log)}")


def _version(command: Sequence[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()


def _answers(port: int, hello: bytes = b"", expect: bytes = b"") -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            if not hello:
                return True
            sock.sendall(hello)
            return sock.recv(64).startswith(expect)
    except OSError:
        return False


# -- PostgreSQL ---------------------------------------------------------------------------------------


def postgresql_bindir() -> Path:
    """The folder of ``initdb``, ``postgres`` and ``pg_isready``: Debian keeps them out of PATH, under
    /usr/lib/postgresql/<major>/bin (the newest is taken), and a link on PATH may point there."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    on_path = [Path(found).resolve().parent for found in [shutil.which("initdb")] if found]
    for folder in [*on_path, *reversed([Path(p) for p in versions])]:
        if all((folder / program).exists() for program in ("initdb", "postgres", "pg_isready")):
            return folder
    raise ServerUnavailable("PostgreSQL's server is not installed (no initdb, postgres and pg_isready on "
                            "PATH or under /usr/lib/postgresql/*/bin): install it, e.g. "
                            "`apt-get install postgresql`")


def start_postgresql(folder: Path, account: Account) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    bindir = postgresql_bindir()
    data, log = folder / "data", folder / "server.log"
    _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
          "--no-sync", "--no-instructions"], account, log, "initdb")
    port = free_port()
    # fsync off and a short statement log: a throwaway server for tests. Every statement is logged with
    # its duration and application_name, so that a scenario can tell on the server what it sent.
    process = subprocess.Popen(
        [str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", str(folder),
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "max_connections=300", "-c", "shared_buffers=32MB", "-c", "log_min_duration_statement=0",
         "-c", "log_line_prefix=%m [%p] %a: "],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd="/", **account.popen_options())
    isready = str(bindir / "pg_isready")
    _wait_until(lambda: subprocess.run([isready, "-q", "-h", "127.0.0.1", "-p", str(port)],
                                       check=False).returncode == 0, process, log, "postgres")
    version = _version([str(bindir / "postgres"), "--version"])
    return process, {"host": "127.0.0.1", "port": port, "user": "postgres", "database": "postgres",
                     "version": version, "log": str(log)}


# -- MariaDB ------------------------------------------------------------------------------------------


def start_mariadb(folder: Path, account: Account) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    server = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/local/sbin")
    install = shutil.which("mariadb-install-db")
    if not server or not install:
        raise ServerUnavailable("MariaDB's server is not installed (no mariadbd or mariadb-install-db): "
                                "install it, e.g. `apt-get install mariadb-server`")
    data, log = folder / "data", folder / "server.log"
    data.mkdir()
    account.own(data)
    _run([install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
          "--skip-test-db", "--skip-name-resolve", *(["--user", UNPRIVILEGED_USER] if account.uid is not None
                                                      else [])], account, log, "mariadb-install-db")
    port = free_port()
    # No grant tables: every client is let in as any user (a throwaway server on loopback).
    process = subprocess.Popen(
        [server, "--no-defaults", f"--datadir={data}", f"--socket={folder / 'mariadb.sock'}",
         f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve", "--skip-grant-tables",
         "--skip-log-bin", "--innodb-buffer-pool-size=32M", "--max-connections=300",
         f"--pid-file={folder / 'mariadb.pid'}", f"--log-error={log}"],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd="/", **account.popen_options())
    # The server's handshake starts with the packet's length and protocol version 10.
    _wait_until(lambda: _answers(port), process, log, "mariadbd")
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client:
        _run([client, "--no-defaults", f"--socket={folder / 'mariadb.sock'}", "-u", "root", "-e",
              "CREATE DATABASE conformance"], account, log, "creating the database")
    version = _version([server, "--version"])
    return process, {"host": "127.0.0.1", "port": port, "user": "root", "database": "conformance",
                     "version": version, "log": str(log)}


# -- Redis --------------------------------------------------------------------------------------------


def start_redis(folder: Path, account: Account) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    server = shutil.which("redis-server")
    if not server:
        raise ServerUnavailable("Redis's server is not installed (no redis-server on PATH): install it, "
                                "e.g. `apt-get install redis-server`")
    data, log = folder / "data", folder / "server.log"
    data.mkdir()
    account.own(data)
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(data), "--daemonize", "no", "--protected-mode", "no", "--maxclients", "1000"],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd="/", **account.popen_options())
    _wait_until(lambda: _answers(port, b"PING\r\n", b"+PONG"), process, log, "redis-server")
    version = _version([server, "--version"])
    return process, {"host": "127.0.0.1", "port": port, "version": version, "log": str(log)}


STARTERS: dict[str, Callable[[Path, Account], tuple[subprocess.Popen[bytes], dict[str, Any]]]] = {
    "postgresql": start_postgresql, "mariadb": start_mariadb, "redis": start_redis}


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (each server's clean, fast shutdown), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(name: str, folder: Path) -> int:
    started = time.perf_counter()
    process: subprocess.Popen[bytes] | None = None
    try:
        account = Account.for_servers()
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        account.own(folder)
        process, address = STARTERS[name](folder, account)
        address["start_s"] = round(time.perf_counter() - started, 3)
        answer: dict[str, Any] = address
    except ServerUnavailable as exc:
        answer = {"unavailable": str(exc)}
    except OSError as exc:  # the folder, a fork, a log: said, never a traceback
        answer = {"unavailable": f"{name} could not start: {exc}"}
    try:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        # Until the parent closes stdin, or dies.
        sys.stdin.buffer.read()
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance._helpers.servers",
                                     description="Run one database server for a run of the suite.")
    parser.add_argument("name", choices=SERVERS)
    parser.add_argument("--dir", type=Path, required=True, help="the throwaway folder (removed at the end)")
    args = parser.parse_args(argv)
    # The parent ends this process by closing stdin; a terminal's Ctrl-C is the parent's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return serve(args.name, args.dir)


if __name__ == "__main__":
    sys.exit(main())
