"""gevent runs at most 10 lookups at once, whatever the number of threads that ask.

Reference: 40 threads each call blocking ``socket.getaddrinfo``; each waits in the resolver with the
GIL released, so all 40 lookups are in flight at once. After ``patch_all()`` the threads are greenlets
and ``socket.getaddrinfo`` is gevent's: its default resolver (``gevent.resolver.thread.Resolver``) runs
each call on the hub's native threadpool (``self.pool.apply(_socket.getaddrinfo, ...)``), whose size is
``Hub.threadpool_size``, 10 by default (gevent/hub.py): the other 30 wait their turn. The script keeps
gevent's whole path and replaces only the C call at its end (``_socket.getaddrinfo`` as gevent's thread
resolver sees it) with one that takes 200 ms and counts how many run at once, so that no query leaves
the machine. It serves gevent's configurations that keep the thread resolver (``GEVENT_LOOP=libuv``:
the loop changes, the resolver and its hub threadpool do not); under another resolver
(``GEVENT_RESOLVER=ares``, which runs every lookup at once on the hub) the replaced call is never made,
so the script says so and stops (exit 2) before any lookup. Usage: python
concurrent_slow_lookups__gevent.py gevent, or GEVENT_LOOP=libuv python concurrent_slow_lookups__gevent.py
gevent (``threads``, unpatched: the same 40 calls from 40 threads, NOT REPRODUCED).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()

import _socket  # noqa: E402 - after the patch, as a patched program imports them
import _thread  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

LOOKUPS = 40
DELAY_S = 0.2
# The resolver's threads are native: they sleep and lock with the unpatched functions.
sleep = monkey.get_original("time", "sleep") if RUNTIME == "gevent" else time.sleep
native_lock = (monkey.get_original("_thread", "allocate_lock") if RUNTIME == "gevent"
               else _thread.allocate_lock)()
in_flight = [0, 0]  # now, most


class SlowResolverC:
    """``_socket`` as gevent's thread resolver sees it, with a getaddrinfo that takes 200 ms."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_socket, name)

    @staticmethod
    def getaddrinfo(*args: Any) -> Any:
        with native_lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        sleep(DELAY_S)
        with native_lock:
            in_flight[0] -= 1
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.1", 80))]


if RUNTIME == "gevent":
    import gevent
    import gevent.resolver.thread

    resolver = type(gevent.get_hub().resolver)
    print(f"gevent {gevent.__version__}: loop {type(gevent.get_hub().loop).__module__}, resolver "
          f"{resolver.__module__}.{resolver.__name__}")
    if resolver is not gevent.resolver.thread.Resolver:
        print("this script measures gevent's thread resolver, which this configuration does not use")
        sys.exit(2)
    gevent.resolver.thread._socket = SlowResolverC()
    lookup: Any = socket.getaddrinfo  # gevent's
else:
    lookup = SlowResolverC.getaddrinfo  # what each thread's blocking call does: wait, in that thread
threads = [threading.Thread(target=lookup, args=(f"slow-{n}.example", 80)) for n in range(LOOKUPS)]
started = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(10)
elapsed = time.monotonic() - started
print(f"{RUNTIME}: {LOOKUPS} threads each resolved a name taking {DELAY_S * 1000:.0f} ms: at most "
      f"{in_flight[1]} lookups at once, {elapsed * 1000:.0f} ms in all")
if in_flight[1] < LOOKUPS:
    print(f"REPRODUCED: only {in_flight[1]} of {LOOKUPS} lookups ran at once (gevent's hub threadpool)")
    sys.exit(0)
print("NOT REPRODUCED: every thread's lookup ran at once")
sys.exit(1)
