"""The GitHub Actions workflow's own steps, run here: what each leg uploads, and the report job over legs
laid out as actions/download-artifact lays them out.

GitHub cannot be reached from here, so the steps are read from .github/workflows/conformance.yml (never
a copy) and played as a runner would: every ``run:`` script runs in bash (``-eo pipefail``, as GitHub's
``shell: bash``) in a copy of the working tree, with the variables GitHub gives it (``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY``, the job's and the step's ``env:`` with their ``${{ }}`` expressions evaluated),
each step's ``if:`` evaluated with GitHub's rules, and a failed step skipping the steps that do not ask
to run anyway. The ``uses:`` steps are played by this file: checkout is that copy, setup-python is the
interpreter of these tests (tox included), download-artifact the leg folders the test lays out (one per
artifact, or the artifact's files straight in the folder when there is only one, as v8 does), and an
upload the files its ``path:`` globs match, rooted at their common folder as upload-artifact roots them.

A leg's own run (tox over every runtime) is too long for a test: the files it writes are the ones tox.ini
names for it (asked of ``tox config`` with the leg's environment), filled with run documents of the
leg's platform. The report job runs its real command, ``tox -e report``, in a tox env made once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance._model.results import platform_id
from conformance._runtimes import RUNTIMES

yaml = pytest.importorskip("yaml", reason="PyYAML reads the workflow (pip install pyyaml)")

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"
# What a fresh leg writes into its documents' run info, so that the report can be searched for it.
FRESH_COMMIT = "f" * 40
# The runners of the matrix and the OS part of their platform ids (sys_platform, platform.machine()).
RUNNER_PLATFORMS = {"ubuntu-latest": ("linux", "x86_64"), "windows-latest": ("win32", "AMD64"),
                    "macos-latest": ("darwin", "arm64"), "macos-26-intel": ("darwin", "x86_64")}
needs_tox = pytest.mark.skipif(shutil.which("tox", path=str(Path(sys.executable).parent)) is None,
                               reason="the report job's command is tox (pip install tox)")
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="the workflow's steps are bash")


def _workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


# -- GitHub's expressions (the part of the language the workflow uses) -----------------------------

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)"
                    r"|(?P<op>==|!=|&&|\|\||!|\(|\)|,)|(?P<name>[A-Za-z_][\w-]*(?:\.[\w-]+|\.\*)*))")


class Expression:
    """Evaluates ``${{ }}`` expressions as GitHub does, for the operators, functions and contexts the
    workflow uses; anything else raises, so that a new construct cannot be silently misread here."""

    def __init__(self, contexts: Mapping[str, Any], status: Callable[[str], bool]) -> None:
        self.contexts = contexts
        self.status = status  # success(), failure(), cancelled(), always()

    def evaluate(self, text: str) -> Any:
        self.tokens = self._tokenize(text)
        self.position = 0
        value = self._or()
        if self.position != len(self.tokens):
            raise ValueError(f"cannot read the expression {text!r} past {self.tokens[self.position]!r}")
        return value

    def substitute(self, text: str) -> str:
        """``text`` with each ``${{ ... }}`` replaced by its value, as GitHub does in env: and with:."""
        def value(match: re.Match[str]) -> str:
            result = self.evaluate(match.group(1))
            if result is None:
                return ""
            if isinstance(result, bool):
                return "true" if result else "false"
            return str(result)

        return re.sub(r"\$\{\{(.*?)\}\}", value, text)

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, position = [], 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise ValueError(f"cannot read the expression {text!r} at {text[position:]!r}")
            kind = match.lastgroup
            assert kind is not None
            tokens.append((kind, match.group(kind)))
            position = match.end()
        return tokens

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise ValueError("the expression ends too early")
        self.position += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == ("op", "||"):
            self._take()
            right = self._and()
            value = value if _truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._peek() == ("op", "&&"):
            self._take()
            right = self._compare()
            value = right if _truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._not()
        while self._peek() in (("op", "=="), ("op", "!=")):
            _, op = self._take()
            right = self._not()
            same = _loose_equal(value, right)
            value = same if op == "==" else not same
        return value

    def _not(self) -> Any:
        if self._peek() == ("op", "!"):
            self._take()
            return not _truthy(self._not())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if (kind, text) == ("op", "("):
            value = self._or()
            if self._take() != ("op", ")"):
                raise ValueError("a '(' is not closed")
            return value
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == ("op", "("):
            if text not in ("success", "failure", "cancelled", "always"):
                raise ValueError(f"the function {text}() is not known to this test")
            self._take()
            if self._take() != ("op", ")"):
                raise ValueError(f"{text}() takes no arguments")
            return self.status(text)
        head, *rest = text.split(".")
        if head not in self.contexts:
            raise ValueError(f"the context {head!r} is not known to this test")
        value = self.contexts[head]
        for part in rest:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, 0.0, "")


def _loose_equal(a: Any, b: Any) -> bool:
    """GitHub's ``==``: strings compare case-insensitively; values of different types are compared as
    numbers (null and '' are 0, true 1, a string that is no number NaN, equal to nothing)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b):
        return bool(a == b)
    return _number(a) == _number(b)


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        return float("nan")


