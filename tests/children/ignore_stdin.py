"""A child that hangs before it reads its job (as one stuck at start-up would), pid in ./child.pid."""

from __future__ import annotations

import os
import time

with open("child.pid.tmp", "w", encoding="utf-8") as f:  # the working directory is the cell's folder
    f.write(str(os.getpid()))
os.replace("child.pid.tmp", "child.pid")
while True:
    time.sleep(60)
