"""The child process of one cell: set the runtime up first, run the body with a heartbeat, write the result.

Run as ``python -m conformance._child`` with the job (JSON) on stdin. The result goes to the file the job
names, never to stdout, which the body may use freely. Until the runtime is set up this module imports
only light standard library modules: gevent and eventlet must patch before socket, ssl, threading, select
or subprocess are imported by anyone.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Modules that must not be imported before a monkey-patching runtime is set up.
PATCHED_MODULES = ("socket", "ssl", "threading", "select", "selectors", "subprocess", "signal")
# The child dumps every thread's stack this long before the parent's deadline kills it.
STACK_DUMP_MARGIN_S = 0.5


def main() -> None:
    job: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    started = time.perf_counter()
    result_path = Path(job["result_path"])
    dump_stacks_before_deadline(job)
    result = run_cell(job)
    result["duration_s"] = round(time.perf_counter() - started, 6)
    faulthandler.cancel_dump_traceback_later()
    write_result(result_path, result)
    # Leave at once: the verdict is written, and threads or greenlets a body left behind must not turn
    # a finished cell into a hang at interpreter exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@dataclass(frozen=True)
class SetUp:
    """A runtime set up in this process: what runs the body, and what the result says about it."""

    runtime: Any  # conformance._runtimes.Runtime (imported lazily: see the module's docstring)
    family: Any
    version: str
    imported_before_setup: list[str]


def set_up_runtime(job: dict[str, Any]) -> SetUp | dict[str, Any]:
    """Set up the job's runtime in this process (patch, install the loop): the set-up runtime, or the
    result that says why it cannot be used here (``unavailable``)."""
    from conformance._runtimes import Runtime, RuntimeUnavailable, get_runtime

    # The parent's description of the runtime, so that one from an installed package is set up without
    # looking for plugins here (importlib.metadata would import zipfile and threading before the
    # runtime could patch them); a job without it names a built-in runtime.
    spec = job.get("runtime_spec")
    runtime = Runtime.from_json(spec) if spec else get_runtime(job["runtime"])
    try:
        family = runtime.family_module()
    except ImportError as exc:  # a plugin's family module that this interpreter cannot import
        return {"outcome": "unavailable", "imported_before_setup": [],
                "reason": f"the family module of runtime {runtime.name!r} cannot be imported: {exc}"}
    server_cpus = (job.get("bench") or {}).get("server_cpus")
    if server_cpus and hasattr(os, "sched_setaffinity"):  # a bench cell: its own CPU (docs/bench.md)
        os.sched_setaffinity(0, set(server_cpus))
    imported_before_setup = sorted(m for m in PATCHED_MODULES if m in sys.modules)
    try:
        version = family.setup(runtime)
    except RuntimeUnavailable as exc:
        return {"outcome": "unavailable", "reason": str(exc),
                "imported_before_setup": imported_before_setup}

    # From here on the runtime is in place: anything may be imported.
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a shell without job control: SIGINT arrives ignored. The
        # program under test would have Python's default handler, so it gets it back.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return SetUp(runtime, family, version, imported_before_setup)


def dump_stacks_before_deadline(job: dict[str, Any]) -> None:
    """A fatal signal (segfault, abort) prints the stacks to stderr, which the parent keeps; and every
    thread's stack goes to the job's stack file just before the parent's deadline would kill this
    process (``faulthandler.cancel_dump_traceback_later()`` once done)."""
    faulthandler.enable()
    stack_file = open(job["stack_path"], "w")  # noqa: SIM115 - must outlive this frame
    remaining = job.get("deadline_monotonic", time.monotonic() + job["timeout_s"]) - time.monotonic()
    faulthandler.dump_traceback_later(max(remaining - STACK_DUMP_MARGIN_S, 0.05), file=stack_file)


def run_cell(job: dict[str, Any]) -> dict[str, Any]:
    ready = set_up_runtime(job)
    if isinstance(ready, dict):
        return ready
    runtime, family = ready.runtime, ready.family
    from conformance._child.context import Context
    from conformance._child.heartbeat import StallMeter
    from conformance._model.bench import HEARTBEAT_INTERVAL_S, BenchSettings
    from conformance._model.outcomes import NotApplicable, Outcome, Skipped, Unavailable
    from conformance._model.scenarios import body_of, import_scenario_module, relative_stall_limit

    module = import_scenario_module(Path(job["scenario_path"]))
    body = body_of(module, runtime.style)
    bench = BenchSettings.from_json(job["bench"]) if job.get("bench") else None
    meter = StallMeter(HEARTBEAT_INTERVAL_S) if bench else StallMeter()
    ctx = Context(peers=job["peers"], tmpdir=Path(job["tmpdir"]), stall_meter=meter,
                  control_fd=job.get("control_fd"),
                  signal_log=Path(job["signal_log"]) if job.get("signal_log") else None,
                  bench=bench, servers=job.get("servers"))
    result: dict[str, Any] = {"runtime_version": ready.version,
                              "imported_before_setup": ready.imported_before_setup}
    try:
        family.run(runtime, body, ctx)
    except NotApplicable as exc:
        result.update(outcome=Outcome.NOT_APPLICABLE.value, reason=str(exc))
    except Skipped as exc:
        result.update(outcome=Outcome.SKIPPED.value, reason=str(exc))
    except Unavailable as exc:
        result.update(outcome=Outcome.UNAVAILABLE.value, reason=str(exc))
    except AssertionError as exc:
        result.update(outcome=Outcome.FAIL.value, reason=str(exc) or "assertion failed",
                      details=_exception_details(exc))
    except NotImplementedError as exc:
        result.update(outcome=Outcome.UNSUPPORTED.value,
                      reason=f"NotImplementedError: {exc}" if str(exc) else "NotImplementedError",
                      details=_exception_details(exc))
    except BaseException as exc:
        result.update(outcome=Outcome.ERROR.value, reason=_describe(exc),
                      details=_exception_details(exc))
    else:
        stall = ctx.stall_meter.max_stall_ms()
        limit = job["stall_limit_ms"]
        limit_said = f"limit {limit:.0f} ms"
        relative = relative_stall_limit(module)
        if relative is not None and relative[0] in ctx.measurements:
            # A share of the operation's own duration: the same verdict on a fast disk and a slow one.
            measurement, fraction = relative
            limit = fraction * ctx.measurements[measurement]
            limit_said = (f"{stall / max(ctx.measurements[measurement], 1e-9):.0%} of the operation's "
                          f"{ctx.measurements[measurement]:.0f} ms ({measurement}); limit {fraction:.0%}")
        # A bench cell is judged on its figures alone: a server at full load may keep its heartbeat
        # waiting, and that is no finding about conformance.
        if stall > limit and bench is None:
            result.update(outcome=Outcome.BLOCKING.value,
                          reason=f"the scheduler stalled for {stall:.0f} ms ({limit_said})")
        else:
            result.update(outcome=Outcome.PASS.value, reason="")
    result["max_stall_ms"] = ctx.stall_meter.max_stall_ms()
    result["measurements"] = ctx.measurements
    if ctx.notes:
        result["details"] = {**ctx.notes, **result.get("details", {})}
    return result


def _describe(exc: BaseException) -> str:
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    return f"{name}: {exc}" if str(exc) else name


def _exception_details(exc: BaseException) -> dict[str, str]:
    return {
        "exception": _describe(exc),
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }


def write_result(path: Path, result: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
