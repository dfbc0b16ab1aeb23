"""pycurl under gevent or eventlet: a request holds the whole hub, and requests of several green threads run
one at a time.

libcurl does its own socket I/O in C and waits in its own poll(), which monkey-patching cannot reach.
A local HTTP server (a process of its own, answering each request after 0.3 s) is asked once while a
green thread ticks every 10 ms, then five times at once. Run: python http_pycurl_blocks.py gevent|eventlet.
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

import io  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import pycurl  # noqa: E402

SERVER = """
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.3)
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
assert server.stdout is not None  # stdout=PIPE
port = int(server.stdout.readline())


def request() -> None:
    curl = pycurl.Curl()
    body = io.BytesIO()
    curl.setopt(pycurl.URL, f"http://127.0.0.1:{port}/")
    curl.setopt(pycurl.WRITEDATA, body)
    curl.setopt(pycurl.TIMEOUT_MS, 10000)
    curl.setopt(pycurl.NOSIGNAL, 1)
    try:
        curl.perform()
    finally:
        curl.close()


gaps: list[float] = []


def tick() -> None:
    last = time.perf_counter()
    while True:
        sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


try:
    ticker = spawn(tick)
    sleep(0.05)
    request()
    sleep(0.05)  # the ticker's first tick after the request measures the gap
    longest = max(gaps) * 1000
    started = time.perf_counter()
    workers = [spawn(request) for _ in range(5)]
    if RUNTIME == "eventlet":
        with eventlet.Timeout(10):
            for worker in workers:
                worker.wait()
    else:
        gevent.joinall(workers, timeout=10)
    together = time.perf_counter() - started
    ticker.kill()
finally:
    server.kill()
    server.wait(10)
print(f"{pycurl.version} under {RUNTIME}: the ticker's longest gap during one 0.3 s request: "
      f"{longest:.0f} ms; five green threads' requests took {together:.2f} s together")
if longest > 200 and together > 1.2:
    print("REPRODUCED: the request holds the hub, and five run one after another")
    sys.exit(0)
print("NOT REPRODUCED: other green threads ran during the request, or the five ran at once")
sys.exit(1)
