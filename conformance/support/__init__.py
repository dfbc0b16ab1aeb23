"""What scenario bodies share across areas: the suite's harness code that runs inside a body.

Each module serves the bodies of any area (an area's own helpers stay beside its scenarios, loaded with
``sibling_module``), in the manner of ``trio.testing``'s stream checks and test262's shared harness:

- :mod:`conformance.support.net`: ``recv_exactly`` for blocking sockets, and ``within_asyncio``,
  ``within_trio``, ``within_twisted``, the bound on an awaited operation in each event-loop style;
- :mod:`conformance.support.twisted_streams`: a stream protocol whose reads can be awaited, a pipe
  reader, the peer certificate of a TLS transport;
- :mod:`conformance.support.twisted_processes`: a ``ProcessProtocol`` whose output and end can be
  awaited, and the one rule that turns its end into a ``subprocess``-style return code;
- :mod:`conformance.support.twisted_resolver`: a name resolved the way Twisted resolves one;
- :mod:`conformance.support.executors`: the size of asyncio's default executor, as concurrent.futures
  computes it;
- :mod:`conformance.support.asyncio_datagrams`, :mod:`conformance.support.twisted_datagrams`: a datagram
  protocol whose datagrams can be awaited.

A body imports these inside itself (``from conformance.support.net import within_asyncio`` in
``run_asyncio``), never at a scenario module's top: the parent imports every scenario module, and the
Twisted modules import Twisted at their top. This package imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []
