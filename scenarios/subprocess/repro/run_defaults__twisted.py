"""Twisted's getProcessOutputAndValue gives the child a stdin pipe of its own, not the program's stdin.

Reference: ``subprocess.run(cmd, capture_output=True)`` lets the child inherit the program's stdin
(``stdin=None``). Twisted's ``utils.getProcessOutputAndValue`` spawns with ``spawnProcess``'s default
``childFDs``, which IReactorProcess documents as "the usual stdin/stdout/stderr pipes"
(src/twisted/internet/interfaces.py): the child's stdin is a pipe from the parent, which
``_EverythingGetter`` leaves open unless ``stdinBytes`` is given (src/twisted/internet/utils.py). The
script runs a child that reports whether its stdin is the parent's (same st_dev/st_ino) and exits 3.
Usage: python run_defaults__twisted.py twisted (or twisted-asyncio: the same on
AsyncioSelectorReactor).
"""

import os
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install()

import twisted  # noqa: E402 - after the reactor is chosen
from twisted.internet import defer, reactor, utils  # noqa: E402

CHILD = ("import os, sys\n"
         "try:\n"
         "    st = os.fstat(0)\n"
         "except OSError:\n"
         "    print('closed')\n"
         "else:\n"
         "    print('inherited' if [st.st_dev, st.st_ino] == [int(a) for a in sys.argv[1:3]] else 'other')\n"
         "sys.exit(3)\n")
outcome: dict[str, object] = {}


async def main() -> None:
    try:
        st = os.fstat(0)
        stdout, _, code = await utils.getProcessOutputAndValue(
            sys.executable, ("-c", CHILD, str(st.st_dev), str(st.st_ino)), env=os.environ).addTimeout(
            10, reactor)
        outcome.update(report=stdout.decode().strip(), code=code)
        print(f"Twisted {twisted.__version__} ({type(reactor).__name__}): status {code}, the child's stdin: "
              f"{outcome['report']}")
    finally:
        # IReactorCore's methods are zope.interface methods, declared without self: mypy reads them right
        # only through the mypy-zope plugin (unused where mypy skips this on win32)
        reactor.stop()  # type: ignore[misc, unused-ignore]


with open(os.devnull, "rb") as stdin:  # a known stdin for the parent, whatever this script was given
    os.dup2(stdin.fileno(), 0)
reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main()))
reactor.run()  # type: ignore[misc, unused-ignore]
if outcome.get("report") == "other":
    print("REPRODUCED: the child's stdin is a pipe of its own, not the program's stdin")
    sys.exit(0)
print(f"NOT REPRODUCED: {outcome}")
sys.exit(1)
