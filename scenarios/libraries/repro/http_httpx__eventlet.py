"""httpx under eventlet, with trio installed beside it: the first client fails to import httpcore's trio
support with AttributeError.

httpx's first client imports httpcore, which imports trio where it is installed and catches only
ImportError and NotImplementedError; trio's SocketType class body wraps socket.socket.sendmsg, and
eventlet's patched socket class has no sendmsg (eventlet/eventlet#1045). Run:
python http_httpx__eventlet.py eventlet (trio installed).
"""

import sys

if sys.argv[1:] != ["eventlet"]:
    sys.exit(f"usage: {sys.argv[0]} eventlet")

import eventlet

eventlet.monkey_patch()

import httpx  # noqa: E402

try:
    with httpx.Client(timeout=5, trust_env=False):
        error = None
except AttributeError as exc:
    error = exc
print(f"httpx {httpx.__version__} under eventlet {eventlet.__version__}: httpx.Client() raised {error!r}")
if error is not None and "sendmsg" in str(error):
    print("REPRODUCED: httpx's client cannot be made under eventlet's patching (trio's import fails)")
    sys.exit(0)
print("NOT REPRODUCED: httpx's client was made")
sys.exit(1)
