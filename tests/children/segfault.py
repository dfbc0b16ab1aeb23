"""A child that dies of a segmentation fault after reading its job."""

from __future__ import annotations

import ctypes
import os
import signal

from _job import read_job

read_job()
ctypes.string_at(0)  # reads address 0: SIGSEGV
os.kill(os.getpid(), signal.SIGSEGV)  # in case the read above did not fault on this platform
