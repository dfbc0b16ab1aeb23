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

    _check_configuration(runtime, gevent)
    return str(gevent.__version__)


# What each configuration variable chooses (the hub's attribute), and the module that object comes from:
# the hub's resolver (gevent.resolver.ares.Resolver) or its loop (gevent.libuv.loop.loop).
_CONFIGURED = {"GEVENT_RESOLVER": ("resolver", "gevent.resolver.{}"), "GEVENT_LOOP": ("loop", "gevent.{}.")}


def _check_configuration(runtime: Runtime, gevent: Any) -> None:
    """Make the hub now and check that it has the resolver and loop the runtime's configuration names:
    a configuration gevent cannot load (a build without c-ares) is unavailable, with gevent's reason,
    never measured as plain gevent under another name."""
    try:
        hub = gevent.get_hub()
    except Exception as exc:  # gevent raises ImportError for a choice it cannot import
        raise RuntimeUnavailable(f"gevent cannot make its hub with {_said(runtime)}: "
                                 f"{type(exc).__name__}: {exc}") from exc
    for variable, value in runtime.environment:
        if variable not in _CONFIGURED:
            continue
        what, expected = _CONFIGURED[variable]
        try:
            found = type(getattr(hub, what)).__module__  # the hub makes its resolver on first use
        except Exception as exc:
            raise RuntimeUnavailable(f"gevent cannot make its {what} with {variable}={value}: "
                                     f"{type(exc).__name__}: {exc}") from exc
        if not found.startswith(expected.format(value.split("-")[0])):
            raise RuntimeUnavailable(f"{variable}={value} did not take: gevent's {what} comes from "
                                     f"{found}")


def _said(runtime: Runtime) -> str:
    return " ".join(f"{k}={v}" for k, v in runtime.environment) or "its default configuration"


def run(runtime: Runtime, body: Callable[..., Any], ctx: Any) -> None:
    import gevent

    from conformance._runtimes import _threads

    hub = gevent.get_hub()
    assert hub.parent is gevent.getcurrent(), "the body runs in the hub's parent, the main greenlet"

    def forward(exc: BaseException) -> None:
        # A signal handler ran in the heartbeat greenlet (gevent runs it in the current greenlet:
        # https://github.com/gevent/gevent/issues/1815). gevent's own path for an exception a greenlet
        # cannot handle (Hub.handle_system_error): thrown into the main greenlet, the body's, at once; the
        # heartbeat resumes from the hub's next callback.
        hub.handle_system_error(type(exc), exc, exc.__traceback__)

    # The heartbeat is a greenlet of gevent's own (gevent.spawn), not the patched threading.Thread the
    # sync style starts: with a patched Thread (whose bootstrap swallows what its target raises) a SIGINT
    # in a socket receive left gevent's libuv hub dead in 3 of 150 runs on a loaded machine, and the next
    # wait raised InvalidSwitchError; with gevent.spawn, 300 of 300 were right.
    _threads.run(runtime, body, ctx, forward, spawn=gevent.spawn)
