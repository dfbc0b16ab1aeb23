"""Test-only runtime plugins, installed the way pip installs a package: a folder holding the package and
its ``*.dist-info`` (METADATA, entry_points.txt, RECORD), which a test puts on PYTHONPATH for the parent
and its children. ``conformance_sabotage`` is the deliberately broken runtimes of tests/test_sabotage.py;
:func:`write_distribution` makes any other (tests/test_plugin_runtimes.py's broken plugins).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from conformance._runtimes import ENTRY_POINT_GROUP

HERE = Path(__file__).resolve().parent
SABOTAGE_PACKAGE = HERE / "conformance_sabotage"
RUN_CELLS = HERE / "run_cells.py"


def write_distribution(site: Path, name: str, version: str, entry_points: Mapping[str, str],
                       modules: Mapping[str, str] | None = None, packages: tuple[Path, ...] = ()) -> Path:
    """Install distribution ``name`` into ``site``: ``entry_points`` (entry point name -> ``module:attr``)
    in the ``conformance.runtimes`` group, ``modules`` (file name -> source) and copies of ``packages``.
    Returns ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    files = []
    for package in packages:
        shutil.copytree(package, site / package.name, ignore=shutil.ignore_patterns("__pycache__"))
        files += [path.relative_to(site) for path in (site / package.name).rglob("*.py")]
    for file_name, source in (modules or {}).items():
        (site / file_name).write_text(source, encoding="utf-8")
        files.append(Path(file_name))
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{key} = {value}\n" for key, value in entry_points.items()),
        encoding="utf-8")
    files += [(info / part).relative_to(site) for part in ("METADATA", "entry_points.txt", "RECORD")]
    (info / "RECORD").write_text("".join(f"{path.as_posix()},,\n" for path in files), encoding="utf-8")
    return site


def install_sabotage(site: Path) -> Path:
    """Install the ``conformance-sabotage`` distribution into ``site``; returns ``site``."""
    from .conformance_sabotage import DISTRIBUTION, __version__

    return write_distribution(site, DISTRIBUTION, __version__, {"sabotage": "conformance_sabotage:runtimes"},
                              packages=(SABOTAGE_PACKAGE,))


def environment_with(site: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with ``site`` first on PYTHONPATH."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p)
    return env