def test_expressions_follow_githubs_rules() -> None:
    contexts = {"github": {"event_name": "push", "ref": "refs/heads/main"},
                "steps": {"build": {"outputs": {"status": "2", "built": "true"}}}}
    expression = Expression(contexts, lambda name: {"cancelled": False, "success": True}.get(name, True))
    assert expression.evaluate("!cancelled()") is True
    assert expression.evaluate("steps.build.outputs.status != '0'") is True
    # values of different types compare as numbers: a missing output (null) equals '' and '0'
    assert expression.evaluate("steps.build.outputs.missing == ''") is True
    assert expression.evaluate("steps.build.outputs.missing != '0'") is False
    assert expression.evaluate("steps.build.outputs.status == 2") is True
    assert expression.evaluate("github.event_name == 'PUSH' && github.ref == 'refs/heads/main'") is True
    assert expression.evaluate("github.event_name == 'schedule' || 'fallback'") == "fallback"
    assert expression.substitute("github-pages-${{ steps.build.outputs.built }}") == "github-pages-true"
    with pytest.raises(ValueError, match="not known"):
        expression.evaluate("hashFiles('x')")


# -- the runner: a job's steps, played ---------------------------------------------------------------


@dataclass
class Upload:
    action: str
    name: str
    files: dict[str, Path]  # path inside the artifact -> file in the workspace


@dataclass
class JobRun:
    """What a job did: each step's outcome (success, failure, skipped), outputs, summary, uploads."""

    outcomes: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    uploads: list[Upload] = field(default_factory=list)
    job_outputs: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return "failure" in self.outcomes.values()

    def upload(self, action: str) -> Upload | None:
        found = [u for u in self.uploads if u.action == action]
        return found[-1] if found else None


def _search_root(pattern: str) -> str:
    """The literal folder before a glob's first wildcard (@actions/glob's search path)."""
    parts = []
    for part in pattern.strip("/").split("/"):
        if any(ch in part for ch in "*?[{"):
            break
        parts.append(part)
    return "/".join(parts)


def uploaded_files(workspace: Path, path_input: str) -> dict[str, Path]:
    """What actions/upload-artifact puts in an artifact for ``path:``: every file its patterns match
    (a folder: all of it), named relative to the least common ancestor of the patterns' search paths."""
    patterns = [line.strip() for line in path_input.splitlines() if line.strip()]
    excluded = {p[1:] for p in patterns if p.startswith("!")}
    included = [p for p in patterns if not p.startswith("!")]
    files: set[Path] = set()
    for pattern in included:
        target = workspace / pattern
        if not any(ch in pattern for ch in "*?[") and target.is_dir():
            files.update(p for p in target.rglob("*") if p.is_file())
        else:
            files.update(p for p in workspace.glob(pattern) if p.is_file())
    files = {f for f in files if not any(f.match(e) for e in excluded)}
    # upload-artifact leaves hidden files out unless told (include-hidden-files)
    files = {f for f in files if not any(part.startswith(".") for part in f.relative_to(workspace).parts)}
    roots = [Path(_search_root(p)) for p in included]
    common = Path(os.path.commonpath([str(r) for r in roots])) if roots else Path()
    return {f.relative_to(workspace / common).as_posix(): f for f in sorted(files)}


