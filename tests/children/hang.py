"""A child that never finishes and leaves no stack behind."""

from __future__ import annotations

import time

from _job import read_job

read_job()
while True:
    time.sleep(60)
