"""eventlet's monkey patching removes select.poll (and epoll, devpoll, kqueue).

eventlet/green/select.py lists them in ``__deleted__``: its green select module has ``select`` only, and
``eventlet.monkey_patch()`` deletes the others from the patched ``select`` module, so a program that
waits with ``select.poll`` gets ``AttributeError``. Usage: python poll_closed_fd__eventlet.py eventlet.
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
if RUNTIME == "eventlet":
    import eventlet

    eventlet.monkey_patch()

import select  # noqa: E402 - after the runtime has patched the standard library

print(f"{RUNTIME}: select.poll is {getattr(select, 'poll', 'missing')}")
if not hasattr(select, "poll"):
    print("REPRODUCED: the patched select module has no poll")
    sys.exit(0)
print("NOT REPRODUCED: select.poll is there")
sys.exit(1)
