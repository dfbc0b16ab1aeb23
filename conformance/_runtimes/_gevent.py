"""gevent: unchanged sync code after ``gevent.monkey.patch_all()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance._runtimes import Runtime, RuntimeUnavailable


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
    import gevent

    from conformance._runtimes import _threads

    body_greenlet = gevent.getcurrent()
    hub = gevent.get_hub()

    def forward(exc: BaseException) -> None:
        # A signal handler ran in the heartbeat greenlet (gevent runs it in the current greenlet:
        # https://github.com/gevent/gevent/issues/1815); raise it in the body, from the hub's loop.
        hub.loop.run_callback(body_greenlet.throw, exc)

    _threads.run(runtime, body, ctx, forward)  # the patched threading.Thread heartbeat is a greenlet
