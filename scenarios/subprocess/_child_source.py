"""Source text shared by the child programs of subprocess scenarios (``python -c`` programs).

``IS_OPEN``: a child's ``is_open(fd)``, whether descriptor ``fd`` is open in the child (``os.fstat``
succeeds on it); used by subprocess.pass_fds_close_fds and subprocess.spawn_stdio_closed.
"""

from __future__ import annotations

IS_OPEN = (
    "def is_open(fd):\n"
    "    try:\n"
    "        os.fstat(fd)\n"
    "    except OSError:\n"
    "        return False\n"
    "    return True\n"
)
