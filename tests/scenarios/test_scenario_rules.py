"""The rules every scenario follows, checked by reading the files (``ast``), the way test262's lint
checks its tests: written down in docs/writing-a-scenario.md, and enforced here.

What is read: every scenario module and helper module (``scenarios/<area>/*.py``, ``_*.py`` being the
helpers), every reproducer (``scenarios/<area>/repro/*.py``), and the modules of ``conformance.support``
that bodies of every area share (``conformance/support/*.py``: followed where a scenario or helper
imports them, and held to the waits' rules and ``runtime-name``). Nothing is imported or run.

The rules, and how each is decided (``RULES`` names them; a violation says file, line, rule and code):

- ``bodies``: a scenario defines ``run_sync`` (a ``def``) and ``run_asyncio``, ``run_trio``,
  ``run_twisted`` (``async def``s): one body per style (``conformance._runtimes.STYLES``).
- ``runtime-name``: no body asks which runtime it runs under. A comparison or membership test whose
  operands include a string that names a runtime (``conformance._runtimes.RUNTIMES``, or a dotted name
  under a runtime's own module: ``"gevent.socket"``), or a literal collection of such strings; an import
  of a module only one runtime provides (gevent, eventlet, uvloop, winloop, rloop); a lookup of such a
  module in ``sys.modules`` or ``importlib``; a read of ``sys.argv``, of an environment variable whose
  name says RUNTIME, of an attribute called ``runtime``, or of the engine's private modules that know
  the runtime (``conformance._runtimes``, ``conformance._child``).
- ``imports``: the module-level imports of scenario and helper modules (``if TYPE_CHECKING:`` blocks
  aside: they never run) are the standard library (``sys.stdlib_module_names``) and ``conformance``,
  and not a style's library even where it is the standard library's (``asyncio``): the child imports the
  module after setting the runtime up, and a style's library belongs inside its body.
- ``support-imports``: ``conformance.support`` is imported inside a function (a body, or a helper's
  function), never at the top of a scenario or helper module: the parent imports every scenario module
  (and the helpers it loads), and the Twisted modules of ``conformance.support`` import Twisted at their
  top, so such an import would drag a runtime's library into the parent, and into the child before it
  has set the runtime up.
- ``bounded-await`` (async bodies): an ``await`` that can wait forever sits inside a bound. A bound is
  lexical: ``asyncio.wait_for(aw, t)``, ``async with asyncio.timeout(t)`` / ``timeout_at``,
  ``with trio.fail_after`` / ``fail_at`` / ``move_on_after`` / ``move_on_at`` / ``CancelScope(deadline=)``,
  ``d.addTimeout(t, reactor)`` (on the awaited expression, or on the name awaited), ``asyncio.wait(...,
  timeout=t)``, or a helper of the suite that bounds (a function of the scenario files or of
  ``conformance.support`` whose body has one of those, like ``conformance.support.net.within_twisted``).
  Everything else awaited is a wait that needs a bound, except:
    * a coroutine of the scenario files (a helper, a nursery or task group child, a task where it is
      awaited): followed, so its own waits are judged where they are, reached from which body (a
      helper's wait is reported once, at its line, naming the bodies that reach it unbounded). A task
      counts where something waits for it (``await task``, ``asyncio.wait(tasks, timeout=t)``, a
      ``DeferredList(...).addTimeout``), not where it is made;
    * the operations in ``COMPLETE_ON_THEIR_OWN``, each with why it cannot wait forever;
    * the helpers in ``BOUNDING_HELPERS``, which bound in a way this check cannot read (each says how);
    * a sleep (``asyncio.sleep``, ``trio.sleep``, ``task.deferLater``) shorter than the cell's deadline
      (``TIMEOUT_S``, 30 s by default), when its duration can be read from the module's constants.
  An ``async for`` waits for every item: it needs a bound too.
- ``sync-wait`` (every ``def``, and calls in async bodies that are not awaited): a socket created in a
  function (``socket.socket``, ``create_connection``, ``create_server``, ``socketpair``, ``fromfd``,
  ``accept``) that the function waits on or hands on gets a timeout (``timeout=``, ``settimeout``,
  ``setblocking(False)``, ``socket.setdefaulttimeout``); ``join``, ``wait``, ``result``, ``exception``,
  ``acquire``, ``get`` (with no argument: a queue's), ``communicate``, ``subprocess.run`` / ``call`` /
  ``check_call`` / ``check_output``, ``concurrent.futures.wait``, ``select.select`` and a selector's
  ``select`` take a timeout; ``os.waitpid(pid, 0)``, ``os.wait()``, ``signal.pause()`` and
  ``signal.sigwait`` (which cannot) are not used; a ``time.sleep`` is shorter than the deadline. A
  ``threading.Barrier(..., timeout=t)`` bounds its ``wait()``. A ``with ThreadPoolExecutor()`` block
  ends with a join of its workers that takes no timeout: reported too. In an async body, an asyncio
  future's ``result()`` / ``exception()`` never waits.
- ``decides-outcome`` (bodies): a body tries the operation or probes for it: no ``ctx.expect`` of a
  constant, no ``raise NotImplementedError`` that runs whatever happened before it (at the body's
  level, or in its with and try blocks; the same under an ``if`` that tested what was observed is a
  verdict).

The bench workloads (``scenarios/bench``, run by ``conformance bench``, never a verdict) are held to
``bodies``, ``runtime-name`` and ``imports``: what the child loads.
- Reproducers (``scenarios/*/repro/*.py``): ``repro-imports``: the standard library, the runtime it
  shows and that runtime's own dependencies (read from the installed distributions' metadata) only (and,
  in the libraries area, the libraries of the ``libraries`` extra with theirs), never ``conformance``;
  ``repro-verdict``: it says ``REPRODUCED:`` and ``NOT REPRODUCED:`` and exits with a status;
  ``repro-argv``: it takes the runtime's name from ``sys.argv[1]``; ``repro-entry``: an expectation
  names it (``repro = "..."``), so that ``conformance repro`` and tests/test_reproducers.py run it.

What this cannot see, and is left to review: a pipe or FIFO read in sync code (no timeout exists for
it: the child writing it must be bounded), a wait inside a library function the body calls
synchronously, and which object a method belongs to (a method is followed when the scenario files
define one of that name for ``self`` or in the helpers the module loads, and judged by its name
otherwise). A name imported from ``conformance.support`` anywhere in a module is resolved in every
function of that module (the imports are read per module, not per function).

``KNOWN`` lists the violations found on the date it names, one line each (file:line [rule] code): the
test passes with them and fails for any other, and fails for a listed one that is gone, so that each
fix removes its line. Lines are matched by file, rule and code, so an edit elsewhere in a file does not
turn a known violation into a new one; the line number says where it was on that date.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from conformance._model.scenarios import AREAS, CONFORMANCE_AREAS, default_scenarios_dir
from conformance._runtimes import RUNTIMES, STYLES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

SCENARIOS = default_scenarios_dir()
# The shared support of scenario bodies (conformance.support), read beside the scenario files wherever
# those are: a scenario folder of a test's own still imports the real package's support.
SUPPORT_PACKAGE = "conformance.support"
SUPPORT = Path(__file__).resolve().parents[2].joinpath(*SUPPORT_PACKAGE.split("."))
DEFAULT_DEADLINE_S = 30.0

RULES = {
    "bodies": "one body per style: run_sync (def), run_asyncio, run_trio, run_twisted (async def); a "
              "program scenario: program_sync, program_asyncio, program_trio, program_twisted (def)",
    "runtime-name": "no body asks which runtime it runs under",
    "imports": "module-level imports are the standard library and conformance only (no style library)",
    "support-imports": "conformance.support is imported inside a function, never at a module's top",
    "bounded-await": "an await that can wait forever sits inside a bound",
    "sync-wait": "sockets get timeouts; joins and waits take timeouts",
    "decides-outcome": "a body tries the operation or probes for it, never decides its own outcome",
    "repro-imports": "a reproducer imports the standard library and its runtime (with its dependencies)",
    "repro-verdict": "a reproducer says REPRODUCED: or NOT REPRODUCED: and exits with a status",
    "repro-argv": "a reproducer takes the runtime's name as sys.argv[1]",
    "repro-entry": "an expectation names the reproducer, so that it is run",
}

BODIES = {f"run_{style}": style != "sync" for style in STYLES}  # name -> async def
# A program scenario's programs: each is a program's main (it calls the style's entry point), a def.
PROGRAMS = {f"program_{style}": False for style in STYLES}
RUNTIME_NAMES = frozenset(RUNTIMES)
# Modules that only one runtime provides (not a style's library): importing or looking one up asks
# which runtime runs.
RUNTIME_MODULES = frozenset(r.name for r in RUNTIMES.values()
                            if r.name.isidentifier() and r.name != r.style
                            and r.name not in sys.stdlib_module_names)
# A style's library that the standard library provides: imported inside the style's body only.
STYLE_LIBRARIES = frozenset(s for s in STYLES if s in sys.stdlib_module_names)
# The engine's modules that know which runtime runs.
ENGINE_RUNTIME_MODULES = ("conformance._runtimes", "conformance._child")

# Bounds: the awaited call's name, or a context manager's.
BOUNDING_CALLS = frozenset({"wait_for", "addTimeout"})
BOUNDING_CONTEXTS = frozenset({"timeout", "timeout_at", "fail_after", "fail_at", "move_on_after",
                               "move_on_at"})
SLEEPS = frozenset({"sleep", "deferLater"})

# Awaited operations of the runtimes' own APIs that finish without waiting for anyone: no bound
# needed. Each says why; an operation that waits for a peer, a process, a thread of the body, a
# task or an event is never here.
COMPLETE_ON_THEIR_OWN: dict[str, str] = {
    # the checkpoints of trio and the suite's own leak check (its settle is bounded:
    # conformance/_child/leaks.py)
    "checkpoint": "trio.lowlevel.checkpoint: a yield to the scheduler",
    "checkpoint_if_cancelled": "trio.lowlevel: a yield to the scheduler",
    "cancel_shielded_checkpoint": "trio.lowlevel: a yield to the scheduler",
    "check_leaks": "Context.check_leaks: a settle bounded by the suite (conformance/_child/leaks.py)",
    # spawning: fork/exec and the pipes; nothing waits for the child
    "create_subprocess_exec": "asyncio: a spawn returns once the child is started",
    "create_subprocess_shell": "asyncio: a spawn returns once the child is started",
    "open_process": "trio.lowlevel.open_process: a spawn returns once the child is started",
    "spawnProcess": "Twisted: a spawn returns once the child is started",
    # local set-up: binding and listening on numeric loopback addresses, wrapping a descriptor
    "bind": "trio socket bind to a numeric address: no peer",
    "listen": "a Twisted endpoint's listen: fires once the port is bound",
    "stopListening": "Twisted: fires once the listening port is closed",
    "open_tcp_listeners": "trio: binds and listens on a numeric address, no peer",
    "create_server": "asyncio: binds and listens, no peer",
    "start_server": "asyncio: binds and listens, no peer",
    "create_datagram_endpoint": "asyncio: binds a UDP socket, no peer",
    "connect_read_pipe": "asyncio: wraps a pipe's descriptor",
    "connect_write_pipe": "asyncio: wraps a pipe's descriptor",
    "aclose": "trio: a stream or channel closes at once (a TLS stream sends close_notify, no reply awaited)",
    "send_eof": "trio: a shutdown(SHUT_WR), at once",
    "sendto": "a datagram is handed to the kernel: no flow control waits for the peer",
    "sock_sendto": "a datagram is handed to the kernel: no flow control waits for the peer",
    # trio's async files: a regular file's operation in a worker thread (a FIFO's open waits for its
    # writer: the scenarios that open one start the writer first)
    "open_file": "trio.open_file: opens a file in a worker thread",
    "read_bytes": "trio.Path: reads a regular file in a worker thread",
    "write_bytes": "trio.Path: writes a regular file in a worker thread",
    "read_text": "trio.Path: reads a regular file in a worker thread",
    "write_text": "trio.Path: writes a regular file in a worker thread",
    # the offloads: wait for a worker thread running a function whose own waits the sync rules judge
    # where the suite defines it; the offload scenarios' subject is that path
    "to_thread": "asyncio.to_thread: a worker thread runs a function",
    "run_sync": "trio.to_thread.run_sync: a worker thread runs a function",
    "run_in_executor": "loop.run_in_executor: a worker thread runs a function",
    "deferToThread": "Twisted's deferToThread: a worker thread runs a function",
    "offload": "a scenario's offload helper: one of the calls above",
}
# Helpers of the scenario files that bound what they await in a way this check cannot read: their own
# awaits are not reported, and what a body hands them is bounded. Each says how it bounds.
BOUNDING_HELPERS: dict[str, str] = {
    "conformance/support/net.py:within_asyncio": "asyncio.timeout on 3.11+; on 3.10 the same written "
                                                 "out: a loop.call_later timer that cancels the "
                                                 "awaiting task",
}
# Awaited calls that wait for what they are given: their arguments are judged as if awaited.
PASS_THROUGH = frozenset({"gather", "shield", "ensure_future", "create_task", "ensureDeferred",
                          "fromCoroutine", "DeferredList", "gatherResults", "wait"})
# ... and one that ends when the first of its arguments does: bounded when one of them is.
FIRST_OF = frozenset({"race"})
# Calls that start a child task from a function: the child's waits are followed (a nursery waits for
# its children).
SPAWNERS = frozenset({"start_soon", "start", "spawn_system_task"})
# Calls that run a coroutine in a task of its own that nothing waits for by itself: the coroutine's
# waits count where the task is awaited (``await task``, ``asyncio.wait(tasks, timeout=...)``), not
# where it is made. A task group's ``create_task`` is a nursery's ``start_soon``.
DETACHED = frozenset({"create_task", "ensure_future", "ensureDeferred", "fromCoroutine"})
# Methods of a trio async file, once a name holds one (``open_file``, ``trio.Path``): regular files.
FILE_METHODS = frozenset({"read", "write", "flush", "aclose", "seek", "tell", "truncate", "readline",
                          "readlines", "writelines"})

SOCKET_MAKERS = frozenset({"socket", "create_connection", "create_server", "socketpair", "fromfd",
                           "accept"})
SOCKET_WAITS = frozenset({"recv", "recv_into", "recvfrom", "recvfrom_into", "recvmsg", "accept",
                          "connect", "connect_ex", "send", "sendall", "sendto", "sendmsg", "sendfile",
                          "makefile"})
SOCKET_BOUNDS = frozenset({"settimeout", "setblocking"})
# Sync calls that wait and take a timeout: (name, where the timeout goes: keyword, positional index)
TIMEOUT_ARGUMENT: dict[str, tuple[str, int]] = {
    "join": ("timeout", 0), "wait": ("timeout", 0), "result": ("timeout", 0),
    "exception": ("timeout", 0), "acquire": ("timeout", 1), "communicate": ("timeout", 1),
}
SUBPROCESS_WAITS = frozenset({"run", "call", "check_call", "check_output"})
# Pools whose ``with`` block ends with ``shutdown(wait=True)``: a join of every worker, with no timeout.
POOLS = frozenset({"ThreadPoolExecutor", "ProcessPoolExecutor"})


@dataclass(frozen=True, order=True)
class Violation:
    path: str  # relative to scenarios/, with forward slashes
    line: int
    rule: str
    code: str
    message: str = field(compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.rule, self.code)

    def listing(self) -> str:
        """The line ``KNOWN`` holds for it."""
        return f"{self.path}:{self.line} [{self.rule}] {self.code}"

    def __str__(self) -> str:
        where = self.path if _is_support(self.path) else f"scenarios/{self.path}"
        return f"{where}:{self.line}: [{self.rule}] {self.message}: {self.code}"


def code_of(node: ast.AST, limit: int = 100) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def call_name(func: ast.expr) -> str | None:
    """``asyncio.wait_for`` -> ``wait_for``; ``sleep`` -> ``sleep``."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def dotted(node: ast.expr) -> str | None:
    """``trio.to_thread.run_sync`` as that string, or None if it is not a dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def names_a_runtime(value: object) -> bool:
    """A string that is a runtime's name, or a dotted name under a runtime's own module."""
    if not isinstance(value, str):
        return False
    return value in RUNTIME_NAMES or value.split(".", 1)[0] in RUNTIME_MODULES


# --- the files ---------------------------------------------------------------------------------------

@dataclass
class Function:
    module: Module
    node: ast.FunctionDef | ast.AsyncFunctionDef
    parents: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]  # enclosing functions, outermost first

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def label(self) -> str:
        return f"{self.module.rel}:{self.node.name}"


@dataclass
class Module:
    path: Path
    rel: str
    tree: ast.Module
    scenario: bool  # a scenario (not a helper, not a reproducer)
    aliases: dict[str, str] = field(default_factory=dict)  # name -> helper module rel path
    # name -> (support module rel path, its attribute; None for the module itself), from the imports of
    # conformance.support anywhere in the module
    support: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    constants: dict[str, float] = field(default_factory=dict)
    functions: list[Function] = field(default_factory=list)

    @property
    def deadline_s(self) -> float:
        return self.constants.get("TIMEOUT_S", DEFAULT_DEADLINE_S)

    def top_level(self, name: str) -> Function | None:
        return next((f for f in self.functions if not f.parents and f.node.name == name
                     and f.node in self.tree.body), None)

    def methods(self, name: str) -> list[Function]:
        return [f for f in self.functions if f.node.name == name and f.node not in self.tree.body
                and _in_class(self.tree, f.node)]


def _in_class(tree: ast.Module, node: ast.AST) -> bool:
    return any(isinstance(c, ast.ClassDef) and node in c.body for c in ast.walk(tree))


def _constants(tree: ast.Module) -> dict[str, float]:
    found: dict[str, float] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = evaluate(stmt.value, found)
            for target in targets:
                if isinstance(target, ast.Name) and value is not None:
                    found[target.id] = value
    return found


def evaluate(node: ast.expr, constants: dict[str, float]) -> float | None:
    """A number from literals, the module's constants and arithmetic, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = evaluate(node.operand, constants)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        left, right = evaluate(node.left, constants), evaluate(node.right, constants)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div) and right:
            return left / right
    return None