def run_job(job_name: str, workspace: Path, *, github: Mapping[str, Any],
            needs: Mapping[str, Any] | None = None, matrix: Mapping[str, Any] | None = None,
            extra_env: Mapping[str, str] | None = None,
            play: Callable[[str, Mapping[str, Any], JobRun], bool] | None = None) -> JobRun:
    """Play the steps of ``job_name`` in ``workspace``. ``play(action, with_, run)`` plays a ``uses:``
    step the caller knows (return False for a failed step); uploads are played here."""
    job = _workflow()["jobs"][job_name]
    run = JobRun()
    expression = expression_for({"github": dict(github), "needs": dict(needs or {}),
                                 "matrix": dict(matrix or {}), "runner": {"os": "Linux"}}, run)
    job_env = {k: expression.substitute(str(v)) for k, v in (job.get("env") or {}).items()}
    env = {**_runner_env(workspace), **job_env, **(extra_env or {}),
           "GITHUB_EVENT_NAME": str(github.get("event_name", "")), "GITHUB_REF": str(github.get("ref", "")),
           "GITHUB_RUN_ATTEMPT": str(github.get("run_attempt", "1"))}
    play_steps(job["steps"], expression, run, workspace, env, play)
    run.job_outputs = {k: expression.substitute(str(v)) for k, v in (job.get("outputs") or {}).items()}
    return run


def expression_for(contexts: Mapping[str, Any], run: JobRun) -> Expression:
    """GitHub's expressions over ``contexts`` and the ``steps`` context ``run``'s steps fill, with the
    status functions reading ``run``."""
    def status(name: str) -> bool:
        return {"success": not run.failed, "failure": run.failed, "cancelled": False, "always": True}[name]

    return Expression({**contexts, "steps": {}}, status)


def play_steps(steps: list[dict[str, Any]], expression: Expression, run: JobRun, workspace: Path,
               env: Mapping[str, str],
               play: Callable[[str, Mapping[str, Any], JobRun], bool] | None = None) -> None:
    """Play ``steps`` (a job's, or a composite action's) in ``workspace`` as a runner does: each ``if:``,
    each ``run:`` in bash with ``env`` and the step's own ``env:``, outputs and the job summary; uploads are
    played here, another ``uses:`` by ``play`` (none: it succeeds)."""
    summary_file = workspace.parent / f"{workspace.name}-summary.md"
    summary_file.write_text("", encoding="utf-8")
    steps_context = expression.contexts["steps"]
    for index, step in enumerate(steps):
        step_id = step.get("id") or f"step{index}"
        condition = step.get("if", "success()")
        condition = str(condition).strip()
        if condition.startswith("${{") and condition.endswith("}}"):
            condition = condition[3:-2]
        if not _truthy(expression.evaluate(str(condition))):
            run.outcomes[step_id] = "skipped"
            continue
        with_ = {k: expression.substitute(str(v)) for k, v in (step.get("with") or {}).items()}
        if "uses" in step:
            action = step["uses"].split("@")[0]
            if action in ("actions/upload-artifact", "actions/upload-pages-artifact"):
                ok = _play_upload(action, with_, workspace, run)
            elif play is not None:
                ok = play(action, with_, run)
            else:
                ok = True
            run.outcomes[step_id] = "success" if ok else "failure"
            steps_context[step_id] = {"outputs": {}, "outcome": run.outcomes[step_id]}
            continue
        output_file = workspace.parent / f"{workspace.name}-output-{index}"
        output_file.write_text("", encoding="utf-8")
        script = workspace.parent / f"{workspace.name}-step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        step_env = {**env, **{k: expression.substitute(str(v)) for k, v in (step.get("env") or {}).items()},
                    "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file)}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=step_env, capture_output=True, text=True, timeout=600,
                              check=False)
        run.logs[step_id] = done.stdout + done.stderr
        run.outcomes[step_id] = "success" if done.returncode == 0 else "failure"
        run.outputs[step_id] = _read_outputs(output_file)
        steps_context[step_id] = {"outputs": run.outputs[step_id], "outcome": run.outcomes[step_id]}
    run.summary = summary_file.read_text(encoding="utf-8")


