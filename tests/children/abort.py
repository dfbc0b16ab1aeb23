"""A child that aborts (SIGABRT) after reading its job."""

from __future__ import annotations

import os

from _job import read_job

read_job()
os.abort()