def _sibling_name(node: ast.expr) -> str | None:
    """``sibling_module(__file__, "_echo")`` -> ``"_echo.py"``."""
    if isinstance(node, ast.Call) and call_name(node.func) == "sibling_module" and len(node.args) == 2 \
            and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
        return f"{node.args[1].value}.py"
    return None


def _aliases(tree: ast.Module) -> dict[str, str]:
    """``_echo = sibling_module(__file__, "_echo")`` -> {"_echo": "_echo.py"}."""
    found: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and _sibling_name(stmt.value) is not None:
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = str(_sibling_name(stmt.value))
    return found


def _functions(module: Module) -> list[Function]:
    found: list[Function] = []

    def visit(node: ast.AST, parents: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append(Function(module, child, parents))
                visit(child, (*parents, child))
            else:
                visit(child, parents)

    visit(module.tree, ())
    return found


def _is_support(rel: str) -> bool:
    return rel.startswith(SUPPORT_PACKAGE.replace(".", "/") + "/")


def support_rel(module: str) -> str | None:
    """``conformance.support.net`` -> ``conformance/support/net.py``, where that module exists."""
    if not module.startswith(SUPPORT_PACKAGE + ".") or module.count(".") != SUPPORT_PACKAGE.count(".") + 1:
        return None
    name = module.rsplit(".", 1)[1]
    return f"{SUPPORT_PACKAGE.replace('.', '/')}/{name}.py" if (SUPPORT / f"{name}.py").is_file() else None


def imports_support(node: ast.stmt) -> bool:
    """``import conformance.support...``, ``from conformance.support... import ...``, or ``from
    conformance import support``."""
    if isinstance(node, ast.Import):
        return any(a.name == SUPPORT_PACKAGE or a.name.startswith(SUPPORT_PACKAGE + ".") for a in node.names)
    if isinstance(node, ast.ImportFrom) and not node.level:
        module = node.module or ""
        return module == SUPPORT_PACKAGE or module.startswith(SUPPORT_PACKAGE + ".") or (
            module == "conformance" and any(a.name == "support" for a in node.names))
    return False


def _support_names(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """The names the imports of conformance.support bind, anywhere in the module: ``from
    conformance.support.net import within_twisted`` -> {"within_twisted": ("conformance/support/net.py",
    "within_twisted")}; ``from conformance.support import net as n`` -> {"n": (..., None)}."""
    found: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            rel = support_rel(node.module)
            for alias in node.names:
                submodule = support_rel(f"{node.module}.{alias.name}") if node.module == SUPPORT_PACKAGE \
                    else None
                if rel is not None:
                    found[alias.asname or alias.name] = (rel, alias.name)
                elif submodule is not None:
                    found[alias.asname or alias.name] = (submodule, None)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                rel = support_rel(alias.name)
                if rel is not None and alias.asname:
                    found[alias.asname] = (rel, None)
    return found


def load_module(path: Path, root: Path, support: bool = False) -> Module:
    """A scenario file under ``root``, or (``support``) a module of conformance.support, named by its
    path from the project's root."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if support:
        rel = f"{SUPPORT_PACKAGE.replace('.', '/')}/{path.name}"
        module = Module(path, rel, tree, scenario=False)
    else:
        rel = path.relative_to(root).as_posix()
        module = Module(path, rel, tree,
                        scenario=not path.name.startswith("_") and path.parent.parent == root)
    module.aliases = _aliases(tree)
    module.support = _support_names(tree)
    module.constants = _constants(tree)
    module.functions = _functions(module)
    return module


def scenario_files(root: Path) -> list[Path]:
    return sorted(p for area in AREAS for p in (root / area).glob("*.py")) if root.is_dir() else []


def support_files() -> list[Path]:
    return sorted(p for p in SUPPORT.glob("*.py") if p.name != "__init__.py")


def reproducer_files(root: Path) -> list[Path]:
    return sorted(p for area in AREAS for p in (root / area / "repro").glob("*.py"))


class Suite:
    """The scenario and helper modules of a scenarios folder, and the modules of conformance.support,
    read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules = {m.rel: m for m in (load_module(p, root) for p in scenario_files(root))}
        self.modules.update((m.rel, m) for m in (load_module(p, root, support=True) for p in support_files()))

    def helper(self, module: Module, alias: str) -> Module | None:
        """The helper module (``sibling_module``) or support module (``from conformance.support import
        net``) that ``alias`` names in ``module``."""
        imported = module.support.get(alias)
        if imported is not None:
            rel, attribute = imported
            return self.modules.get(rel) if attribute is None else None
        name = module.aliases.get(alias)
        if name is None:
            return None
        return self.modules.get(str(Path(module.rel).parent / name).replace("\\", "/"))

    def visible(self, module: Module) -> list[Module]:
        """The module, the helpers it loads and the support modules it imports from."""
        helpers = [self.helper(module, alias) for alias in module.aliases]
        support = [self.modules.get(rel) for rel in sorted({rel for rel, _ in module.support.values()})]
        return [module, *(h for h in (*helpers, *support) if h is not None)]

    def imported_function(self, module: Module, name: str) -> Function | None:
        """The function of conformance.support that ``name`` was imported as in ``module``."""
        rel, attribute = module.support.get(name, ("", None))
        support = self.modules.get(rel)
        return support.top_level(attribute) if support is not None and attribute is not None else None

    def resolve(self, func: ast.expr, where: Function) -> list[Function]:
        """The functions of the scenario files a call of ``func`` from ``where`` may run."""
        module = where.module
        if isinstance(func, ast.Name):
            for parent in (*reversed(where.parents), where.node):
                nested = [f for f in module.functions if f.parents and f.parents[-1] is parent
                          and f.node.name == func.id]
                if nested:
                    return nested
            top = module.top_level(func.id) or self.imported_function(module, func.id)
            return [top] if top else []
        if isinstance(func, ast.Attribute):
            inline = _sibling_name(func.value)
            if inline is not None:  # sibling_module(__file__, "_load").run_asyncio(...)
                helper = self.modules.get(str(Path(module.rel).parent / inline).replace("\\", "/"))
                top = helper.top_level(func.attr) if helper else None
                return [top] if top else []
            if isinstance(func.value, ast.Name):
                helper = self.helper(module, func.value.id)
                if helper is not None:
                    top = helper.top_level(func.attr)
                    return [top] if top else []
                if func.value.id == "self":
                    return module.methods(func.attr)
                # A method of an object named here: any method of that name the module, its helpers or
                # the support modules it imports define (``stream.read_exactly`` of
                # ``conformance.support.twisted_streams.Stream``). Not for a longer chain
                # (``proc.stdout.readline``), which is a library's object.
                return [m for visible in self.visible(module) for m in visible.methods(func.attr)]
        return []

    def bounding(self, function: Function) -> bool:
        """A helper that bounds: its body has a bound (``conformance.support.net.within_twisted``), or
        BOUNDING_HELPERS names it."""
        if function.label in BOUNDING_HELPERS:
            return True
        for node in ast.walk(function.node):
            if isinstance(node, ast.Call) and _bounding_call(node):
                return True
            if isinstance(node, (ast.With, ast.AsyncWith)) and any(
                    _bounding_context(item.context_expr) for item in node.items):
                return True
        return False


def _bounding_call(call: ast.Call) -> bool:
    name = call_name(call.func)
    if name == "addTimeout":
        return True
    if name == "wait_for":
        timeout = call.args[1] if len(call.args) > 1 else keyword(call, "timeout")
        return timeout is not None and not is_none(timeout)
    if name == "wait" and dotted(call.func) in ("asyncio.wait",):
        timeout = keyword(call, "timeout")
        return timeout is not None and not is_none(timeout)
    return False


def _bounding_context(expr: ast.expr) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    name = call_name(expr.func)
    if name in BOUNDING_CONTEXTS:
        first = expr.args[0] if expr.args else (keyword(expr, "delay") or keyword(expr, "seconds")
                                                 or keyword(expr, "deadline") or keyword(expr, "when"))
        return first is not None and not is_none(first)
    if name == "CancelScope":
        deadline = keyword(expr, "deadline") or keyword(expr, "relative_deadline")
        return deadline is not None and not is_none(deadline)
    return False


# --- bounded awaits ------------------------------------------------------------------------------------

@dataclass
class Wait:
    """An unbounded wait found in a function (reported when a body reaches the function unbounded)."""

    line: int
    code: str
    what: str


@dataclass
class AsyncFacts:
    waits: list[Wait] = field(default_factory=list)
    # (callee, reached inside a bound)
    edges: list[tuple[Function, bool]] = field(default_factory=list)


class AwaitChecker:
    """Walks one async function: its unbounded waits, and the coroutines of the suite it runs."""

    def __init__(self, suite: Suite, function: Function) -> None:
        self.suite = suite
        self.function = function
        self.module = function.module
        self.facts = AsyncFacts()
        body = function.node
        # Names a Deferred is bounded on: ``d.addTimeout(...)`` anywhere in the function.
        self.timed_names = {dotted(n.func.value) for n in ast.walk(body) if isinstance(n, ast.Call)
                            and isinstance(n.func, ast.Attribute) and n.func.attr == "addTimeout"}
        # What a name was last assigned from, for ``await name``.
        self.assigned: dict[str, ast.expr] = {}
        # Names holding a trio async file, and names of asyncio task groups (whose end waits for their
        # tasks, as a nursery does).
        self.files: set[str] = set()
        self.task_groups = {item.optional_vars.id for n in ast.walk(body) if isinstance(n, ast.AsyncWith)
                            for item in n.items if isinstance(item.optional_vars, ast.Name)
                            and isinstance(item.context_expr, ast.Call)
                            and call_name(item.context_expr.func) == "TaskGroup"}
        for node in ast.walk(body):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                self.assigned[node.targets[0].id] = node.value
                if self._opens_file(node.value):
                    self.files.add(node.targets[0].id)
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                self.assigned[node.target.id] = node.value
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name) and self._opens_file(item.context_expr):
                        self.files.add(item.optional_vars.id)

    @staticmethod
    def _opens_file(expr: ast.expr) -> bool:
        inner = expr.value if isinstance(expr, ast.Await) else expr
        return isinstance(inner, ast.Call) and call_name(inner.func) in ("open_file", "Path", "wrap_file")

    def run(self) -> AsyncFacts:
        for stmt in self.function.node.body:
            self.statement(stmt, bounded=False)
        return self.facts

    def statement(self, node: ast.stmt, bounded: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return  # their own functions, followed where they are called
        if isinstance(node, (ast.With, ast.AsyncWith)):
            inner = bounded or any(_bounding_context(item.context_expr) for item in node.items)
            for item in node.items:
                self.expression(item.context_expr, bounded)
            for stmt in node.body:
                self.statement(stmt, inner)
            return
        if isinstance(node, ast.AsyncFor):
            if not bounded and not self._local_iteration(node.iter, bounded):
                self.facts.waits.append(Wait(node.lineno, f"async for ... in {code_of(node.iter)}",
                                             "an async for waits for every item"))
            self.expression(node.iter, bounded)
            for stmt in (*node.body, *node.orelse):
                self.statement(stmt, bounded)
            return
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in self.timed_names:
            self.expression(node.value, True)  # d = ...; d.addTimeout(...)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statement(child, bounded)
            elif isinstance(child, ast.expr):
                self.expression(child, bounded)
            elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                for stmt in child.body:
                    self.statement(stmt, bounded)

    def _local_iteration(self, iterator: ast.expr, bounded: bool) -> bool:
        if isinstance(iterator, ast.Call):
            local = self.suite.resolve(iterator.func, self.function)
            for callee in local:
                self.facts.edges.append((callee, bounded))
            return bool(local)
        return False

    def expression(self, node: ast.expr, bounded: bool) -> None:
        if isinstance(node, ast.Await):
            self.awaited(node, node.value, bounded)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Call):
            self.call(node, bounded)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expression(child, bounded)

    def call(self, node: ast.Call, bounded: bool, followed: bool = True) -> None:
        """A call not awaited here: the coroutines of the suite it makes or spawns are followed
        (``followed=False``: a coroutine handed to a detached task, followed only where it is waited)."""
        name = call_name(node.func)
        inner = bounded or _bounding_call(node)
        local = self.suite.resolve(node.func, self.function)
        if any(self.suite.bounding(f) for f in local):
            inner = True  # a helper that bounds what it is given
        for callee in local:
            if callee.is_async and followed:
                self.facts.edges.append((callee, bounded))
        if name in SPAWNERS and node.args:
            for callee in self.suite.resolve(node.args[0], self.function):
                self.facts.edges.append((callee, bounded))
        self.expression(node.func, bounded)
        detached = name in DETACHED and not (isinstance(node.func, ast.Attribute) and dotted(
            node.func.value) in self.task_groups)
        for arg in (*node.args, *(k.value for k in node.keywords)):
            if detached and isinstance(arg, ast.Call):
                self.call(arg, inner, followed=False)
            else:
                self.expression(arg, inner)

    def awaited(self, node: ast.Await, value: ast.expr, bounded: bool) -> None:
        """``await value``: fine, followed, or an unbounded wait."""
        problem = self.judge(value, bounded)
        if problem and not bounded:
            self.facts.waits.append(Wait(node.lineno, code_of(value), problem))

    def judge(self, value: ast.expr, bounded: bool, seen: frozenset[str] = frozenset()) -> str | None:
        """Why awaiting ``value`` (outside any bound) can wait forever, or None. Calls in it are
        followed as they would be anyway."""
        if isinstance(value, ast.Call):
            self.call(value, bounded)
            if bounded or _bounding_call(value):
                return None
            name = call_name(value.func)
            local = self.suite.resolve(value.func, self.function)
            if any(f.is_async or self.suite.bounding(f) for f in local):
                return None  # followed: its waits are judged where they are
            if name in SLEEPS:
                return self._sleep(value)
            if name == "sleep_forever":
                return "sleeps forever"
            if isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Name) \
                    and value.func.value.id in self.files and name in FILE_METHODS:
                return None
            if name in FIRST_OF:
                parts = self._parts(value)
                if any(self.judge_quietly(p, seen) is None for p in parts):
                    return None
                return f"{name}() of waits none of which is bounded"
            if name in PASS_THROUGH and not (name == "wait" and dotted(value.func) != "asyncio.wait"):
                parts = self._parts(value)
                problems = [p for p in (self.judge_quietly(part, seen) for part in parts) if p]
                return problems[0] if problems else None
            if name in COMPLETE_ON_THEIR_OWN:
                return None
            if name == "start" and value.args and self.suite.resolve(value.args[0], self.function):
                return None  # a nursery child of the suite: followed
            return f"{code_of(value.func, 60)}() can wait forever and nothing bounds it"
        if isinstance(value, (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp)):
            elements = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value.elt]
            problems = [p for p in (self.judge_quietly(e, seen) for e in elements) if p]
            return problems[0] if problems else None
        if isinstance(value, (ast.Name, ast.Attribute)):
            key = dotted(value)
            if key in self.timed_names:
                return None
            if isinstance(value, ast.Name) and value.id in self.assigned and value.id not in seen:
                made = self.assigned[value.id]
                problem = self.judge_quietly(made, seen | {value.id})
                return f"{value.id} = {code_of(made, 60)}: {problem}" if problem else None
            return "awaits a task, future or Deferred made elsewhere, with no bound"
        return "an awaited expression with no bound"

    def judge_quietly(self, value: ast.expr, seen: frozenset[str]) -> str | None:
        if isinstance(value, ast.Starred):
            value = value.value
        return self.judge(value, False, seen)

    @staticmethod
    def _parts(call: ast.Call) -> list[ast.expr]:
        parts: list[ast.expr] = []
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                arg = arg.value
            if isinstance(arg, (ast.List, ast.Tuple, ast.Set)):
                parts.extend(arg.elts)
            elif isinstance(arg, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
                parts.append(arg.elt)
            else:
                parts.append(arg)
        return parts

    def _sleep(self, call: ast.Call) -> str | None:
        duration = call.args[1] if call_name(call.func) == "deferLater" and len(call.args) > 1 else \
            (call.args[0] if call.args and call_name(call.func) != "deferLater" else None)
        seconds = evaluate(duration, self.module.constants) if duration is not None else None
        if seconds is not None and seconds >= self.module.deadline_s:
            return f"sleeps {seconds:g} s, not less than the cell's deadline ({self.module.deadline_s:g} s)"
        return None


def await_violations(suite: Suite) -> list[Violation]:
    facts = {id(f.node): (f, AwaitChecker(suite, f).run()) for m in suite.modules.values()
             for f in m.functions if f.is_async}
    # Which functions each body reaches outside any bound.
    reached_by: dict[int, set[str]] = {}
    for module in suite.modules.values():
        if not module.scenario:
            continue
        for name, is_async in BODIES.items():
            body = module.top_level(name)
            if body is None or not is_async or id(body.node) not in facts:
                continue
            entry = f"{module.rel.removesuffix('.py').replace('/', '.')}.{name}"
            todo = [body]
            while todo:
                current = todo.pop()
                reached = reached_by.setdefault(id(current.node), set())
                if entry in reached:
                    continue
                reached.add(entry)
                if id(current.node) in facts:
                    todo.extend(callee for callee, bounded in facts[id(current.node)][1].edges
                                if not bounded and callee.is_async)
    found = []
    for key, (function, fact) in facts.items():
        entries = sorted(reached_by.get(key, ()))
        if _is_support(function.module.rel):
            # shared with the bench workloads, which are not held to bounded waits: judged where the
            # bodies of the conformance areas reach it
            entries = [e for e in entries if e.split(".", 1)[0] in CONFORMANCE_AREAS]
        for wait in fact.waits:
            if not entries or function.label in BOUNDING_HELPERS:
                continue
            via = ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")
            found.append(Violation(function.module.rel, wait.line, "bounded-await", wait.code,
                                   f"{wait.what} (in {function.node.name}, reached from {via})"))
    return found


# --- sync waits ----------------------------------------------------------------------------------------

def sync_violations(module: Module) -> list[Violation]:
    found: list[Violation] = []
    awaited = {id(n.value) for n in ast.walk(module.tree) if isinstance(n, ast.Await)}
    default_timeout = any(isinstance(n, ast.Call) and call_name(n.func) == "setdefaulttimeout"
                          for n in ast.walk(module.tree))
    for function in module.functions:
        if function.parents and not isinstance(function.parents[-1], ast.AsyncFunctionDef) \
                and any(isinstance(p, ast.FunctionDef) for p in function.parents):
            continue  # judged with the outermost sync function around it (closures share its names)
        nodes = list(_walk_own(function.node))
        if function.is_async:
            # In an async body a call that is not awaited may make a coroutine (``proc.wait()`` given to
            # ``wait_for``): only a call that is a statement or a value assigned is a synchronous wait.
            statements = {id(n.value) for n in nodes if isinstance(n, (ast.Expr, ast.Assign, ast.AnnAssign))}
            nodes_judged = [n for n in nodes if not isinstance(n, ast.Call) or id(n) in statements]
        else:
            nodes_judged = nodes
        barriers = _names_assigned(nodes, lambda call: call_name(call.func) == "Barrier"
                                   and keyword(call, "timeout") is not None)
        for node in nodes_judged:
            if isinstance(node, ast.Call) and id(node) not in awaited:
                problem = _sync_call(node, module, barriers, function.is_async)
                if problem:
                    found.append(Violation(module.rel, node.lineno, "sync-wait", code_of(node), problem))
            if isinstance(node, ast.With) and not function.is_async:
                for item in node.items:
                    pool = item.context_expr
                    if isinstance(pool, ast.Call) and call_name(pool.func) in POOLS:
                        found.append(Violation(module.rel, node.lineno, "sync-wait", code_of(pool),
                                               "leaving the with block joins the workers with no timeout"))
        if not function.is_async and not default_timeout:
            found.extend(_untimed_sockets(module, nodes))
    return found


def _walk_own(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The nodes of a function: a sync function with its nested sync functions (closures), an async
    one without any nested function (each judged on its own)."""
    todo: list[ast.AST] = list(function.body)
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.AsyncFunctionDef):
                continue
            if isinstance(child, ast.FunctionDef) and isinstance(function, ast.AsyncFunctionDef):
                continue
            todo.append(child)


def _names_assigned(nodes: Sequence[ast.AST], test: object) -> set[str]:
    assert callable(test)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and test(node.value):
            found.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return found


def _has_timeout(call: ast.Call, name: str, position: int) -> bool:
    given = keyword(call, name)
    if given is not None:
        return not is_none(given)
    return len(call.args) > position and not is_none(call.args[position])


def _sync_call(call: ast.Call, module: Module, barriers: set[str], in_async: bool) -> str | None:
    name = call_name(call.func)
    full = dotted(call.func) or ""
    if name in ("result", "exception") and in_async:
        return None  # an asyncio future's: it returns or raises at once, it never waits
    if name in TIMEOUT_ARGUMENT and isinstance(call.func, ast.Attribute):
        if name == "join" and (call.args or full.startswith(("os.path", "posixpath", "ntpath"))) \
                and not _has_timeout(call, "timeout", 0):
            return None  # str.join, os.path.join: not a wait
        if name == "wait" and isinstance(call.func.value, ast.Name) and call.func.value.id in barriers:
            return None  # threading.Barrier(..., timeout=t): its wait() is bounded
        blocking = keyword(call, "blocking") or (call.args[0] if call.args else None)
        if name == "acquire" and isinstance(blocking, ast.Constant) and blocking.value is False:
            return None  # acquire(False): it never waits
        keyword_name, position = TIMEOUT_ARGUMENT[name]
        if not _has_timeout(call, keyword_name, position):
            return f"{name}() with no timeout waits forever if what it waits for never comes"
        return None
    if name == "get" and isinstance(call.func, ast.Attribute) and not call.args and not call.keywords:
        return "get() with no timeout: a queue's get waits forever if nothing is put"
    if full in {f"subprocess.{n}" for n in SUBPROCESS_WAITS} and keyword(call, "timeout") is None:
        return f"{full}() with no timeout waits for the child forever"
    if full in ("concurrent.futures.wait", "wait") and name == "wait" and isinstance(call.func, ast.Name) \
            and not _has_timeout(call, "timeout", 1):
        return "concurrent.futures.wait() with no timeout"
    if full == "select.select" and not _has_timeout(call, "timeout", 3):
        return "select.select() with no timeout"
    if name == "select" and isinstance(call.func, ast.Attribute) and full != "select.select" \
            and not _has_timeout(call, "timeout", 0):
        return "a selector's select() with no timeout"
    if full in ("os.wait", "signal.pause", "signal.sigwait"):
        return f"{full}() cannot take a timeout"
    if full == "os.waitpid" and len(call.args) > 1 and isinstance(call.args[1], ast.Constant) \
            and call.args[1].value == 0:
        return "os.waitpid(pid, 0) cannot take a timeout (poll with os.WNOHANG)"
    if full == "time.sleep" and call.args:
        seconds = evaluate(call.args[0], module.constants)
        if seconds is not None and seconds >= module.deadline_s:
            return f"sleeps {seconds:g} s, not less than the cell's deadline ({module.deadline_s:g} s)"
    return None


def _untimed_sockets(module: Module, nodes: Sequence[ast.AST]) -> list[Violation]:
    """Sockets made here with no timeout, that the function waits on or hands on."""
    made: dict[str, ast.Call] = {}
    timed: set[str] = set()
    for node in nodes:
        target_names: list[str] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            value = node.value
            for target in node.targets:
                if isinstance(target, ast.Name):
                    target_names.append(target.id)
                elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
                    target_names.append(target.elts[0].id)  # conn, addr = listener.accept()
                    if isinstance(value, ast.Call) and call_name(value.func) == "socketpair":
                        target_names.extend(e.id for e in target.elts[1:] if isinstance(e, ast.Name))
        elif isinstance(node, (ast.With,)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name) and isinstance(item.context_expr, ast.Call):
                    _note_socket(item.context_expr, [item.optional_vars.id], made, timed)
        if isinstance(value, ast.Call):
            _note_socket(value, target_names, made, timed)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in SOCKET_BOUNDS and isinstance(node.func.value, ast.Name):
            if node.func.attr == "settimeout" and node.args and is_none(node.args[0]):
                continue
            if node.func.attr == "setblocking" and not (node.args and isinstance(node.args[0], ast.Constant)
                                                       and node.args[0].value is False):
                continue
            timed.add(node.func.value.id)
    found = []
    for name, call in made.items():
        if name in timed or not _waited_on(name, nodes):
            continue
        found.append(Violation(module.rel, call.lineno, "sync-wait", code_of(call),
                               f"socket {name!r} has no timeout, and is waited on or handed on"))
    return found


def _note_socket(call: ast.Call, names: list[str], made: dict[str, ast.Call], timed: set[str]) -> None:
    name = call_name(call.func)
    full = dotted(call.func) or ""
    if name not in SOCKET_MAKERS or not names:
        return
    if name in ("socket", "create_connection", "create_server", "socketpair", "fromfd") \
            and not full.startswith("socket."):
        return  # not the socket module's (trio.socket.socket is non-blocking)
    for target in names:
        made[target] = call
        if name == "create_connection" and _has_timeout(call, "timeout", 1):
            timed.add(target)


def _waited_on(name: str, nodes: Sequence[ast.AST]) -> bool:
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == name and node.func.attr in SOCKET_WAITS:
            return True
        arguments = (*node.args, *(k.value for k in node.keywords))
        if any(isinstance(a, ast.Name) and a.id == name for a in arguments):
            return True
    return any(isinstance(n, ast.Return) and isinstance(n.value, ast.Name) and n.value.id == name
               for n in nodes)


# --- bodies, runtime names, imports, outcomes ------------------------------------------------------------

def body_violations(module: Module) -> list[Violation]:
    if not module.scenario:
        return []
    found = []
    defined: dict[str, ast.stmt] = {}
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defined[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    defined[target.id] = stmt
    wanted = PROGRAMS if any(name in defined for name in PROGRAMS) else BODIES
    for name, is_async in wanted.items():
        node = defined.get(name)
        if node is None:
            found.append(Violation(module.rel, 1, "bodies", name, f"no {name}: every style has a body"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                and isinstance(node, ast.AsyncFunctionDef) != is_async:
            found.append(Violation(module.rel, node.lineno, "bodies", name,
                                   f"{name} must be {'an async def' if is_async else 'a def'}"))
    return found


def runtime_name_violations(module: Module) -> list[Violation]:
    found = []

    def add(node: ast.AST, what: str) -> None:
        assert isinstance(node, (ast.expr, ast.stmt))
        found.append(Violation(module.rel, node.lineno, "runtime-name", code_of(node), what))

    for node in ast.walk(module.tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            named = [v for o in operands for v in _literal_strings(o) if names_a_runtime(v)]
            if named:
                add(node, f"compares with a runtime's name ({named[0]!r})")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".", 1)[0] in RUNTIME_MODULES:
                    add(node, f"imports {name}, which only one runtime provides")
                if name in ENGINE_RUNTIME_MODULES or (
                        isinstance(node, ast.ImportFrom) and name == "conformance"
                        and any(f"conformance.{a.name}" in ENGINE_RUNTIME_MODULES for a in node.names)):
                    add(node, "imports the engine's module that knows the runtime")
        elif isinstance(node, ast.Call):
            full = dotted(node.func) or ""
            if full in ("importlib.import_module", "__import__", "importlib.util.find_spec", "find_spec",
                        "import_module", "sys.modules.get") and node.args \
                    and any(names_a_runtime(v) for v in _literal_strings(node.args[0])):
                add(node, "looks up a runtime's module")
            if full in ("os.getenv", "os.environ.get") and node.args \
                    and any("RUNTIME" in str(v).upper() for v in _literal_strings(node.args[0])):
                add(node, "reads the runtime from the environment")
        elif isinstance(node, ast.Subscript):
            full = dotted(node.value) or ""
            if full == "sys.modules" and any(names_a_runtime(v) for v in _literal_strings(node.slice)):
                add(node, "looks up a runtime's module")
            if full == "os.environ" and any("RUNTIME" in str(v).upper()
                                            for v in _literal_strings(node.slice)):
                add(node, "reads the runtime from the environment")
        elif isinstance(node, ast.Attribute):
            if dotted(node) == "sys.argv":
                add(node, "reads sys.argv (the child's command line)")
            elif node.attr in ("runtime", "runtime_name") and isinstance(node.ctx, ast.Load):
                add(node, f"reads .{node.attr}")
    return found


def _literal_strings(node: ast.expr) -> list[object]:
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [v for e in node.elts for v in _literal_strings(e)]
    if isinstance(node, ast.Dict):
        return [v for k in node.keys if k is not None for v in _literal_strings(k)]
    return []


def import_violations(module: Module) -> list[Violation]:
    found = []
    for node in _module_level(module.tree.body):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append(Violation(module.rel, node.lineno, "imports", code_of(node),
                                       "a relative import: areas are not packages (use sibling_module)"))
                continue
            names = [node.module or ""]
        else:
            continue
        for name in names:
            root = name.split(".", 1)[0]
            if root == "conformance":
                continue
            if root in STYLE_LIBRARIES:
                found.append(Violation(module.rel, node.lineno, "imports", code_of(node),
                                       f"{root} is a style's library: import it inside the body"))
            elif root not in sys.stdlib_module_names:
                found.append(Violation(module.rel, node.lineno, "imports", code_of(node),
                                       f"{root} is not the standard library: import it inside the body"))
    return found


def support_import_violations(module: Module) -> list[Violation]:
    """An import of conformance.support that runs when the module is imported: at its top (``if
    TYPE_CHECKING:`` aside), not inside a function."""
    return [Violation(module.rel, node.lineno, "support-imports", code_of(node),
                      "conformance.support is imported inside the body (or the helper's function) that "
                      "uses it: the parent imports every scenario module, and its Twisted modules import "
                      "Twisted at their top")
            for node in _module_level(module.tree.body) if imports_support(node)]


def _module_level(statements: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported: into if/try/with/class, not into
    functions, nor into ``if TYPE_CHECKING:`` (never run)."""
    for stmt in statements:
        yield stmt
        if isinstance(stmt, ast.If):
            if dotted(stmt.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                yield from _module_level(stmt.orelse)
                continue
            yield from _module_level((*stmt.body, *stmt.orelse))
        elif isinstance(stmt, ast.Try):
            yield from _module_level((*stmt.body, *(s for h in stmt.handlers for s in h.body),
                                      *stmt.orelse, *stmt.finalbody))
        elif isinstance(stmt, (ast.With, ast.ClassDef)):
            yield from _module_level(stmt.body)


def outcome_violations(module: Module) -> list[Violation]:
    """A body's unconditional ``raise NotImplementedError`` or ``ctx.expect(<constant>, ...)``: what the
    body decided before it tried anything. The same under an ``if`` that tested what was observed is a
    verdict, and fine."""
    if not module.scenario:
        return []
    found = []
    for name in BODIES:
        body = module.top_level(name)
        if body is None:
            continue
        for stmt in _unconditional(body.node.body):
            if isinstance(stmt, ast.Raise) and stmt.exc is not None and call_name(
                    stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc) == "NotImplementedError":
                found.append(Violation(module.rel, stmt.lineno, "decides-outcome", code_of(stmt),
                                       f"{name} raises NotImplementedError whatever the runtime has: "
                                       "probe for the API (hasattr, getattr, inspect) first"))
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                    and call_name(stmt.value.func) == "expect" and stmt.value.args \
                    and isinstance(stmt.value.args[0], ast.Constant):
                found.append(Violation(module.rel, stmt.lineno, "decides-outcome", code_of(stmt),
                                       f"{name} expects a constant: a verdict decided before trying"))
    return found


def _unconditional(statements: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a body runs whatever happens before them: into with and try blocks, not into
    an if, a loop or an except clause."""
    for stmt in statements:
        yield stmt
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from _unconditional(stmt.body)
        elif isinstance(stmt, ast.Try):
            yield from _unconditional((*stmt.body, *stmt.finalbody))


def scenario_violations(root: Path) -> list[Violation]:
    """Every rule over every module; the bench workloads (``conformance bench``, which never decides a
    conformance outcome) are held to the rules of what the child loads (bodies, runtime names,
    imports), not to those of a verdict (bounded waits, deciding an outcome)."""
    suite = Suite(root)
    found = [v for v in await_violations(suite) if _judged(v.path)]
    for module in suite.modules.values():
        found += runtime_name_violations(module)
        if not _is_support(module.rel):  # a support module imports its style's library at its top
            found += body_violations(module)
            found += import_violations(module)
            found += support_import_violations(module)
        if _judged(module.rel):
            found += sync_violations(module)
            found += outcome_violations(module)
    return sorted(set(found))


def _judged(rel: str) -> bool:
    """The conformance areas and the support their bodies share (not the bench workloads)."""
    return rel.split("/", 1)[0] in CONFORMANCE_AREAS or _is_support(rel)


# --- reproducers -----------------------------------------------------------------------------------------

@cache
def runtime_modules(runtime: str) -> frozenset[str]:
    """The top-level modules a runtime's install provides: its distributions and their dependencies
    (read from the installed metadata), or the runtime's own name where it is not installed."""
    return requirement_modules(tuple(RUNTIMES[runtime].requirements)) | {runtime.replace("-", "_")}


@cache
def library_modules() -> frozenset[str]:
    """What a reproducer of the libraries area may import besides its runtime: the libraries of the
    ``libraries`` extra (the drivers and clients it shows) and their dependencies."""
    from conformance._parent.install import library_requirements

    return requirement_modules(tuple(library_requirements()))


@cache
def requirement_modules(requirements: tuple[str, ...]) -> frozenset[str]:
    """The top-level modules that installing ``requirements`` provides (with their dependencies)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    distributions: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = _normalized(requirement.name)
        if name in distributions:
            continue
        distributions.add(name)
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            needed = Requirement(text)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append(needed)
    modules = set()
    for module, owners in metadata.packages_distributions().items():
        if any(_normalized(o) in distributions for o in owners):
            modules.add(module)
    return frozenset(modules)


def _normalized(distribution: str) -> str:
    """A distribution's name as PEP 503 compares them (``zope.interface`` is ``zope-interface``)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def repro_entries(root: Path) -> dict[str, set[str]]:
    """Each reproducer an expectation names (relative to ``root``) -> the runtimes of its entries."""
    from conformance._model.expectations import pattern_filter

    path = root / "expectations.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for entry in data.get("expectation", []):
        if isinstance(entry, dict) and isinstance(entry.get("repro"), str):
            runtimes = pattern_filter(RUNTIMES, str(entry.get("runtime", "")))
            found.setdefault(entry["repro"], set()).update(runtimes)
    return found


EXITS = frozenset({"sys.exit", "exit", "SystemExit", "os._exit"})


def reproducer_violations(root: Path) -> list[Violation]:
    entries = repro_entries(root)
    found: list[Violation] = []
    for path in reproducer_files(root):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        runtimes = set(entries.get(rel, set()))
        _, _, suffix = path.stem.partition("__")
        for token in suffix.split("__") if suffix else []:
            for candidate in (token, token.replace("_", "-")):
                if candidate in RUNTIMES:
                    runtimes.add(candidate)
        if rel not in entries:
            found.append(Violation(rel, 1, "repro-entry", path.name,
                                   "no expectation names this reproducer (repro = ...): nothing runs it"))
        allowed = set(sys.stdlib_module_names) | {m for r in runtimes for m in runtime_modules(r)}
        if rel.startswith("libraries/"):
            allowed |= library_modules()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                root_name = name.split(".", 1)[0]
                if root_name == "conformance":
                    found.append(Violation(rel, node.lineno, "repro-imports", code_of(node),
                                           "a reproducer runs without the suite: no conformance"))
                elif root_name not in allowed:
                    found.append(Violation(rel, node.lineno, "repro-imports", code_of(node),
                                           f"{root_name} is neither the standard library nor "
                                           f"{' / '.join(sorted(runtimes)) or 'its runtime'} or a "
                                           "dependency of it"))
        nodes = list(ast.walk(tree))
        strings = [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        says = {word: any(s.lstrip().startswith(word) for s in strings)
                for word in ("REPRODUCED", "NOT REPRODUCED")}
        exits = any(isinstance(n, ast.Call) and dotted(n.func) in EXITS for n in nodes)
        missing = [w for w, present in says.items() if not present] + ([] if exits else ["an exit status"])
        if missing:
            found.append(Violation(rel, len(tree.body) and tree.body[-1].lineno, "repro-verdict", path.name,
                                   f"it never says {' or '.join(missing)}"))
        reads_argv = any(isinstance(n, ast.Attribute) and dotted(n) == "sys.argv" for n in nodes) or any(
            isinstance(n, ast.ImportFrom) and n.module == "sys" and any(a.name == "argv" for a in n.names)
            for n in nodes)
        if not reads_argv:
            found.append(Violation(rel, 1, "repro-argv", path.name,
                                   "it never reads sys.argv: `python SCRIPT RUNTIME` names the runtime in "
                                   "sys.argv[1]"))
    return sorted(found)


# --- the check itself, on scenario folders made for it --------------------------------------------------

HEADER = ('"""A scenario made up for the rules\' test.\n\nReference semantics: none.\n"""\n\n'
          "from __future__ import annotations\n\n")
COMPLETE = HEADER + """import socket

from conformance import Context


def run_sync(ctx: Context) -> None:
    with socket.create_connection(ctx.peers["tcp_echo"].tuple, timeout=5) as sock:
        sock.recv(1)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", 1), 5)
    async with asyncio.timeout(5):
        await reader.read()
    await asyncio.sleep(0.5)
    await ctx.check_leaks(ctx.resources(), "x", asyncio.sleep)


async def run_trio(ctx: Context) -> None:
    import trio

    with trio.fail_after(5):
        stream = await trio.open_tcp_stream("127.0.0.1", 1)
        await stream.receive_some(1)
    await trio.sleep(1)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, reactor

    waiter: defer.Deferred[None] = defer.Deferred()
    waiter.addTimeout(5, reactor)
    await waiter
"""


def violations_of(root: Path, files: dict[str, str], toml: str = "") -> list[tuple[str, int, str]]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if toml:
        (root / "expectations.toml").write_text(toml, encoding="utf-8")
    return [(v.path, v.line, v.rule) for v in all_violations(root)]


def lines_of(text: str, *fragments: str) -> list[int]:
    """The line of each fragment (its first occurrence), sorted."""
    return sorted(next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)
                  for fragment in fragments)


def test_a_scenario_that_follows_every_rule_has_no_violation(tmp_path: Path) -> None:
    assert violations_of(tmp_path, {"sockets/fine.py": COMPLETE}) == []


def test_a_missing_body_and_a_body_of_the_wrong_kind(tmp_path: Path) -> None:
    text = COMPLETE.replace("async def run_asyncio", "def run_asyncio").replace(
        "async def run_twisted", "async def other")
    found = violations_of(tmp_path, {"sockets/partial.py": text})
    assert sorted(found) == [("sockets/partial.py", 1, "bodies"),  # no run_twisted
                             ("sockets/partial.py", *lines_of(text, "def run_asyncio"), "bodies")]
    assert violations_of(tmp_path / "helpers", {"sockets/_shared.py": HEADER}) == []  # a helper has none


def test_a_body_that_asks_which_runtime_runs(tmp_path: Path) -> None:
    asks = """        sock.recv(1)
    if "gevent" in sys.modules:
        pass
    if ctx.runtime:
        pass
    if os.environ.get("CONFORMANCE_RUNTIME"):
        pass
    if type(sock).__module__ in ("gevent._socket3", "eventlet.greenio"):
        pass
    if socket.gethostname() == "trio":
        pass
    if sys.argv:
        pass
    import uvloop
    if len(sys.path) == 3 and "tcp" != "udp":
        pass
"""
    text = COMPLETE.replace("        sock.recv(1)\n", asks).replace(
        "import socket\n", "import os\nimport socket\nimport sys\n")
    found = [line for _, line, rule in violations_of(tmp_path, {"sockets/asks.py": text})
             if rule == "runtime-name"]
    assert sorted(set(found)) == lines_of(text, '"gevent" in sys.modules', "ctx.runtime",
                                          "CONFORMANCE_RUNTIME", "gevent._socket3", '== "trio"',
                                          "if sys.argv", "import uvloop")


def test_module_level_imports_are_the_standard_library_and_conformance(tmp_path: Path) -> None:
    imports = """import asyncio
import socket
from typing import TYPE_CHECKING

import trio

from . import _shared

if TYPE_CHECKING:
    import twisted
try:
    import fcntl
except ImportError:
    import msvcrt
"""
    text = COMPLETE.replace("import socket\n", imports)
    found = [line for _, line, rule in violations_of(tmp_path, {"sockets/imports.py": text})]
    assert sorted(found) == lines_of(text, "import asyncio", "import trio", "from . import")


UNBOUNDED_TCP_ECHO = HEADER + """import socket

from conformance import Context, sibling_module

_echo = sibling_module(__file__, "_echo")


def run_sync(ctx: Context) -> None:
    with socket.create_connection(ctx.peers["tcp_echo"].tuple, timeout=10) as sock:
        _echo.echo_sync(sock, b"x")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    reader, writer = await asyncio.open_connection(*ctx.peers["tcp_echo"].tuple)
    await _echo.echo_asyncio(reader, writer, b"x")


async def run_trio(ctx: Context) -> None:
    import trio

    stream = await trio.open_tcp_stream(*ctx.peers["tcp_echo"].tuple)
    async with stream:
        await _echo.echo_trio(stream, b"x")


async def run_twisted(ctx: Context) -> None:
    await bounded(ctx)


async def bounded(ctx: Context) -> None:
    import asyncio

    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", 1), 5)
    await asyncio.wait_for(_echo.echo_asyncio(reader, writer, b"x"), 5)
"""
ECHO = HEADER + """import socket
import threading
from typing import Any


def echo_sync(sock: socket.socket, data: bytes) -> None:
    thread = threading.Thread(target=print)
    thread.start()
    thread.join()


async def echo_asyncio(reader: Any, writer: Any, data: bytes) -> bytes:
    import asyncio

    async def send() -> None:
        writer.write(data)
        await writer.drain()

    sending = asyncio.create_task(send())
    received: bytes = await reader.read()
    await sending
    return received


async def echo_trio(stream: Any, data: bytes) -> None:
    import trio

    async def send() -> None:
        await stream.send_all(data)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send)
        await stream.receive_some(65536)
"""


def test_the_unbounded_waits_of_tcp_echo_as_it_was_are_found_where_they_wait(tmp_path: Path) -> None:
    # sockets.tcp_echo before its waits were bounded (the example): the connects in the bodies,
    # the reads and writes in the helper, each once at its line, with the bodies that reach it unbounded.
    found = violations_of(tmp_path, {"sockets/tcp_echo.py": UNBOUNDED_TCP_ECHO, "sockets/_echo.py": ECHO})
    expected = [("sockets/_echo.py", line, "bounded-await") for line in lines_of(
        ECHO, "await writer.drain()", "await reader.read()", "await stream.send_all(data)",
        "await stream.receive_some(65536)")]
    expected.append(("sockets/_echo.py", lines_of(ECHO, "thread.join()")[0], "sync-wait"))
    expected += [("sockets/tcp_echo.py", line, "bounded-await") for line in lines_of(
        UNBOUNDED_TCP_ECHO, "await asyncio.open_connection(*", "await trio.open_tcp_stream(*")]
    assert sorted(found) == sorted(expected)
    messages = [str(v) for v in all_violations(tmp_path)]
    assert any("reached from sockets.tcp_echo.run_asyncio" in m and "reader.read()" in m for m in messages)
    # run_twisted reaches the same helper only inside a bound: it is not named
    assert not any("run_twisted" in m for m in messages)


def test_bounds_sleeps_async_for_and_operations_that_complete(tmp_path: Path) -> None:
    waits = """    await trio.sleep(1)
    await trio.sleep(TIMEOUT_S + 1)
    with trio.move_on_after(None):
        await stream.receive_some(3)
    with trio.CancelScope(deadline=trio.current_time() + 5):
        await stream.receive_some(2)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(child)
    async with await trio.open_file("x") as f:
        await f.read()
    await trio.run_process(["true"])
    await trio.lowlevel.open_process(["true"])
    with trio.open_signal_receiver(2) as signals:
        async for _ in signals:
            break


async def child() -> None:
    import trio

    await trio.sleep_forever()
"""
    text = COMPLETE.replace("    await trio.sleep(1)\n", waits).replace(
        "from conformance import Context\n", "from conformance import Context\n\nTIMEOUT_S = 10\n")
    found = [line for _, line, rule in violations_of(tmp_path, {"sockets/waits.py": text})
             if rule == "bounded-await"]
    assert sorted(found) == lines_of(text, "trio.sleep(TIMEOUT_S + 1)", "await stream.receive_some(3)",
                                     "await trio.run_process", "async for _ in signals",
                                     "trio.sleep_forever()")


def test_a_task_counts_where_it_is_waited(tmp_path: Path) -> None:
    tasks = """    await asyncio.sleep(0.5)

    async def waited_with_a_bound() -> None:
        await reader.read(1)

    async def awaited() -> None:
        await reader.read(2)

    async def in_a_group() -> None:
        await reader.read(3)

    async def never_waited() -> None:
        await reader.read(4)

    bounded = [asyncio.create_task(waited_with_a_bound())]
    await asyncio.wait(bounded, timeout=5)
    task = asyncio.create_task(awaited())
    await task
    async with asyncio.TaskGroup() as group:
        group.create_task(in_a_group())
    asyncio.create_task(never_waited()).cancel()
"""
    text = COMPLETE.replace("    await asyncio.sleep(0.5)\n", tasks)
    found = [line for _, line, rule in violations_of(tmp_path, {"sockets/tasks.py": text})
             if rule == "bounded-await"]
    assert sorted(found) == lines_of(text, "reader.read(2)", "reader.read(3)")


def test_twisted_waits_are_bounded_by_add_timeout_or_a_helper_that_bounds(tmp_path: Path) -> None:
    helper = HEADER + """from typing import Any


def within(seconds: float, awaitable: Any) -> Any:
    from twisted.internet import reactor

    return awaitable.addTimeout(seconds, reactor)
"""
    waits = """    await waiter
    await _tw.within(5, endpoints.connectProtocol(endpoint, factory))
    await endpoints.connectProtocol(endpoint, factory)
    other = defer.Deferred()
    await other
    await task.deferLater(reactor, 0.1)
    await defer.race([task.deferLater(reactor, 1.0), other])
    await defer.DeferredList([other])
"""
    text = COMPLETE.replace("    await waiter\n", waits).replace(
        "from conformance import Context\n",
        'from conformance import Context, sibling_module\n\n_tw = sibling_module(__file__, "_tw")\n'
        "endpoint: object = None\nfactory: object = None\n").replace(
        "import defer, reactor", "import defer, endpoints, reactor, task")
    files = {"sockets/tw.py": text, "sockets/_tw.py": helper}
    found = [line for _, line, rule in violations_of(tmp_path, files) if rule == "bounded-await"]
    assert sorted(found) == lines_of(text, "    await endpoints.connectProtocol", "    await other",
                                     "await defer.DeferredList")


def test_the_support_modules_bound_and_their_waits_are_followed(tmp_path: Path) -> None:
    # The bounds of conformance.support (within_asyncio, within_trio, within_twisted) are read as bounds,
    # by name or through the module, and a Stream's read reached with no bound is reported where it
    # waits, in the support module, naming the body that reaches it.
    connect = """    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", 1), 5)
"""
    text = COMPLETE.replace(connect, """    from conformance.support.net import within_asyncio

    reader, writer = await within_asyncio(5, asyncio.open_connection("127.0.0.1", 1))
    await reader.read(1)
""").replace("""    with trio.fail_after(5):
        stream = await trio.open_tcp_stream("127.0.0.1", 1)
""", """    from conformance.support import net

    stream = await net.within_trio(5, trio.open_tcp_stream("127.0.0.1", 1))
    with trio.fail_after(5):
""").replace("""    waiter: defer.Deferred[None] = defer.Deferred()
    waiter.addTimeout(5, reactor)
    await waiter
""", """    from twisted.internet import endpoints

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    endpoint = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", 1)
    stream = await within_twisted(5, endpoints.connectProtocol(endpoint, Stream()))
    await within_twisted(5, stream.read_exactly(1))
    await stream.read_exactly(2)
""")
    found = [(path, line) for path, line, rule in violations_of(tmp_path, {"sockets/shared.py": text})
             if rule == "bounded-await"]
    streams = (SUPPORT / "twisted_streams.py").read_text(encoding="utf-8")
    wait = streams.count("\n", 0, streams.index("await self._changed()",
                                                streams.index("async def read_exactly"))) + 1
    assert sorted(found) == [("conformance/support/twisted_streams.py", wait),
                             ("sockets/shared.py", *lines_of(text, "await reader.read(1)"))]
    messages = [str(v) for v in all_violations(tmp_path)]
    assert any(m.startswith("conformance/support/twisted_streams.py:") and "sockets.shared.run_twisted" in m
               for m in messages)


def test_support_is_imported_inside_functions(tmp_path: Path) -> None:
    imports = """import socket
from typing import TYPE_CHECKING

import conformance.support.net as net
from conformance import support
from conformance.support.net import recv_exactly

if TYPE_CHECKING:
    from conformance.support.twisted_streams import Stream
"""
    text = COMPLETE.replace("import socket\n", imports).replace(
        "        sock.recv(1)\n", "        from conformance.support.net import recv_exactly as exactly\n\n"
                                 "        exactly(sock, 1)\n")
    helper = HEADER + "from conformance.support.twisted_processes import spawn\n"
    found = violations_of(tmp_path, {"subprocess/imports.py": text, "subprocess/_helper.py": helper})
    assert sorted((path, line) for path, line, rule in found if rule == "support-imports") == [
        ("subprocess/_helper.py", lines_of(helper, "import spawn")[0]),
        *(("subprocess/imports.py", line) for line in lines_of(
            text, "import conformance.support.net", "from conformance import support",
            "from conformance.support.net import recv_exactly"))]  # the first: the module's
    assert [rule for _, _, rule in found if rule != "support-imports"] == []


def test_sync_waits_take_timeouts_and_sockets_get_one(tmp_path: Path) -> None:
    body = """    import queue
    import subprocess
    import threading
    from concurrent.futures import ThreadPoolExecutor

    plain = socket.create_connection(("127.0.0.1", 1))
    plain.sendall(b"x")
    timed = socket.socket()
    timed.settimeout(5)
    timed.connect(("127.0.0.1", 1))
    listener = socket.create_server(("127.0.0.1", 0))
    conn, _ = listener.accept()
    conn.close()
    unused = socket.socket()
    unused.close()
    thread = threading.Thread(target=print)
    thread.start()
    thread.join()
    thread.join(5)
    event = threading.Event()
    event.wait()
    event.wait(1)
    barrier = threading.Barrier(2, timeout=5)
    barrier.wait()
    subprocess.run(["false"])
    subprocess.run(["true"], timeout=5)
    queue.Queue().get()
    print(", ".join(["a"]))
    with ThreadPoolExecutor() as pool:
        pool.submit(print).result(timeout=5)
"""
    start, end = COMPLETE.index("    with socket.create_connection"), COMPLETE.index("\n\n\nasync def")
    text = COMPLETE[:start] + body + COMPLETE[end + 1:]
    found = [line for _, line, rule in violations_of(tmp_path, {"sockets/sync.py": text})
             if rule == "sync-wait"]
    assert sorted(found) == lines_of(text, "plain = socket.create_connection",
                                     "listener = socket.create_server", "thread.join()", "event.wait()",
                                     'subprocess.run(["false"])', "queue.Queue().get()",
                                     "with ThreadPoolExecutor()")


def test_a_body_that_decides_its_own_outcome(tmp_path: Path) -> None:
    text = COMPLETE.replace("    await waiter\n", """    await waiter
    if not hasattr(reactor, "spawnProcess"):
        raise NotImplementedError("reactor.spawnProcess: probed, and absent")
    raise NotImplementedError("Twisted has no API for this")
""").replace("        sock.recv(1)\n", """        sock.recv(1)
        ctx.expect(False, "decided")
    if sock.fileno() < 0:
        ctx.expect(False, "a verdict on what was seen")
""")
    found = [line for _, line, rule in violations_of(tmp_path, {"sockets/decides.py": text})
             if rule == "decides-outcome"]
    assert sorted(found) == lines_of(text, 'ctx.expect(False, "decided")', "has no API for this")


def test_reproducers_use_the_runtime_and_the_standard_library_and_say_what_they_saw(tmp_path: Path) -> None:
    good = '''"""Shows it."""
import sys

import dns.resolver  # eventlet's own dependency (dnspython)
import eventlet

print("running under", sys.argv[1], dns.resolver)
print("REPRODUCED: it does" if eventlet else "NOT REPRODUCED: it does not")
sys.exit(0)
'''
    bad = '''"""Shows it with help."""
import requests

from conformance import Context

print("it happens", requests, Context)
'''
    toml = """
[[expectation]]
scenario = "sockets.peer_reset"
runtime = "eventlet"
outcome = "fail"
reason = "r"
link = "https://example.org/x"
repro = "sockets/repro/good__eventlet.py"
"""
    files = {"sockets/fine.py": COMPLETE, "sockets/repro/good__eventlet.py": good,
             "sockets/repro/bad__eventlet.py": bad}
    found = violations_of(tmp_path, files, toml)
    bad_path = "sockets/repro/bad__eventlet.py"
    assert sorted((line, rule) for path, line, rule in found if path == bad_path) == [
        (1, "repro-argv"), (1, "repro-entry"), (2, "repro-imports"), (4, "repro-imports"),
        (6, "repro-verdict")]
    assert [v for v in found if v[0] != bad_path] == []


def test_a_known_violation_is_matched_by_file_rule_and_code_not_by_line() -> None:
    first = Violation("sockets/x.py", 10, "bounded-await", "reader.read()", "m")
    moved = Violation("sockets/x.py", 30, "bounded-await", "reader.read()", "m")
    assert first.key == moved.key
    assert first.listing() == "sockets/x.py:10 [bounded-await] reader.read()"


# --- what is known today -----------------------------------------------------------------------------------

# The violations known on 2026-12-02, when this check was written: each is for the owner of the file to
# fix, and its line goes when it is fixed (the test says so). Nothing is added here to make a new
# violation pass: fix it.
KNOWN = """
"""


def known() -> Counter[tuple[str, str, str]]:
    found: Counter[tuple[str, str, str]] = Counter()
    for line in KNOWN.strip().splitlines():
        match = re.fullmatch(r"(\S+):(\d+) \[([\w-]+)\] (.*)", line.strip())
        assert match, f"a KNOWN line must read 'file:line [rule] code': {line!r}"
        found[(match[1], match[3], match[4])] += 1
    return found


def all_violations(root: Path = SCENARIOS) -> list[Violation]:
    return scenario_violations(root) + reproducer_violations(root)


def test_every_known_line_is_well_formed() -> None:
    for path, rule, _ in known():
        assert rule in RULES, f"unknown rule {rule!r} in KNOWN"
        where = SUPPORT.parents[1] / path if _is_support(path) else SCENARIOS / path
        assert where.is_file(), f"KNOWN names {path}, which does not exist"


def test_no_new_violation_of_the_scenario_rules() -> None:
    allowed = known()
    new = []
    for violation in all_violations():
        if allowed[violation.key] > 0:
            allowed[violation.key] -= 1
        else:
            new.append(violation)
    assert not new, (f"{len(new)} violation(s) of the scenario rules (docs/writing-a-scenario.md, "
                     "tests/scenarios/test_scenario_rules.py):\n" + "\n".join(map(str, new)))


def test_every_known_violation_still_exists() -> None:
    remaining = known()
    remaining.subtract(Counter(v.key for v in all_violations()))
    gone = sorted(key for key, count in remaining.items() if count > 0)
    assert not gone, ("fixed, so remove from KNOWN in tests/scenarios/test_scenario_rules.py:\n"
                      + "\n".join(f"{p} [{r}] {c}" for p, r, c in gone))
