"""A child that starts a grandchild which outlives it.

The grandchild writes its pid to the job's ``pid_path`` and sleeps. Once that file exists the child
writes a ``pass`` result and exits 0, or with ``"then": "hang"`` in the job never exits.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from _job import pass_result, read_job, write_result

GRANDCHILD = """
import os, sys, time
path = sys.argv[1]
with open(path + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(os.getpid()))
os.replace(path + ".tmp", path)
while True:
    time.sleep(60)
"""

job = read_job()
pid_path = Path(job["pid_path"])
subprocess.Popen([sys.executable, "-c", GRANDCHILD, str(pid_path)],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while not pid_path.exists():
    time.sleep(0.01)
if job.get("then") == "hang":
    while True:
        time.sleep(60)
write_result(job, pass_result())
