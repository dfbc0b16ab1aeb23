"""gevent: unchanged sync code after ``gevent.monkey.patch_all()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import Runtime, RuntimeUnavailable


def setup(runtime: Runtime) -> str:
    try:
        from gevent import monkey
    except ImportError as exc:
        raise RuntimeUnavailable(f"gevent cannot be imported: {exc}; {runtime.install_hint}") from exc
    # Patch before anything else imports socket, ssl, threading, subprocess...: the child has imported
    # nothing but light modules at this point (see conformance._child).
    monkey.patch_all()
    import gevent

    return str(gevent.__version__)


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
    from . import _threads

    _threads.run(runtime, body, ctx)  # the patched threading.Thread heartbeat is a greenlet
