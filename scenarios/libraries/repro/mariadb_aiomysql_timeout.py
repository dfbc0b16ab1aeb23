"""aiomysql: a statement whose task is cancelled by a timeout goes on running on the server.

On cancellation aiomysql's _read_packet only closes its transport (_close_on_cancel); it sends no KILL
QUERY, and MariaDB runs the statement to its end. A 2 s SELECT SLEEP(2) is timed out after 0.3 s; a
second connection then looks for it in information_schema.PROCESSLIST for 1 s. Run:
python mariadb_aiomysql_timeout.py asyncio|uvloop|rloop|twisted-asyncio (the Twisted runtime runs it on
asyncio's own loop: the asyncio reactor's loop), with the server in CONFORMANCE_MARIADB_HOST/_PORT/_USER/
_DATABASE (``conformance repro`` starts one).
"""

import asyncio
import os
import sys
import time

RUNTIMES = ("asyncio", "uvloop", "rloop", "twisted-asyncio")
if len(sys.argv) != 2 or sys.argv[1] not in RUNTIMES:
    sys.exit(f"usage: {sys.argv[0]} {'|'.join(RUNTIMES)}")

import aiomysql  # noqa: E402

SERVER = {"host": os.environ["CONFORMANCE_MARIADB_HOST"], "port": int(os.environ["CONFORMANCE_MARIADB_PORT"]),
          "user": os.environ["CONFORMANCE_MARIADB_USER"], "db": os.environ["CONFORMANCE_MARIADB_DATABASE"]}
MARK = f"/*repro{os.getpid()}*/"


async def main() -> tuple[float, bool]:
    conn = await asyncio.wait_for(aiomysql.connect(**SERVER), 10)
    started = time.perf_counter()
    try:
        async with conn.cursor() as cursor:
            await asyncio.wait_for(cursor.execute(f"{MARK} SELECT SLEEP(2)"), 0.3)
    except asyncio.TimeoutError:
        pass
    error_after = time.perf_counter() - started
    watcher = await asyncio.wait_for(aiomysql.connect(**SERVER), 10)
    still_running = False
    try:
        for _ in range(10):
            await asyncio.sleep(0.1)
            async with watcher.cursor() as cursor:
                await asyncio.wait_for(cursor.execute(
                    "SELECT count(*) FROM information_schema.PROCESSLIST WHERE LEFT(INFO, %s) = %s",
                    (len(MARK), MARK)), 10)
                (count,) = await asyncio.wait_for(cursor.fetchone(), 10)
            still_running = count > 0
    finally:
        watcher.close()
        conn.close()
    return error_after, still_running


loop: asyncio.AbstractEventLoop
if sys.argv[1] == "uvloop":
    import uvloop

    loop = uvloop.new_event_loop()
elif sys.argv[1] == "rloop":
    import rloop

    loop = rloop.new_event_loop()
else:
    loop = asyncio.new_event_loop()
try:
    error_after, still_running = loop.run_until_complete(main())
finally:
    loop.close()
print(f"aiomysql {aiomysql.__version__} on {sys.argv[1]}: the timeout's error came after "
      f"{error_after * 1000:.0f} ms; 1.3 s in, the server was {'still' if still_running else 'no longer'} "
      "running the 2 s statement")
if still_running:
    print("REPRODUCED: the cancelled statement runs on on the server")
    sys.exit(0)
print("NOT REPRODUCED: the server stopped the cancelled statement")
sys.exit(1)
