"""conformance-planted: an asyncio event loop with one deviation planted on purpose, and the two
runtimes it adds to the conformance suite (both on that loop, through the suite's own asyncio family):

- ``planted``: with the package's expectations file, which records the deviation;
- ``planted-unrecorded``: the same loop, named by no expectation.

The child imports this module before the runtime is set up: light imports only.
"""

from __future__ import annotations

from conformance import Runtime

__version__ = "0.3.1"


def runtimes() -> list[Runtime]:
    return [
        Runtime("planted", "asyncio", "asyncio",
                "asyncio on a loop whose datagram endpoints cut received datagrams to 4 KiB (recorded)",
                requirements=("conformance-planted",), family_module_name="conformance._runtimes._asyncio",
                loop_module="conformance_planted.loop", expectations="conformance_planted:expectations.toml"),
        Runtime("planted-unrecorded", "asyncio", "asyncio", "the same loop, with no expectation of its own",
                requirements=("conformance-planted",), family_module_name="conformance._runtimes._asyncio",
                loop_module="conformance_planted.loop"),
    ]
