"""psycopg2 under gevent: a query holds the whole hub, and queries of several greenlets run one at a time.

psycopg2 is a C extension: it waits for the server inside libpq, which gevent's monkey-patching cannot
reach, unless a wait callback is registered (psycopg2's own documentation, "Support for coroutine
libraries"). A greenlet ticks every 10 ms while another runs SELECT pg_sleep(0.3), then five greenlets
each run one such query. Run: python postgresql_psycopg2__gevent.py gevent, with the server in
CONFORMANCE_POSTGRESQL_HOST/_PORT/_USER/_DATABASE (``conformance repro`` starts one).
"""

import sys

if sys.argv[1:] != ["gevent"]:
    sys.exit(f"usage: {sys.argv[0]} gevent")

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import psycopg2  # noqa: E402

SERVER = {key: os.environ[f"CONFORMANCE_POSTGRESQL_{variable}"]
          for key, variable in (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("dbname", "DATABASE"))}


def query() -> None:
    with psycopg2.connect(connect_timeout=5, **SERVER) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.3)")


gaps: list[float] = []


def tick() -> None:
    last = time.perf_counter()
    while True:
        gevent.sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


ticker = gevent.spawn(tick)
gevent.sleep(0.05)
query()
gevent.sleep(0.05)  # the ticker's first tick after the query measures the gap
longest = max(gaps) * 1000
started = time.perf_counter()
gevent.joinall([gevent.spawn(query) for _ in range(5)], timeout=10, raise_error=True)
together = time.perf_counter() - started
ticker.kill()
print(f"psycopg2 {psycopg2.__version__}, gevent {gevent.__version__}: the ticker's longest gap during one "
      f"0.3 s query: {longest:.0f} ms; five greenlets' 0.3 s queries took {together:.2f} s together")
if longest > 200 and together > 1.2:
    print("REPRODUCED: the query holds the hub (no greenlet ran meanwhile), and five run one after another")
    sys.exit(0)
print("NOT REPRODUCED: other greenlets ran during the query, or the five ran at once")
sys.exit(1)
