"""Twisted's spawnProcess has no pipesize: the size of the pipes to a child cannot be asked for.

Reference (Linux): ``subprocess.Popen(..., pipesize=1 << 20)`` resizes the pipes it creates for the
child. ``IReactorProcess.spawnProcess`` (src/twisted/internet/interfaces.py) takes processProtocol,
executable, args, env, path, uid, gid, usePTY and childFDs only, and the reactors' implementations
take no other keyword. The script probes the running reactor's spawnProcess for the keyword. Usage:
python pipesize__twisted.py twisted (or twisted-asyncio).
"""

import inspect
import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "twisted"
if RUNTIME == "twisted-asyncio":
    from twisted.internet import asyncioreactor

    asyncioreactor.install()

import twisted  # noqa: E402 - after the reactor is chosen
from twisted.internet import reactor  # noqa: E402

parameters = list(inspect.signature(reactor.spawnProcess).parameters)
print(f"Twisted {twisted.__version__} ({type(reactor).__name__}): spawnProcess takes {parameters}")
if not any(name.lower() == "pipesize" for name in parameters):
    print("REPRODUCED: spawnProcess has no pipesize keyword")
    sys.exit(0)
print("NOT REPRODUCED: spawnProcess takes a pipe size")
sys.exit(1)
