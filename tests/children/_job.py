"""Shared by the child programs: read the job like the real child, write a result like it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def read_job() -> dict[str, Any]:
    job: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    return job


def write_result(job: dict[str, Any], text: str) -> None:
    """Write ``text`` to the job's result path the way the real child does: whole, then renamed."""
    path = Path(job["result_path"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def pass_result(**measurements: float) -> str:
    return json.dumps({"outcome": "pass", "reason": "", "duration_s": 0.01,
                       "measurements": measurements})
