"""The public facade stays small and light: the names a scenario author uses, imported lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import conformance
from conformance._child.cell import PATCHED_MODULES


def test_public_names_are_pinned() -> None:
    assert conformance.__all__ == [
        "Cell", "Context", "Expectation", "NotApplicable", "Outcome", "RunDocument", "Runtime",
        "ScenarioFailure", "Skipped", "__version__", "sibling_module"]
    for name in conformance.__all__:
        assert getattr(conformance, name) is not None


# What the cell's child imports before it sets the runtime up: the package, the child's own module and
# the runtime registry. None of them may import a module gevent or eventlet must patch first.
@pytest.mark.parametrize("modules", ["conformance", "conformance._child.cell, conformance._runtimes"])
def test_what_the_child_imports_first_imports_nothing_a_runtime_must_patch_first(modules: str) -> None:
    code = (f"import sys, {modules}; "
            f"print(sorted(m for m in {PATCHED_MODULES!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_check_above_sees_a_patched_module_imported_early() -> None:
    code = f"import sys, socket; print(sorted(m for m in {PATCHED_MODULES!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "socket" in out.stdout
