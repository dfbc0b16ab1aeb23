"""Conformance suite for Python concurrency runtimes.

The public names are few; they are imported lazily, so that ``import conformance`` (which the cell's
child does before gevent or eventlet patch the standard library) imports nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Cell",
    "Context",
    "Expectation",
    "NotApplicable",
    "Outcome",
    "RunDocument",
    "Runtime",
    "ScenarioFailure",
    "Skipped",
    "__version__",
    "sibling_module",
]

_LOCATIONS = {
    "Cell": "._model.results",
    "Context": "._child.context",
    "Expectation": "._model.results",
    "NotApplicable": "._model.outcomes",
    "Outcome": "._model.outcomes",
    "RunDocument": "._model.results",
    # What a package that adds a runtime describes it with (docs/adding-a-runtime.md, docs/maintainers.md)
    "Runtime": "._runtimes",
    "ScenarioFailure": "._model.outcomes",
    "Skipped": "._model.outcomes",
    "sibling_module": "._model.scenarios",
}

if TYPE_CHECKING:
    from conformance._child.context import Context
    from conformance._model.outcomes import NotApplicable, Outcome, ScenarioFailure, Skipped
    from conformance._model.results import Cell, Expectation, RunDocument
    from conformance._model.scenarios import sibling_module
    from conformance._runtimes import Runtime


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        return getattr(importlib.import_module(_LOCATIONS[name], __name__), name)
    raise AttributeError(f"module 'conformance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
