"""The parent: runs cells and judges them, and never sets up a runtime.

It starts each cell's child and the helper processes by module name (``python -m ...``), never by
importing them; it holds the command line (``cli``), the pytest plugin, the selection of cells and the
expectations they are judged by, the terminal's rendering, the reproducers and the expectations update.
"""
