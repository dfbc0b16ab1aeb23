"""psycopg 3 under eventlet: a query holds the whole hub, and queries of several green threads run one at a
time.

psycopg 3 waits for the server in its C wait function unless it finds the select module patched, and
it looks for gevent's patching only (psycopg/waiting.py, _is_select_patched: "Currently supported:
gevent"); eventlet's patched select goes unnoticed. A green thread ticks every 10 ms while another runs
SELECT pg_sleep(0.3), then five green threads each run one such query. Run:
python postgresql_psycopg__eventlet.py eventlet, with the server in CONFORMANCE_POSTGRESQL_HOST/_PORT/
_USER/_DATABASE (``conformance repro`` starts one).
"""

import sys

if sys.argv[1:] != ["eventlet"]:
    sys.exit(f"usage: {sys.argv[0]} eventlet")

import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import psycopg  # noqa: E402

SERVER: dict[str, Any] = {key: os.environ[f"CONFORMANCE_POSTGRESQL_{variable}"]
          for key, variable in (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("dbname", "DATABASE"))}


def query() -> None:
    with psycopg.connect(connect_timeout=5, **SERVER) as conn:
        conn.execute("SELECT pg_sleep(0.3)")


gaps: list[float] = []


def tick() -> None:
    last = time.perf_counter()
    while True:
        eventlet.sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


ticker = eventlet.spawn(tick)
eventlet.sleep(0.05)
query()
eventlet.sleep(0.05)  # the ticker's first tick after the query measures the gap
longest = max(gaps) * 1000
started = time.perf_counter()
pool = eventlet.GreenPool()
for _ in range(5):
    pool.spawn(query)
with eventlet.Timeout(10):
    pool.waitall()
together = time.perf_counter() - started
ticker.kill()
print(f"psycopg {psycopg.__version__}, eventlet {eventlet.__version__}: the ticker's longest gap during one "
      f"0.3 s query: {longest:.0f} ms; five green threads' 0.3 s queries took {together:.2f} s together")
if longest > 200 and together > 1.2:
    print("REPRODUCED: the query holds the hub (no green thread ran meanwhile), and five run one after "
          "another")
    sys.exit(0)
print("NOT REPRODUCED: other green threads ran during the query, or the five ran at once")
sys.exit(1)
