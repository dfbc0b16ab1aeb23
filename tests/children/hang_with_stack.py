"""A child that never finishes, but dumps its stack before the deadline as the real child does.

The real child dumps 0.5 s before the deadline; this one dumps at half of it, so that it leaves its
stack even when a loaded machine makes it slow to start (what this program tests is the parent, which
must keep the stack and put it in the cell).
"""

from __future__ import annotations

import faulthandler
import time

from _job import read_job


def wait_forever() -> None:
    while True:
        time.sleep(60)


job = read_job()
stack_file = open(job["stack_path"], "w", encoding="utf-8")  # noqa: SIM115 - faulthandler writes to it later
faulthandler.dump_traceback_later(job["timeout_s"] / 2, file=stack_file)
wait_forever()
