"""Run cells as ``conformance run`` does, in a process whose PYTHONPATH holds the runtime plugins to test,
and write them as JSON lines: ``python run_cells.py CELLS.json RESULTS.jsonl JOBS``.

CELLS.json is a list of ``[scenario file, runtime name]``; the runtimes are looked up through the
registry, the installed packages' entry points included, as for any run. Each cell runs once: a
``blocking`` outcome is not confirmed by a second attempt (the caller asks only whether a cell passes).
Each cell is written (one JSON object a line) as soon as it finishes, so that a caller that runs out of
time still has every finished cell, and can name the ones that were not.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from conformance._model.results import Cell
from conformance._model.scenarios import Scenario, load_scenario
from conformance._parent.cells import CellRunner, run_cells
from conformance._runtimes import Runtime, get_runtime


class OneAttempt(CellRunner):
    def run(self, scenario: Scenario, runtime: Runtime) -> Cell:
        return self._run(scenario, runtime)


def main() -> None:
    # The caller stops a run that outlasts its budget with SIGINT, as Ctrl-C stops `conformance run`:
    # the cells not started are dropped, the running ones reported. A process started in the background
    # by a shell without job control gets SIGINT ignored; this one wants it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cells_path, results_path, jobs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    pairs = [(load_scenario(Path(path)), get_runtime(name))
             for path, name in json.loads(cells_path.read_text(encoding="utf-8"))]
    with results_path.open("w", encoding="utf-8") as results:
        def write(cell: Cell) -> None:
            results.write(json.dumps(cell.to_json()) + "\n")
            results.flush()

        with OneAttempt() as runner:
            run_cells(runner, pairs, jobs, write)


if __name__ == "__main__":
    main()