def _runner_env(workspace: Path) -> dict[str, str]:
    """A runner's environment: this interpreter (and its tox) as `python`, no other Python on PATH (the
    report job's runner has only setup-python's), a HOME for pip's and virtualenv's caches."""
    here = Path(sys.executable).parent
    return {"PATH": os.pathsep.join([str(here), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": os.environ.get("HOME", str(workspace.parent)), "LANG": "C.UTF-8",
            "RUNNER_OS": "Linux", "GITHUB_WORKSPACE": str(workspace), "CI": "true", "NO_COLOR": "1"}


def _read_outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def _play_upload(action: str, with_: Mapping[str, str], workspace: Path, run: JobRun) -> bool:
    default_path = "_site/" if action == "actions/upload-pages-artifact" else ""
    files = uploaded_files(workspace, with_.get("path", default_path))
    name = with_.get("name") or ("github-pages" if action == "actions/upload-pages-artifact" else "artifact")
    if not files and with_.get("if-no-files-found", "warn") == "error":
        return False
    if not files and action == "actions/upload-pages-artifact":
        return False  # tar of a missing folder
    if files:
        run.uploads.append(Upload(action, name, files))
    return True


# -- run documents of any leg's platform -------------------------------------------------------------

_PYTHONS = {"3.10": ("CPython", "3.10.19", False), "3.11": ("CPython", "3.11.14", False),
            "3.12": ("CPython", "3.12.12", False), "3.13": ("CPython", "3.13.9", False),
            "3.14": ("CPython", "3.14.1", False), "3.14t": ("CPython", "3.14.1", True),
            "pypy3.11": ("PyPy", "3.11.13", False)}


def leg_document(runner: str, python: str, runtime: str) -> dict[str, Any]:
    """A run document of ``runtime`` as the leg ``runner`` x ``python`` would write it (its cells taken
    from a committed Linux document of that runtime)."""
    sys_platform, arch = RUNNER_PLATFORMS[runner]
    implementation, version, free_threaded = _PYTHONS[python]
    committed = json.loads((ROOT / "reports" / "runs" / f"py312-{runtime}.json").read_text(encoding="utf-8"))
    info = dict(committed["run_info"])
    info.update(sys_platform=sys_platform, arch=arch, python_implementation=implementation,
                python_version=version, free_threaded=free_threaded, gil_enabled=not free_threaded,
                os_release=f"{sys_platform}-release", os={"linux": "Linux", "darwin": "Darwin",
                                                          "win32": "Windows"}[sys_platform],
                python_build=f"main {python}", suite_commit=FRESH_COMMIT,
                ci_job_url="https://github.com/o/r/actions/runs/1/attempts/1")
    info["platform"] = platform_id(info)
    return {**committed, "run_info": info}


# -- a leg: what it writes, what it uploads ----------------------------------------------------------


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout as actions/checkout makes it: the tracked files of this working tree (and new files
    not yet committed), the committed run documents under reports/ among them."""
    source = tmp_path_factory.mktemp("checkout") / "repo"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        origin = ROOT / name
        if origin.is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    return source


def _leg_env(runner: str, python: Mapping[str, str]) -> dict[str, str]:
    job = _workflow()["jobs"]["leg"]
    expression = Expression({"matrix": {"os": runner, "python": dict(python)}, "github": {}},
                            lambda name: True)
    return {k: expression.substitute(str(v)) for k, v in job["env"].items()}


_TOX_WRITES: dict[tuple[str, ...], dict[str, list[str]]] = {}


def tox_writes(workspace: Path, env: Mapping[str, str]) -> dict[str, list[str]]:
    """The files each runtime env of every Python of the matrix writes, as tox.ini names them with a
    leg's environment (asked of tox once: it reads the whole configuration every time)."""
    key = (str(workspace), *(f"{k}={v}" for k, v in sorted(env.items())))
    if key not in _TOX_WRITES:
        names = ",".join(f"{leg.python['factor']}-{r}" for leg in matrix_legs() for r in RUNTIMES
                         if leg.runner == "ubuntu-latest")
        done = subprocess.run([sys.executable, "-m", "tox", "config", "-e", names, "-k", "commands"],
                              cwd=workspace, env={**_runner_env(workspace), **env}, capture_output=True,
                              text=True, timeout=120, check=True)
        writes: dict[str, list[str]] = {}
        for section in done.stdout.split("[testenv:")[1:]:
            name = section.split("]", 1)[0]
            writes[name] = re.findall(r"--(?:run-document|junitxml) (\S+)", section)
        _TOX_WRITES[key] = writes
    return _TOX_WRITES[key]


@dataclass
class Leg:
    runner: str
    python: dict[str, str]

    @property
    def artifact(self) -> str:
        return f"results-{self.runner}-{self.python['factor']}"


def matrix_legs() -> list[Leg]:
    matrix = _workflow()["jobs"]["leg"]["strategy"]["matrix"]
    return [Leg(runner, dict(python)) for runner in matrix["os"] for python in matrix["python"]]


def run_leg(checkout: Path, leg: Leg, scratch: Path, *, runtimes: list[str] | None = None,
            corrupt: str | None = None) -> dict[str, bytes]:
    """A leg on a fresh copy of the checkout: its tox envs write their documents (``runtimes`` of them:
    a leg that failed half-way wrote fewer; ``corrupt``: that runtime's document is cut short), then its
    upload step takes what its globs match. Returns the artifact: path inside it -> bytes."""
    workspace = scratch / leg.artifact
    shutil.copytree(checkout, workspace, ignore=shutil.ignore_patterns(".tox"))
    # The leg's environment, but for the one variable that names its Python (read by its run: script,
    # not by tox.ini), so that one question to tox serves every leg.
    env = {k: v for k, v in _leg_env(leg.runner, leg.python).items() if k != "TOX_FACTOR"}
    writes = tox_writes(checkout, env)
    for runtime in runtimes if runtimes is not None else list(RUNTIMES):
        document, junit = writes[f"{leg.python['factor']}-{runtime}"]
        text = json.dumps(leg_document(leg.runner, leg.python["version"], runtime), indent=1)
        if runtime == corrupt:
            text = text[: len(text) // 2]
        (workspace / document).parent.mkdir(parents=True, exist_ok=True)
        (workspace / document).write_text(text, encoding="utf-8")
        (workspace / junit).parent.mkdir(parents=True, exist_ok=True)
        (workspace / junit).write_text("<testsuites/>\n", encoding="utf-8")
    upload = next(s for s in _workflow()["jobs"]["leg"]["steps"]
                  if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    files = uploaded_files(workspace, upload["with"]["path"])
    return {name: path.read_bytes() for name, path in files.items()}


@needs_tox
@pytest.mark.parametrize("leg", matrix_legs(), ids=lambda leg: leg.artifact)
def test_each_leg_uploads_what_it_wrote_and_nothing_committed(checkout: Path, leg: Leg,
                                                              tmp_path: Path) -> None:
    artifact = run_leg(checkout, leg, tmp_path)
    factor = leg.python["factor"]
    assert sorted(artifact) == sorted([f"runs/{factor}-{r}.json" for r in RUNTIMES]
                                      + [f"junit/{factor}-{r}.xml" for r in RUNTIMES])
    for name, data in artifact.items():
        if name.endswith(".json"):
            assert json.loads(data)["run_info"]["suite_commit"] == FRESH_COMMIT, name


# -- the report job ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_workspace(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The report job's checkout. Its tox env is made by the first test that runs the job and kept for
    the others (it lives in the workspace's .tox, as on a runner)."""
    workspace = tmp_path_factory.mktemp("report") / "repo"
    shutil.copytree(checkout, workspace)
    yield workspace


def lay_out_downloads(workspace: Path, artifacts: Mapping[str, Mapping[str, bytes]]) -> None:
    """actions/download-artifact v8 with ``pattern: results-*`` and ``path: legs``: a folder per
    artifact, except that a single artifact is extracted straight into ``legs/``."""
    legs = workspace / "legs"
    for stale in ("legs", "site", "baseline", "reports/junit"):
        shutil.rmtree(workspace / stale, ignore_errors=True)
    legs.mkdir()
    for name, files in artifacts.items():
        folder = legs if len(artifacts) == 1 else legs / name
        for inner, data in files.items():
            (folder / inner).parent.mkdir(parents=True, exist_ok=True)
            (folder / inner).write_bytes(data)


def _ref(event: str) -> str:
    return "refs/pull/1/merge" if event == "pull_request" else "refs/heads/main"


def run_report_job(workspace: Path, *, event: str = "push", attempt: int = 1) -> JobRun:
    def play(action: str, with_: Mapping[str, Any], run: JobRun) -> bool:
        if action == "actions/download-artifact":
            assert with_.get("pattern") == "results-*" and with_.get("path") == "legs"
        return True

    github = {"event_name": event, "ref": _ref(event), "run_attempt": str(attempt), "token": "not-a-token"}
    return run_job("report", workspace, github=github, play=play)


def pages_deploys(report: JobRun, *, event: str = "push") -> str | None:
    """Whether the publish job runs after ``report``, and the artifact it deploys."""
    job = _workflow()["jobs"]["pages"]
    github = {"event_name": event, "ref": _ref(event)}
    expression = Expression({"github": github, "needs": {"report": {"outputs": report.job_outputs,
                                                                    "result": "failure" if report.failed
                                                                    else "success"}}},
                            lambda name: {"cancelled": False}.get(name, True))
    condition = str(job["if"]).strip().removeprefix("${{").removesuffix("}}")
    if not _truthy(expression.evaluate(condition)):
        return None
    deploy = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/deploy-pages@"))
    return expression.substitute(str((deploy.get("with") or {}).get("artifact_name", "github-pages")))


def published(report: JobRun) -> dict[str, Any]:
    """The support.json of the report the Pages upload took (the page the publish job deploys)."""
    pages = report.upload("actions/upload-pages-artifact")
    assert pages is not None, f"nothing was uploaded for Pages: {report.outcomes}\n{report.logs}"
    data: dict[str, Any] = json.loads(pages.files["support.json"].read_text(encoding="utf-8"))
    return data


def _legs_of(legs: list[Leg], runners: set[str], factors: set[str]) -> list[Leg]:
    return [leg for leg in legs if leg.runner in runners and leg.python["factor"] in factors]


@needs_tox
@needs_bash
def test_report_job_publishes_the_fresh_legs_names_the_missing_and_fails(
        checkout: Path, report_workspace: Path, tmp_path: Path) -> None:
    legs = matrix_legs()
    artifacts = {leg.artifact: run_leg(checkout, leg, tmp_path)
                 for leg in _legs_of(legs, {"ubuntu-latest", "macos-latest"}, {"py310", "py312", "py313"})}
    # a leg that failed half-way (two runtimes written), and one with a document cut short
    failed = _legs_of(legs, {"windows-latest"}, {"py312"})[0]
    artifacts[failed.artifact] = run_leg(checkout, failed, tmp_path, runtimes=["threads", "asyncio"])
    broken = _legs_of(legs, {"macos-26-intel"}, {"py313"})[0]
    artifacts[broken.artifact] = run_leg(checkout, broken, tmp_path, corrupt="gevent")
    lay_out_downloads(report_workspace, artifacts)

    report = run_report_job(report_workspace)

    assert report.outcomes["build"] == "success", report.logs["build"]
    assert report.outputs["build"]["status"] == "2", report.logs["build"]
    assert report.failed  # the last step fails the job: inputs were left out or missing
    support = published(report)
    # fresh documents win, and nothing committed leaks in
    for platform in support["platforms"]:
        assert all(source.startswith("legs/") for source in platform["sources"]), platform["sources"]
        assert platform["run_info"]["suite_commit"] == FRESH_COMMIT, platform["id"]
    expected_ids = {leg_document(leg.runner, leg.python["version"], "threads")["run_info"]["platform"]
                    for leg in [*_legs_of(legs, {"ubuntu-latest", "macos-latest"},
                                          {"py310", "py312", "py313"}), failed]}
    expected_ids.add("darwin-x86_64-cpython3.13")  # the broken leg's other documents are good
    assert {p["id"] for p in support["platforms"]} == expected_ids
    # the bad document is named and left out; the missing platforms are named
    assert [p["source"] for p in support["left_out"]] == \
        ["legs/results-macos-26-intel-py313/runs/py313-gevent.json"]
    assert support["left_out"][0]["problem"].startswith("not JSON")
    assert "win32-AMD64-cpython3.10" in support["missing_platforms"]
    assert "linux-x86_64-pypy3.11" in support["missing_platforms"]
    assert len(support["missing_platforms"]) == 28 - len(expected_ids)
    # the job summary has the table, which names the missing platforms
    assert "# Support table" in report.summary
    assert "Expected but missing" in report.summary and "win32-AMD64-cpython3.10" in report.summary
    # the page is published, under this attempt's name
    assert report.job_outputs["built"] == "true"
    assert pages_deploys(report) == "github-pages-1"
    assert report.upload("actions/upload-pages-artifact").name == "github-pages-1"  # type: ignore[union-attr]


@needs_tox
@needs_bash
def test_report_job_over_every_leg_of_the_matrix_passes(checkout: Path, report_workspace: Path,
                                                        tmp_path: Path) -> None:
    artifacts = {leg.artifact: run_leg(checkout, leg, tmp_path, runtimes=["threads", "gevent"])
                 for leg in matrix_legs()}
    lay_out_downloads(report_workspace, artifacts)

    report = run_report_job(report_workspace, attempt=2)

    assert report.outputs["build"]["status"] == "0", report.logs["build"]
    assert not report.failed, report.outcomes
    support = published(report)
    assert len(support["platforms"]) == 28
    assert support["missing_platforms"] == [] and support["left_out"] == []
    assert "Expected but missing" not in report.summary
    # a re-run (attempt 2) uploads the page under a name of its own and deploys that one
    assert pages_deploys(report) == "github-pages-2"


@needs_tox
@needs_bash
def test_report_job_with_a_single_leg_finds_its_documents(checkout: Path, report_workspace: Path,
                                                          tmp_path: Path) -> None:
    # download-artifact extracts a single artifact straight into legs/, without its folder
    leg = _legs_of(matrix_legs(), {"ubuntu-latest"}, {"py312"})[0]
    lay_out_downloads(report_workspace, {leg.artifact: run_leg(checkout, leg, tmp_path)})
    assert (report_workspace / "legs" / "runs" / "py312-threads.json").is_file()

    report = run_report_job(report_workspace)

    support = published(report)
    assert [p["id"] for p in support["platforms"]] == ["linux-x86_64-cpython3.12"]
    assert len(support["missing_platforms"]) == 27
    assert report.failed


@needs_tox
@needs_bash
def test_report_job_with_no_leg_publishes_nothing(report_workspace: Path) -> None:
    lay_out_downloads(report_workspace, {})

    report = run_report_job(report_workspace)

    assert report.failed
    assert "built" not in report.outputs["build"]
    assert "No report was built" in report.summary
    assert report.upload("actions/upload-pages-artifact") is None
    assert report.upload("actions/upload-artifact") is None
    assert pages_deploys(report) is None  # nothing stale is deployed in its place


@needs_tox
@needs_bash
def test_report_job_of_a_pull_request_publishes_no_page(checkout: Path, report_workspace: Path,
                                                        tmp_path: Path) -> None:
    leg = _legs_of(matrix_legs(), {"ubuntu-latest"}, {"py311"})[0]
    other = _legs_of(matrix_legs(), {"macos-latest"}, {"py311"})[0]
    lay_out_downloads(report_workspace, {leg.artifact: run_leg(checkout, leg, tmp_path),
                                         other.artifact: run_leg(checkout, other, tmp_path)})

    report = run_report_job(report_workspace, event="pull_request")

    assert report.upload("actions/upload-artifact") is not None  # the report, for reviewers
    assert report.upload("actions/upload-pages-artifact") is None
    assert pages_deploys(report, event="pull_request") is None


def test_the_report_job_expects_exactly_the_platforms_of_the_leg_matrix() -> None:
    build = next(s for s in _workflow()["jobs"]["report"]["steps"] if s.get("id") == "build")
    oses = build["env"]["LEG_OSES"].split()
    pythons = build["env"]["LEG_PYTHONS"].split()
    expected = {f"{o}-{p}" for o in oses for p in pythons}
    from_matrix = {leg_document(leg.runner, leg.python["version"], "threads")["run_info"]["platform"]
                   for leg in matrix_legs()}
    assert expected == from_matrix
    assert len(expected) == len(matrix_legs())
