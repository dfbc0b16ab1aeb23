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
    "ScenarioFailure",
    "Skipped",
    "__version__",
    "sibling_module",
]

_LOCATIONS = {
    "Cell": "._results",
    "Context": "._context",
    "Expectation": "._results",
    "NotApplicable": "._outcomes",
    "Outcome": "._outcomes",
    "RunDocument": "._results",
    "ScenarioFailure": "._outcomes",
    "Skipped": "._outcomes",
    "sibling_module": "._scenarios",
}

if TYPE_CHECKING:
    from ._context import Context
    from ._outcomes import NotApplicable, Outcome, ScenarioFailure, Skipped
    from ._results import Cell, Expectation, RunDocument
    from ._scenarios import sibling_module


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        return getattr(importlib.import_module(_LOCATIONS[name], __name__), name)
    raise AttributeError(f"module 'conformance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
