"""Twisted's spawnProcess has no close_fds=False: a child gets only the descriptors childFDs names.

Reference: ``subprocess.Popen(..., close_fds=False)`` hands the child every descriptor the parent has
marked inheritable. ``IReactorProcess.spawnProcess`` has no such parameter (twisted/internet/
interfaces.py): the child gets exactly the descriptors ``childFDs`` maps, and Twisted closes every other
one, inheritable or not (``_getFileActions``, twisted/internet/process.py; "Mapping File Descriptors"
in the process howto). The script probes spawnProcess for the keyword, then spawns a child with the
default childFDs and shows that the parent's inheritable descriptor is not in it. Usage: python
pass_fds_close_fds__twisted.py twisted (or twisted-asyncio: the same on AsyncioSelectorReactor).
"""

import inspect
import json
import os
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install()
if sys.platform == "win32":  # file descriptors in a child are a POSIX notion here
    sys.exit("this reproducer runs on POSIX only")

import twisted  # noqa: E402 - after the reactor is chosen
from twisted.internet import defer, reactor, utils  # noqa: E402

CHILD = ("import json, os\n"
         "folder = '/proc/self/fd' if os.path.isdir('/proc/self/fd') else '/dev/fd'\n"
         "def is_open(fd):\n"
         "    try:\n"
         "        os.fstat(fd)\n"
         "    except OSError:\n"
         "        return False\n"
         "    return True\n"
         "print(json.dumps(sorted(fd for fd in map(int, os.listdir(folder)) if is_open(fd))))\n")
outcome: dict[str, object] = {}


async def main() -> None:
    stray = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(stray, True)
    try:
        parameters = sorted(inspect.signature(reactor.spawnProcess).parameters)
        print(f"Twisted {twisted.__version__} ({type(reactor).__name__}): spawnProcess takes {parameters}")
        outcome["keyword"] = next((n for n in ("close_fds", "closeFDs") if n in parameters), None)
        stdout = await utils.getProcessOutput(sys.executable, ("-c", CHILD), env=os.environ).addTimeout(
            10, reactor)
        found = json.loads(stdout)
        print(f"the parent holds {stray} marked inheritable; the child has {found}")
        outcome["inherited"] = stray in found
    finally:
        os.close(stray)
        # IReactorCore's methods are zope.interface methods, declared without self: mypy reads them right
        # only through the mypy-zope plugin (unused where mypy skips this on win32)
        reactor.stop()  # type: ignore[misc, unused-ignore]


reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main()))
reactor.run()  # type: ignore[misc, unused-ignore]
if outcome.get("keyword") is None and outcome.get("inherited") is False:
    print("REPRODUCED: spawnProcess has no close_fds keyword, and the inheritable descriptor is not "
          "handed on")
    sys.exit(0)
print(f"NOT REPRODUCED: {outcome}")
sys.exit(1)
