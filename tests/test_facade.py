"""The public facade stays small and light: the names a scenario author uses, imported lazily."""

from __future__ import annotations

import subprocess
import sys

import conformance


def test_public_names_are_pinned() -> None:
    assert conformance.__all__ == [
        "Cell", "Context", "Expectation", "NotApplicable", "Outcome", "RunDocument",
        "ScenarioFailure", "Skipped", "__version__", "sibling_module"]
    for name in conformance.__all__:
        assert getattr(conformance, name) is not None


def test_importing_the_package_imports_nothing_a_runtime_must_patch_first() -> None:
    code = ("import sys, conformance; "
            "print(sorted(m for m in ('socket', 'ssl', 'threading', 'select', 'subprocess') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
