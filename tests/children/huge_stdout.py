"""A child that prints 50 MB to stdout, then writes a valid ``pass`` result."""

from __future__ import annotations

import sys

from _job import pass_result, read_job, write_result

MIB = 1024 * 1024

job = read_job()
line = "x" * (MIB - 1) + "\n"
for _ in range(50):
    sys.stdout.write(line)
sys.stdout.flush()
write_result(job, pass_result(printed_mib=50))
