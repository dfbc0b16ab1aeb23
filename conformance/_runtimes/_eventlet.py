"""eventlet: unchanged sync code after ``eventlet.monkey_patch()``."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from conformance._runtimes import Runtime, RuntimeUnavailable


def setup(runtime: Runtime) -> str:
    with warnings.catch_warnings():
        # eventlet announces its own deprecation on import; the table records behaviour, not advice.
        warnings.simplefilter("ignore")
        try:
            import eventlet
        except ImportError as exc:
            raise RuntimeUnavailable(
                f"eventlet cannot be imported: {exc}; {runtime.install_hint}") from exc
    eventlet.monkey_patch()
    return str(eventlet.__version__)


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
    from eventlet import hubs
    from eventlet.greenthread import getcurrent

    from conformance._runtimes import _threads

    body_greenlet = getcurrent()
    hub = hubs.get_hub()

    def forward(exc: BaseException) -> None:
        # A signal handler ran in the heartbeat's green thread; raise it in the body instead.
        hub.schedule_call_global(0, body_greenlet.throw, exc)

    _threads.run(runtime, body, ctx, forward)  # the patched threading.Thread heartbeat is green
