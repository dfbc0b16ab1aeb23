"""asyncpg under rloop: connecting fails with NotImplementedError, as rloop's TCP transport cannot change
its protocol.

asyncpg's connect, with its default sslmode ("prefer"), first sends an SSLRequest through a protocol of
its own, then hands the transport to its PostgreSQL protocol with transport.set_protocol (asyncpg's
connect_utils._create_ssl_connection); rloop's TCPTransport.set_protocol raises NotImplementedError
("TCPTransport protocol cannot be changed"). Run: python postgresql_asyncpg__rloop.py rloop, with the
server in CONFORMANCE_POSTGRESQL_HOST/_PORT/_USER/_DATABASE (``conformance repro`` starts one).
"""

import asyncio
import os
import sys

if sys.argv[1:] != ["rloop"]:
    sys.exit(f"usage: {sys.argv[0]} rloop")

import asyncpg
import rloop


async def main() -> BaseException | None:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(
            host=os.environ["CONFORMANCE_POSTGRESQL_HOST"],
            port=int(os.environ["CONFORMANCE_POSTGRESQL_PORT"]),
            user=os.environ["CONFORMANCE_POSTGRESQL_USER"],
            database=os.environ["CONFORMANCE_POSTGRESQL_DATABASE"]), 10)
    except NotImplementedError as exc:
        return exc
    await asyncio.wait_for(conn.close(), 10)
    return None


loop = rloop.new_event_loop()
try:
    error = loop.run_until_complete(main())
finally:
    loop.close()
print(f"asyncpg {asyncpg.__version__} on rloop: connect raised {error!r}")
if isinstance(error, NotImplementedError) and "protocol cannot be changed" in str(error):
    print("REPRODUCED: asyncpg cannot connect on rloop (its transport has no set_protocol)")
    sys.exit(0)
print("NOT REPRODUCED: asyncpg connected on rloop")
sys.exit(1)
