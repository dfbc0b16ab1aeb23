"""mysqlclient under gevent or eventlet: a statement holds the whole hub, and statements of several green
threads run one at a time.

mysqlclient (MySQLdb) is a C extension: it waits for the server inside libmariadb's own socket I/O,
which monkey-patching cannot reach (eventlet's green MySQLdb is off unless monkey_patch(MySQLdb=True)).
A green thread ticks every 10 ms while another runs SELECT SLEEP(0.3), then five green threads each run
one. Run: python mariadb_mysqlclient_blocks.py gevent|eventlet, with the server in
CONFORMANCE_MARIADB_HOST/_PORT/_USER/_DATABASE (``conformance repro`` starts one).
"""

import sys

if sys.argv[1:] not in (["gevent"], ["eventlet"]):
    sys.exit(f"usage: {sys.argv[0]} gevent|eventlet")
RUNTIME = sys.argv[1]
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()
    import gevent

    spawn, sleep = gevent.spawn, gevent.sleep
else:
    import eventlet

    eventlet.monkey_patch()
    spawn, sleep = eventlet.spawn, eventlet.sleep

import os  # noqa: E402
import time  # noqa: E402

import MySQLdb  # noqa: E402

SERVER = {"host": os.environ["CONFORMANCE_MARIADB_HOST"], "port": int(os.environ["CONFORMANCE_MARIADB_PORT"]),
          "user": os.environ["CONFORMANCE_MARIADB_USER"],
          "database": os.environ["CONFORMANCE_MARIADB_DATABASE"], "connect_timeout": 5}


def statement() -> None:
    conn = MySQLdb.connect(**SERVER)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT SLEEP(0.3)")
        cursor.fetchall()
    finally:
        conn.close()


gaps: list[float] = []


def tick() -> None:
    last = time.perf_counter()
    while True:
        sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


ticker = spawn(tick)
sleep(0.05)
statement()
sleep(0.05)  # the ticker's first tick after the statement measures the gap
longest = max(gaps) * 1000
started = time.perf_counter()
workers = [spawn(statement) for _ in range(5)]
if RUNTIME == "eventlet":
    with eventlet.Timeout(10):
        for worker in workers:
            worker.wait()
else:
    gevent.joinall(workers, timeout=10)
together = time.perf_counter() - started
ticker.kill()
print(f"mysqlclient {'.'.join(map(str, MySQLdb.version_info[:3]))} under {RUNTIME}: the ticker's longest gap "
      f"during one 0.3 s statement: {longest:.0f} ms; five green threads' statements took {together:.2f} s")
if longest > 200 and together > 1.2:
    print("REPRODUCED: the statement holds the hub, and five run one after another")
    sys.exit(0)
print("NOT REPRODUCED: other green threads ran during the statement, or the five ran at once")
sys.exit(1)
