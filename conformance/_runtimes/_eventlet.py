"""eventlet: unchanged sync code after ``eventlet.monkey_patch()``."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from . import Runtime, RuntimeUnavailable


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
    from . import _threads

    _threads.run(runtime, body, ctx)  # the patched threading.Thread heartbeat is a green thread
