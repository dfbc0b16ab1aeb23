"""Twisted's process API has no text mode: a child's output is bytes, with no encoding parameter.

Reference: ``subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8")`` returns ``str``,
decoded as UTF-8 with ``\\r\\n`` turned into ``\\n``. Twisted's call that runs a child and captures its
output, ``twisted.internet.utils.getProcessOutputAndValue(executable, args, env, path, reactor,
stdinBytes)``, has no encoding or text parameter (twisted/internet/utils.py), and a
``ProcessProtocol`` receives ``childDataReceived(childFD, data: bytes)`` (twisted/internet/protocol.py):
the output comes back as the child's bytes, ``\\r\\n`` and all. Usage: python text_mode__twisted.py twisted
(or twisted-asyncio: the same on AsyncioSelectorReactor).
"""

import inspect
import os
import subprocess
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install()

import twisted  # noqa: E402 - after the reactor is chosen
from twisted.internet import defer, reactor, utils  # noqa: E402

CHILD = "import sys; sys.stdout.buffer.write(b'caf\\xc3\\xa9\\r\\n')"
COMMAND = (sys.executable, "-c", CHILD)
outcome: dict[str, object] = {}


async def main() -> None:
    try:
        parameters = list(inspect.signature(utils.getProcessOutputAndValue).parameters)
        print(f"Twisted {twisted.__version__} ({type(reactor).__name__}): getProcessOutputAndValue takes "
              f"{parameters}")
        outcome["option"] = next((n for n in ("encoding", "text", "universal_newlines") if n in parameters),
                                 None)
        running = utils.getProcessOutputAndValue(COMMAND[0], COMMAND[1:], env=os.environ)
        stdout, _, _ = await running.addTimeout(10, reactor)
        print(f"its stdout: {stdout!r}")
        outcome["stdout"] = stdout
    finally:
        # IReactorCore's methods are zope.interface methods, declared without self: mypy reads them right
        # only through the mypy-zope plugin
        reactor.stop()  # type: ignore[misc, unused-ignore]


reference = subprocess.run(COMMAND, capture_output=True, text=True, encoding="utf-8", timeout=10).stdout
print(f"reference: subprocess.run(text=True, encoding='utf-8') gives {reference!r}")
reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main()))
reactor.run()  # type: ignore[misc, unused-ignore]
if outcome.get("option") is None and isinstance(outcome.get("stdout"), bytes):
    print("REPRODUCED: Twisted has no text mode for a child's output: no encoding parameter, bytes come back")
    sys.exit(0)
print(f"NOT REPRODUCED: {outcome}")
sys.exit(1)
