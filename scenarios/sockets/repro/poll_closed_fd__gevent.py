"""gevent's select.poll does not report a closed descriptor at once: it sleeps out the whole timeout.

Reference: ``select.poll()`` with a descriptor registered and then closed returns at once with
``POLLNVAL`` for it. gevent's ``poll.poll`` (src/gevent/select.py) starts one libev io watcher per
registered descriptor and waits on an Event until a watcher fires or the timeout passes. A descriptor
libev accepts but that is closed never fires: the poll returns ``[]`` after the full timeout. One that
gevent finds invalid before the wait is recorded as ``POLLNVAL`` by ``add_error_before_io``, which
"don't set the event": the poll still sleeps out the timeout before returning it. (The abort that
gevent's own test__select.py mentions needs libev built with EV_VERIFY >= 2; the default build has
EV_VERIFY 1.) Usage: python poll_closed_fd__gevent.py gevent (``threads`` prints NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
assert sys.platform != "win32", "select.poll is POSIX"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()

import os  # noqa: E402 - after the runtime has patched the standard library
import select  # noqa: E402
import time  # noqa: E402

read_end, write_end = os.pipe()
fd = os.dup2(read_end, 900)
os.close(read_end)
poller = select.poll()
poller.register(fd, select.POLLIN)
os.close(fd)
started = time.perf_counter()
events = poller.poll(2000)
elapsed = time.perf_counter() - started
os.close(write_end)
print(f"{RUNTIME} ({select.poll.__module__}.poll): poll(2000) on a registered, then closed, descriptor "
      f"returned {events!r} after {elapsed * 1000:.0f} ms")
if elapsed >= 1.0:
    print("REPRODUCED: poll on a closed descriptor slept out its timeout instead of reporting POLLNVAL")
    sys.exit(0)
print("NOT REPRODUCED: poll returned at once")
sys.exit(1)
