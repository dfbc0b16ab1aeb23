"""The conformance suite as pytest items: ``test_scenario[sockets.tcp_echo-gevent]`` and so on.

The items come from the ``conformance`` plugin (see conftest.py); select with ``--runtime`` and ``-k``.
"""

from __future__ import annotations

from conformance._parent.pytest_plugin import CellCheck


def test_scenario(conformance_cell: CellCheck) -> None:
    conformance_cell()
