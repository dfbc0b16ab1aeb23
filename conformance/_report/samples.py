"""Run documents made up for the report builder's tests and benchmark: any platform, any cells.

The documents are real ``conformance-run/1`` documents (validated like any other); only their
contents are invented, deterministically from a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance._model.outcomes import Outcome
from conformance._model.results import Cell, Expectation, RunDocument
from conformance._model.scenarios import PlottedMeasurement
from conformance._report.merge import ScenarioInfo
from conformance._runtimes import RUNTIMES

_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
PLATFORMS_20 = tuple(
    [f"linux-{arch}-cpython{v}" for arch in ("x86_64", "aarch64") for v in _PYTHONS]
    + [f"darwin-arm64-cpython{v}" for v in _PYTHONS]
    + [f"win32-AMD64-cpython{v}" for v in _PYTHONS]
)
AREAS = ("sockets", "subprocess", "files", "dns", "signals")
# A small suite and the platforms the report's tests run it on, and a text from results that would be
# markup if a rendering let it through.
SMALL_SUITE = ("sockets.tcp_echo", "sockets.tls_echo", "dns.slow_lookup", "files.naive_read")
LINUX_311 = "linux-x86_64-cpython3.11"
LINUX_312 = "linux-x86_64-cpython3.12"
WIN_312 = "win32-AMD64-cpython3.12"
XSS = "<script>alert(1)</script>"
# Measurements the report plots, as the suite's scenarios declare them (PLOTS), so that a synthetic
# report has them too.
PLOTTED = {"sockets.concurrent_clients": PlottedMeasurement("elapsed_ms", "time for all clients", "ms"),
           "dns.concurrent_slow_lookups": PlottedMeasurement("elapsed_ms", "time for all lookups", "ms")}


def run_info(platform: str = "linux-x86_64-cpython3.12", *, runtimes: Iterable[str] = RUNTIMES,
             started_at: str = "2026-01-01T00:00:00+00:00", **overrides: Any) -> dict[str, Any]:
    """The run info of a run on ``platform`` (an id like ``linux-x86_64-cpython3.12``)."""
    sys_platform, arch, python = platform.split("-", 2)
    implementation = python.rstrip("0123456789.")
    version = python[len(implementation):]
    info: dict[str, Any] = {
        "os": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}.get(sys_platform, sys_platform),
        "os_release": "1.0", "sys_platform": sys_platform, "arch": arch, "cpu_count": 2,
        "python_implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(implementation, implementation),
        "python_version": f"{version}.0", "python_build": "main", "gil_enabled": True,
        "runtimes": {r: _availability(r, sys_platform) for r in runtimes},
        "suite_version": "0.1.0", "suite_commit": "0123456789abcdef", "ci_job_url": None,
        "started_at": started_at, "platform": platform,
    }
    info.update(overrides)
    return info


def _availability(runtime: str, sys_platform: str) -> dict[str, Any]:
    if (runtime in ("uvloop", "rloop") and sys_platform == "win32") or \
            (runtime == "winloop" and sys_platform != "win32"):
        return {"available": False, "version": None, "reason": f"{runtime} does not run on {sys_platform}"}
    return {"available": True, "version": "1.0", "reason": ""}


def cell(scenario: str, runtime: str, outcome: str = "pass", reason: str | None = None,
         **fields: Any) -> Cell:
    """A cell; a non-pass outcome gets a reason unless one is given."""
    parsed = Outcome.parse(outcome)
    if reason is None:
        reason = "" if parsed is Outcome.PASS else f"{runtime} gives {outcome} here"
    return Cell(scenario=scenario, runtime=runtime, outcome=parsed, reason=reason, **fields)


def document(platform: str, cells: Iterable[Cell], **info: Any) -> RunDocument:
    return RunDocument(run_info=run_info(platform, **info), cells=tuple(cells))


def write(path: Path, run: RunDocument | Mapping[str, Any]) -> Path:
    data = run.to_json() if isinstance(run, RunDocument) else dict(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def catalog(scenarios: Sequence[str], mistakes: Mapping[str, str] | None = None,
            plots: Mapping[str, Sequence[PlottedMeasurement]] | None = None) -> dict[str, ScenarioInfo]:
    """The scenarios as the suite would describe them; ``mistakes``: the documented mistake of those
    that show one (``DOCUMENTED_MISTAKE``); ``plots``: the figures each declares (``PLOTS``; by default
    those of :data:`PLOTTED`)."""
    declared = {s: (p,) for s, p in PLOTTED.items()} if plots is None else plots
    return {s: ScenarioInfo(id=s, area=s.split(".", 1)[0],
                            title=s.split(".", 1)[1].replace("_", " ").capitalize(),
                            description=f"Reference semantics: what blocking code does in {s}.",
                            documented_mistake=(mistakes or {}).get(s, ""),
                            plots=tuple(declared.get(s, ())))
            for s in scenarios}


def synthetic_scenarios(count: int) -> list[str]:
    names = [f"{AREAS[i % len(AREAS)]}.case_{i:03d}" for i in range(count)]
    names[: len(PLOTTED)] = list(PLOTTED)
    return names


def synthetic_documents(platforms: Sequence[str] = PLATFORMS_20, scenarios: int = 100,
                        runtimes: Sequence[str] = tuple(RUNTIMES), seed: int = 0) -> list[RunDocument]:
    """Documents with a realistic mix: mostly pass, some findings with reasons, stacks and
    expectations, runtimes unavailable where they are in reality, measurements and stalls."""
    rng = random.Random(seed)
    names = synthetic_scenarios(scenarios)
    findings = [Outcome.BLOCKING, Outcome.FAIL, Outcome.UNSUPPORTED, Outcome.ERROR, Outcome.TIMEOUT,
                Outcome.CRASH, Outcome.SKIPPED, Outcome.NOT_APPLICABLE]
    documents = []
    for day, platform in enumerate(platforms):
        info = run_info(platform, runtimes=runtimes,
                        started_at=f"2026-01-{day % 28 + 1:02d}T00:00:00+00:00")
        cells = []
        for scenario in names:
            for runtime in runtimes:
                if not info["runtimes"][runtime]["available"]:
                    cells.append(Cell(scenario, runtime, Outcome.UNAVAILABLE,
                                      reason=info["runtimes"][runtime]["reason"]))
                    continue
                passes = runtime == "threads" or rng.random() < 0.85
                outcome = Outcome.PASS if passes else rng.choice(findings)
                measurements = {}
                if scenario in PLOTTED:
                    measurements[PLOTTED[scenario].measurement] = round(rng.uniform(200, 2000), 3)
                details = {"runtime_version": "1.0"}
                expectation = None
                reason = ""
                if outcome is not Outcome.PASS:
                    reason = f"{runtime} {outcome.value}: it took another path ({rng.random():.3f})"
                    details["exception"] = f"conformance._model.outcomes.ScenarioFailure: {reason}"
                    details["traceback"] = "Traceback (most recent call last):\n" + "".join(
                        f'  File "body.py", line {n}, in run_sync\n    step_{n}()\n' for n in range(8))
                    if rng.random() < 0.5:
                        expectation = Expectation(outcome, f"known: {runtime} does this",
                                                  "https://example.org/issue")
                stall = rng.uniform(0.5, 900 if outcome is Outcome.BLOCKING else 20)
                cell_ = Cell(scenario, runtime, outcome, reason=reason,
                             duration_s=round(rng.uniform(0.05, 2), 4), max_stall_ms=round(stall, 3),
                             measurements=measurements, details=details)
                cells.append(cell_.with_expectation(expectation))
        documents.append(RunDocument(run_info=info, cells=tuple(cells)))
    return documents
