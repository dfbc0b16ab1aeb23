"""A child that does its job: it writes a valid ``pass`` result and exits 0.

The measurements echo what the job carried, so a test can see the job arrived. With ``"then": "hang"``
in the job it writes its result and then never exits.
"""

from __future__ import annotations

import time

from _job import pass_result, read_job, write_result

job = read_job()
write_result(job, pass_result(answer=job.get("answer", 0), timeout_s=job["timeout_s"]))
if job.get("then") == "hang":
    while True:
        time.sleep(60)
