"""``python -m conformance._child``: the child process of one cell (``conformance._child.cell``)."""

from conformance._child.cell import main

main()
