"""Limit proxies: what this machine can do, measured in the same run as the runtimes.

- ``c-epoll-echo``: a minimal single-threaded epoll echo server in C (``epoll_echo.c``), compiled on the
  fly, driven by the very same load generator and loads as the runtimes (bench.tcp_echo,
  bench.accept_rate). A runtime's figure divided by its figure reads "reaches N% of what this machine and
  this load generator can do". Linux only (epoll), and only where a C compiler is found.
- ``iperf3``: loopback TCP bandwidth (iperf3 from the OS packages), the ceiling of any MiB/s figure.

Where a proxy cannot run, it is recorded with the reason, never guessed.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from conformance._model.bench import BenchSettings, loadgen_command, median, pin
from conformance._model.scenarios import Scenario, import_scenario_module

SOURCE = Path(__file__).with_name("epoll_echo.c")
# The load generator's native client lives with the load generator, a helper process.
CLIENT_SOURCE = Path(__file__).resolve().parents[1] / "_helpers" / "loadgen.c"
LOAD_TIMEOUT_S = 60.0


def _limit(name: str, description: str, reason: str = "") -> dict[str, Any]:
    return {"name": name, "description": description, "available": not reason, "reason": reason,
            "figures": {}}


def compile_c(source: Path, folder: Path) -> Path | str:
    """``source`` (one of this folder's C programs, which use epoll) compiled into ``folder``, or why
    it cannot be had here."""
    if not sys.platform.startswith("linux"):
        return f"{source.name} uses epoll, which {sys.platform} does not have"
    compiler = next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)
    if compiler is None:
        return "no C compiler (cc, gcc or clang) on PATH"
    binary = folder / source.stem
    done = subprocess.run([compiler, "-O2", "-o", str(binary), str(source)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        return f"{compiler} could not compile {source.name}: {done.stderr.strip()[-300:]}"
    return binary


def c_epoll_echo(scenarios: Sequence[Scenario], settings: BenchSettings,
                 progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Run every load of the bench scenarios that have ``loads()`` against the C server."""
    limit = _limit("c-epoll-echo", "a minimal single-threaded epoll echo server in C, compiled on the "
                   "fly, under the same load generator and loads as the runtimes")
    with_loads = [(s, import_scenario_module(s.path)) for s in scenarios]
    with_loads = [(s, m) for s, m in with_loads if callable(getattr(m, "loads", None))]
    if not with_loads:
        limit.update(available=False, reason="no selected bench scenario has loads()")
        return limit
    with tempfile.TemporaryDirectory(prefix="cf-limit-") as folder:
        binary = compile_c(SOURCE, Path(folder))
        if isinstance(binary, str):
            limit.update(available=False, reason=binary)
            return limit
        server = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, text=True)
        pin(settings.server_cpus, server.pid)
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            for scenario, module in with_loads:
                progress(f"c-epoll-echo {scenario.id}")
                samples: dict[str, list[float]] = {}
                for _ in range(settings.repeats):
                    for load in module.loads(settings):
                        result = Path(folder) / "result.json"
                        done = subprocess.run(
                            loadgen_command(load, "127.0.0.1", port, warm_up_s=settings.warm_up_s,
                                    duration_s=settings.duration_s, result=result,
                                    native=settings.native_client, cpus=settings.client_cpus,
                                    server_pid=server.pid, priming=settings.priming),
                            capture_output=True, text=True, timeout=LOAD_TIMEOUT_S)
                        if done.returncode != 0:
                            limit.update(available=False, reason=f"the load generator failed against "
                                         f"it: {done.stderr.strip()[-300:]}")
                            return limit
                        for figure, value in json.loads(result.read_text()).items():
                            samples.setdefault(f"{load['name']}_{figure}", []).append(value)
                limit["figures"][scenario.id] = {
                    "measurements": {k: median(v) for k, v in samples.items()}, "samples": samples}
        finally:
            server.kill()
            server.wait()
    return limit


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def iperf3(settings: BenchSettings, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Loopback TCP bandwidth, ``repeats`` times, with iperf3 (``-J``: its JSON report)."""
    limit = _limit("iperf3", "loopback TCP bandwidth measured by iperf3, one stream")
    program = shutil.which("iperf3")
    if program is None:
        limit.update(available=False,
                     reason="iperf3 is not installed (Debian and Ubuntu: apt-get install iperf3)")
        return limit
    progress("iperf3 loopback")
    samples: list[float] = []
    seconds = max(1, round(settings.duration_s * 2))
    port = _free_port()
    server = subprocess.Popen([program, "-s", "-B", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pin(settings.server_cpus, server.pid)
    try:
        attempts = 0
        while len(samples) < settings.repeats:
            done = subprocess.run([program, "-c", "127.0.0.1", "-p", str(port), "-t", str(seconds),
                                   "-J"], capture_output=True, text=True, timeout=seconds + 30,
                                  preexec_fn=(lambda: pin(settings.client_cpus))
                                  if settings.client_cpus else None)
            try:
                report = json.loads(done.stdout)
                bits = report["end"]["sum_received"]["bits_per_second"]
            except (ValueError, KeyError, TypeError):
                attempts += 1
                if attempts < 50:  # the server may not listen yet
                    time.sleep(0.05)
                    continue
                reason = done.stderr.strip() or done.stdout.strip()
                limit.update(available=False, reason=f"iperf3 gave no measurement: {reason[-300:]}")
                return limit
            samples.append(bits / 8 / 2**20)
    finally:
        server.kill()
        server.wait()
    limit["figures"]["loopback"] = {"measurements": {"mib_per_s": median(samples)},
                                    "samples": {"mib_per_s": samples}}
    return limit
