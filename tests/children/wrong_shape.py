"""A child that writes valid JSON of the wrong shape to its result file: the job's ``result`` value."""

from __future__ import annotations

import json

from _job import read_job, write_result

job = read_job()
write_result(job, json.dumps(job["result"]))
