"""Who may import whom: the engine's folders are its process roles, and these rules keep them so.

Read from the code's own imports (every ``import`` and ``from ... import`` of a ``conformance`` module,
at module level or inside a function), the way ``test_facade.py`` pins the public names. A rule broken
is a line a newcomer could not have predicted from where the file sits: move the code, do not widen the
rule. docs/architecture.md explains each role.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"

# Each role (a folder of conformance/, or the registry module) and the roles it may import. A module
# may always import its own role.
MAY_IMPORT: dict[str, frozenset[str]] = {
    # The registry of runtimes: what each runtime is. Pure data; its family modules are loaded by name.
    "_runtimes": frozenset(),
    # A runtime family's setup and entry point: runs in the cell's child, after the registry.
    "_runtimes.families": frozenset({"_runtimes", "_child"}),
    # Plain data and its rules (outcomes, cells, run documents, scenarios, expectations, verdicts,
    # bench settings, the control pipe's messages): read by every process.
    "_model": frozenset({"_runtimes"}),
    # The operating-system seams of the processes that start others (process groups, job objects,
    # descriptor limits, the system resolver's configuration).
    "_os": frozenset(),
    # The cell's child: sets the runtime up, runs the body. Never the parent's code.
    "_child": frozenset({"_model", "_runtimes", "_runtimes.families"}),
    # What scenario bodies share (they run in the child).
    "support": frozenset({"_model", "_child"}),
    # Helper processes (peer services, the stub DNS server, the load generator): outside the runtime
    # under test, and nothing of the engine they do not need.
    "_helpers": frozenset({"_model", "_os"}),
    # The report: reads run documents through the data model and the registry; runs no cell.
    "_report": frozenset({"_model", "_runtimes", "facade"}),
    # The parent: runs cells (through child processes it starts by module name, never by import), the
    # command line, the pytest plugin; it dispatches to the report's and the bench's commands.
    "_parent": frozenset({"_model", "_runtimes", "_os", "_report", "_bench", "facade"}),
    # `conformance bench`: the parent's runner and selection, one cell at a time.
    "_bench": frozenset({"_model", "_runtimes", "_os", "_parent"}),
    # The package's own face: lazy re-exports (Runtime, for the packages that add runtimes, from the
    # registry), and `python -m conformance`.
    "facade": frozenset({"_model", "_runtimes", "_child", "_parent"}),
}


def role_of_module(module: str) -> str | None:
    """The role of ``conformance.x.y``; None for a module outside the package."""
    parts = module.split(".")
    if parts[0] != "conformance":
        return None
    if len(parts) == 1 or parts[1] == "__main__":
        return "facade"
    if parts[1] == "_runtimes":
        return "_runtimes.families" if len(parts) > 2 else "_runtimes"
    return parts[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every conformance module ``path`` imports; relative imports are not used."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: a relative import (the layer test reads " \
                                    f"absolute ones: from conformance.x import y)"
            module = node.module or ""
            # `from conformance._helpers import dns_stub` imports the module conformance._helpers.dns_stub
            found += [(node.lineno, f"{module}.{alias.name}" if _is_module(f"{module}.{alias.name}")
                       else module) for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] == "conformance"]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_folder_of_the_engine_has_a_role() -> None:
    folders = {p.relative_to(PACKAGE).parts[0] for p in MODULES if len(p.relative_to(PACKAGE).parts) > 1}
    roles = {role_of_module(f"conformance.{f}") for f in folders}
    assert roles <= set(MAY_IMPORT), roles - set(MAY_IMPORT)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_process_roles(path: Path) -> None:
    role = role_of_module(module_name(path))
    assert role is not None
    allowed = MAY_IMPORT[role] | {role}
    broken = [f"line {line}: {name} ({role_of_module(name)})" for line, name in imported_modules(path)
              if role_of_module(name) not in allowed]
    assert not broken, (f"{role} may import {sorted(allowed)} only; "
                        f"{path.relative_to(PACKAGE)} imports " + "; ".join(broken))


def test_the_rule_catches_the_child_importing_the_parent(tmp_path: Path) -> None:
    """The test above can fail: a child module that imports the runner is caught."""
    child = tmp_path / "conformance" / "_child" / "bad.py"
    child.parent.mkdir(parents=True)
    child.write_text("from conformance._parent.cells import CellRunner\n", encoding="utf-8")
    imports = imported_modules(child)
    assert imports == [(1, "conformance._parent.cells")]
    assert role_of_module(imports[0][1]) not in MAY_IMPORT["_child"]


def test_the_registry_and_the_model_import_no_process_role() -> None:
    """The two layers every process reads stay below every role that runs something."""
    for role in ("_runtimes", "_model", "_os"):
        assert not MAY_IMPORT[role] & {"_child", "_parent", "_helpers", "_report", "_bench", "support"}


# -- one home for what a runtime is --------------------------------------------------------------------

def _runtime_name_tests(path: Path) -> list[str]:
    """Comparisons of something with a built-in runtime's name (``runtime.name == "uvloop"``,
    ``name in ("threads", ...)``) in a module or a template."""
    from conformance._runtimes import BUILTIN_RUNTIMES

    names = set(BUILTIN_RUNTIMES)
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        quoted = "|".join(re.escape(n) for n in names)
        return [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
                for m in re.finditer(rf"\b(runtime|name)\w*\s*(==|!=)\s*['\"]({quoted})['\"]", text)]
    def is_a_runtime_name(operand: ast.expr) -> bool:  # runtime.name, name, runtime, runtime_name
        return (isinstance(operand, ast.Attribute) and operand.attr == "name") or \
            (isinstance(operand, ast.Name) and operand.id in ("name", "runtime", "runtime_name"))

    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            constants = [c for c in operands for c in
                         ([c] if isinstance(c, ast.Constant) else getattr(c, "elts", []))]
            hits = [c.value for c in constants if isinstance(c, ast.Constant) and c.value in names]
            if hits and any(is_a_runtime_name(o) for o in operands):
                found.append(f"line {node.lineno}: compares a runtime's name with {hits}")
    return found


ENGINE_FILES = [p for p in sorted(PACKAGE.rglob("*")) if p.suffix in (".py", ".j2", ".js")
                # the registry itself, and the report's made-up sample documents for its own tests
                and p.relative_to(PACKAGE).as_posix() not in ("_runtimes/__init__.py", "_report/samples.py")]


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_code_outside_the_registry_tests_a_runtimes_name(path: Path) -> None:
    """What differs between runtimes is a field of the registry (its loop module, its reactor, whether
    it is the reference), so a new runtime needs no edit anywhere else."""
    assert not _runtime_name_tests(path), (
        f"{path.relative_to(PACKAGE)} tests a runtime's name; make it a field of the registry "
        f"(conformance/_runtimes/__init__.py): " + "; ".join(_runtime_name_tests(path)))


def test_the_name_check_sees_a_name_test(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('if runtime.name == "twisted-asyncio" or name in ("uvloop", "x"):\n    pass\n')
    assert len(_runtime_name_tests(module)) == 2
    template = tmp_path / "t.html.j2"
    template.write_text("{% if runtime == 'threads' %}reference{% endif %}")
    assert _runtime_name_tests(template) == ["line 1: runtime == 'threads'"]
    other = tmp_path / "other.py"
    other.write_text('if runtime.reactor == "asyncio":\n    pass\n')  # a field's value, not a name
    assert _runtime_name_tests(other) == []
