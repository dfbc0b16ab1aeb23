"""A child that prints 50 MB to stdout, then writes a valid ``pass`` result.

The bytes go to the binary stream: a text stream on Windows would write each "\\n" as "\\r\\n", and the
parent's count of the bytes it cut depends on the exact size.
"""

from __future__ import annotations

import sys

from _job import pass_result, read_job, write_result

MIB = 1024 * 1024

job = read_job()
line = b"x" * (MIB - 1) + b"\n"
for _ in range(50):
    sys.stdout.buffer.write(line)
sys.stdout.buffer.flush()
write_result(job, pass_result(printed_mib=50))
