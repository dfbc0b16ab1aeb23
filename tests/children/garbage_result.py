"""A child that writes something that is not JSON to its result file, then exits 0."""

from __future__ import annotations

from _job import read_job, write_result

job = read_job()
write_result(job, "this is not JSON {{{")
